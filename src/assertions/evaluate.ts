import { queryJsonPath } from './json-path.ts';
import type { Assertion, AssertionOutcome, AssertionValue, Operator } from './types.ts';

/**
 * Evaluates one assertion against a collector's fields. Pure and total: a
 * value of the wrong shape makes the assertion fail, it never throws, because
 * a target answering garbage is exactly what a health check must report.
 */
export function evaluateAssertion(assertion: Assertion, fields: Record<string, unknown>): AssertionOutcome {
  const root = fields[assertion.field];
  const actual = assertion.jsonPath === undefined ? root : queryJsonPath(root, assertion.jsonPath);
  const passed = check(assertion.operator, actual, assertion.value);
  const description = describeAssertion(assertion);
  return { passed, actual, message: passed ? `Assertion passed: ${description}` : `Assertion failed: ${description}` };
}

/** `<field> <operator> <value>`, the words of every assertion message. */
export function describeAssertion(assertion: Assertion): string {
  const field = assertion.jsonPath === undefined ? assertion.field : `${assertion.field} ${assertion.jsonPath}`;
  const parts = [field, assertion.operator];
  if (assertion.value !== undefined) parts.push(formatValue(assertion.value));
  return parts.join(' ');
}

function formatValue(value: AssertionValue): string {
  if (Array.isArray(value)) return `[${value.map(formatValue).join(', ')}]`;
  return String(value);
}

type Check = (actual: unknown, expected: AssertionValue | undefined) => boolean;

const CHECKS: Record<Operator, Check> = {
  equals: (actual, expected) => looselyEqual(actual, expected),
  notEquals: (actual, expected) => !looselyEqual(actual, expected),
  lessThan: (actual, expected) => compare(actual, expected, (order) => order < 0),
  lessThanOrEqual: (actual, expected) => compare(actual, expected, (order) => order <= 0),
  greaterThan: (actual, expected) => compare(actual, expected, (order) => order > 0),
  greaterThanOrEqual: (actual, expected) => compare(actual, expected, (order) => order >= 0),
  contains: (actual, expected) => contains(actual, expected),
  notContains: (actual, expected) => !contains(actual, expected),
  startsWith: (actual, expected) => typeof actual === 'string' && actual.startsWith(String(expected)),
  endsWith: (actual, expected) => typeof actual === 'string' && actual.endsWith(String(expected)),
  matches: (actual, expected) => matches(actual, expected),
  isEmpty: (actual) => isEmpty(actual),
  isNotEmpty: (actual) => actual !== undefined && actual !== null && !isEmpty(actual),
  isTrue: (actual) => actual === true,
  isFalse: (actual) => actual === false,
  includes: (actual, expected) => Array.isArray(actual) && actual.some((item) => looselyEqual(item, expected)),
  notIncludes: (actual, expected) => Array.isArray(actual) && !actual.some((item) => looselyEqual(item, expected)),
  lengthEquals: (actual, expected) => compareLength(actual, expected, (length, wanted) => length === wanted),
  lengthGreaterThan: (actual, expected) => compareLength(actual, expected, (length, wanted) => length > wanted),
  lengthLessThan: (actual, expected) => compareLength(actual, expected, (length, wanted) => length < wanted),
  in: (actual, expected) => Array.isArray(expected) && expected.some((option) => looselyEqual(actual, option)),
  exists: (actual) => actual !== undefined && actual !== null,
  notExists: (actual) => actual === undefined || actual === null,
};

function check(operator: Operator, actual: unknown, expected: AssertionValue | undefined): boolean {
  return CHECKS[operator](actual, expected);
}

function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && value.trim() !== '') {
    const number = Number(value);
    return Number.isFinite(number) ? number : undefined;
  }
  return undefined;
}

/** `200 == "200"` holds: the string form cannot always tell a number from text. */
function looselyEqual(actual: unknown, expected: unknown): boolean {
  if (actual === expected) return true;
  if (actual === undefined || expected === undefined) return false;
  if (typeof actual === 'number' || typeof expected === 'number') {
    const left = asNumber(actual);
    const right = asNumber(expected);
    return left !== undefined && left === right;
  }
  if (typeof actual === 'boolean' || typeof expected === 'boolean') return String(actual) === String(expected);
  if (typeof actual === 'object' && actual !== null) return JSON.stringify(actual) === JSON.stringify(expected);
  return false;
}

function compare(actual: unknown, expected: unknown, accept: (order: number) => boolean): boolean {
  const left = asNumber(actual);
  const right = asNumber(expected);
  if (left !== undefined && right !== undefined) return accept(left - right);
  if (typeof actual === 'string' && typeof expected === 'string') return accept(actual < expected ? -1 : actual > expected ? 1 : 0);
  return false;
}

function contains(actual: unknown, expected: unknown): boolean {
  if (typeof actual === 'string') return actual.includes(String(expected));
  if (Array.isArray(actual)) return actual.some((item) => looselyEqual(item, expected));
  return false;
}

function matches(actual: unknown, expected: unknown): boolean {
  if (typeof actual !== 'string' && typeof actual !== 'number') return false;
  try {
    return new RegExp(String(expected)).test(String(actual));
  } catch {
    return false;
  }
}

function isEmpty(actual: unknown): boolean {
  if (actual === undefined || actual === null) return true;
  if (typeof actual === 'string' || Array.isArray(actual)) return actual.length === 0;
  if (typeof actual === 'object') return Object.keys(actual).length === 0;
  return false;
}

function compareLength(actual: unknown, expected: unknown, accept: (length: number, wanted: number) => boolean): boolean {
  const wanted = asNumber(expected);
  if (wanted === undefined) return false;
  if (typeof actual === 'string' || Array.isArray(actual)) return accept(actual.length, wanted);
  return false;
}
