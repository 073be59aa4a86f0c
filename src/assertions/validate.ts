import { parseJsonPath } from './json-path.ts';
import { OPERATORS_BY_TYPE, OPERATORS_WITHOUT_VALUE, PATHABLE_TYPES } from './types.ts';
import type { Assertion, FieldSpecs, Operator } from './types.ts';

/**
 * Checks an assertion against the fields a collector declares, so a typo is
 * caught when the configuration is saved rather than failing every run.
 * Returns the problems in words that list what would have been valid.
 */
export function validateAssertion(assertion: Assertion, fields: FieldSpecs): string[] {
  const spec = fields[assertion.field];
  if (!spec) {
    return [`Unknown field "${assertion.field}". Valid fields: ${Object.keys(fields).sort().join(', ')}.`];
  }

  const errors: string[] = [];
  let allowed: readonly Operator[] = OPERATORS_BY_TYPE[spec.type];
  if (assertion.jsonPath !== undefined) {
    if (!PATHABLE_TYPES.has(spec.type)) {
      return [`Field "${assertion.field}" is a ${spec.type}; a JSON path needs a json, object or array field.`];
    }
    const path = parseJsonPath(assertion.jsonPath);
    if (!path.ok) errors.push(path.error);
    allowed = OPERATORS_BY_TYPE.jsonPath;
  }
  if (!allowed.includes(assertion.operator)) {
    errors.push(
      `Operator "${assertion.operator}" does not apply to ${spec.type} field "${assertion.field}". Valid operators: ${allowed.join(', ')}.`,
    );
    return errors;
  }

  errors.push(...validateValue(assertion, spec.type === 'number' && assertion.jsonPath === undefined));
  return errors;
}

const NUMERIC_OPERATORS: ReadonlySet<Operator> = new Set([
  'lessThan',
  'lessThanOrEqual',
  'greaterThan',
  'greaterThanOrEqual',
  'lengthEquals',
  'lengthGreaterThan',
  'lengthLessThan',
]);

function validateValue(assertion: Assertion, numericField: boolean): string[] {
  const { operator, value } = assertion;
  if (OPERATORS_WITHOUT_VALUE.has(operator)) {
    return value === undefined ? [] : [`Operator "${operator}" takes no value.`];
  }
  if (value === undefined) return [`Operator "${operator}" needs a value.`];
  if (operator === 'in') {
    return Array.isArray(value) && value.length > 0 ? [] : [`Operator "in" needs a non-empty list of values.`];
  }
  if (Array.isArray(value)) return [`Operator "${operator}" needs a single value, not a list.`];
  const isNumeric = typeof value === 'number' || (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)));
  if ((NUMERIC_OPERATORS.has(operator) || numericField) && !isNumeric) {
    return [`Operator "${operator}" on "${assertion.field}" needs a number, got ${JSON.stringify(value)}.`];
  }
  if (operator === 'matches') {
    try {
      new RegExp(String(value));
    } catch (error) {
      return [`Invalid regular expression ${JSON.stringify(value)}: ${(error as Error).message}.`];
    }
  }
  return [];
}
