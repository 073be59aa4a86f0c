import { z } from 'zod';
import { parseDuration } from './duration.ts';
import { OPERATORS, OPERATORS_WITHOUT_VALUE } from './types.ts';
import type { Assertion, AssertionValue, Operator } from './types.ts';

/**
 * Turns the string form of an assertion (`statusCode == 200`,
 * `json $.status == "UP"`, `header content-type contains json`) into the
 * stored object form. Pure: whether the field exists is `validate.ts`'s job.
 */

export type ParsedAssertion = { ok: true; assertion: Assertion } | { ok: false; error: string };

/** Spelled-out operators, longest first so `not contains` wins over `contains`. */
const OPERATOR_PHRASES: [string, Operator][] = [
  ['is not empty', 'isNotEmpty'],
  ['not contains', 'notContains'],
  ['not includes', 'notIncludes'],
  ['starts with', 'startsWith'],
  ['ends with', 'endsWith'],
  ['not exists', 'notExists'],
  ['is empty', 'isEmpty'],
  ['is true', 'isTrue'],
  ['is false', 'isFalse'],
  ['length ==', 'lengthEquals'],
  ['length >', 'lengthGreaterThan'],
  ['length <', 'lengthLessThan'],
  ['==', 'equals'],
  ['!=', 'notEquals'],
  ['<=', 'lessThanOrEqual'],
  ['>=', 'greaterThanOrEqual'],
  ['<', 'lessThan'],
  ['>', 'greaterThan'],
  ['contains', 'contains'],
  ['includes', 'includes'],
  ['matches', 'matches'],
  ['exists', 'exists'],
  ['in', 'in'],
  ...OPERATORS.map((operator): [string, Operator] => [operator, operator]),
];

/** Operators whose value is text as typed, never a number or a duration. */
const TEXT_OPERATORS: ReadonlySet<Operator> = new Set(['contains', 'notContains', 'startsWith', 'endsWith', 'matches']);

const DEGRADED_SUFFIX = /\s+\(degraded\)$/i;
const FIELD = /^[A-Za-z_][\w.-]*/;

const assertionObject = z.strictObject({
  field: z.string().min(1),
  operator: z.enum(OPERATORS),
  value: z.unknown().optional(),
  jsonPath: z.string().min(1).optional(),
  severity: z.enum(['unhealthy', 'degraded']).optional(),
});

/** Accepts either form (the API and YAML take both) and returns the object form. */
export function parseAssertion(input: unknown): ParsedAssertion {
  if (typeof input === 'string') return parseAssertionString(input);
  const parsed = assertionObject.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    return { ok: false, error: `Invalid assertion: ${where}${issue?.message ?? 'unknown problem'}` };
  }
  const { value, ...rest } = parsed.data;
  if (value !== undefined && !isAssertionValue(value)) {
    return { ok: false, error: 'Invalid assertion: value must be a string, number, boolean, null or a list of them' };
  }
  return { ok: true, assertion: value === undefined ? rest : { ...rest, value } };
}

export function parseAssertionString(text: string): ParsedAssertion {
  let rest = text.trim();
  const fail = (why: string): ParsedAssertion => ({ ok: false, error: `Invalid assertion "${text}": ${why}` });

  let severity: Assertion['severity'];
  if (DEGRADED_SUFFIX.test(rest)) {
    severity = 'degraded';
    rest = rest.replace(DEGRADED_SUFFIX, '');
  }

  let field = FIELD.exec(rest)?.[0];
  if (!field) return fail('expected a field name first, e.g. "statusCode == 200"');
  rest = rest.slice(field.length).trimStart();

  let jsonPath: string | undefined;
  if (field === 'header' || field === 'headers') {
    const name = /^[^\s$]\S*/.exec(rest)?.[0];
    if (name && !startsWithOperator(rest)) {
      // Node lower-cases response header names, so the lookup must too.
      jsonPath = `$[${JSON.stringify(name.toLowerCase())}]`;
      rest = rest.slice(name.length).trimStart();
    }
    field = 'headers';
  }
  if (rest.startsWith('$')) {
    const end = endOfPath(rest);
    jsonPath = rest.slice(0, end);
    rest = rest.slice(end).trimStart();
  }

  const phrase = matchOperator(rest);
  if (!phrase) return fail(`unknown operator after "${field}"`);
  const [spelled, operator] = phrase;
  rest = rest.slice(spelled.length).trim();

  const assertion: Assertion = { field, operator };
  if (jsonPath !== undefined) assertion.jsonPath = jsonPath;
  if (severity) assertion.severity = severity;

  if (OPERATORS_WITHOUT_VALUE.has(operator)) {
    if (rest !== '') return fail(`"${spelled}" takes no value, found "${rest}"`);
    return { ok: true, assertion };
  }
  if (rest === '') return fail(`"${spelled}" needs a value`);
  if (operator === 'in') {
    const list = parseList(rest);
    if (!list) return fail('"in" needs a list like [200, 204]');
    assertion.value = list;
  } else {
    assertion.value = TEXT_OPERATORS.has(operator) ? parseText(rest) : parseScalar(rest);
  }
  return { ok: true, assertion };
}

function matchOperator(text: string): [string, Operator] | undefined {
  const lower = text.toLowerCase();
  return OPERATOR_PHRASES.find(([spelled]) => {
    if (!lower.startsWith(spelled.toLowerCase())) return false;
    // Word operators must end at a word boundary: `in` is not the start of `includes`.
    const next = text[spelled.length];
    return !/\w$/.test(spelled) || next === undefined || /[\s[]/.test(next);
  });
}

function startsWithOperator(text: string): boolean {
  return matchOperator(text) !== undefined;
}

function endOfPath(text: string): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i];
    if (quote) {
      if (char === '\\') i++;
      else if (char === quote) quote = undefined;
    } else if (char === '"' || char === "'") quote = char;
    else if (char === '[') depth++;
    else if (char === ']') depth--;
    else if (depth === 0 && /\s/.test(char ?? '')) return i;
  }
  return text.length;
}

function isQuoted(text: string): boolean {
  return text.length >= 2 && /^(['"]).*\1$/s.test(text);
}

function unquote(text: string): string {
  const quote = text[0];
  return text.slice(1, -1).replace(quote === '"' ? /\\(["\\])/g : /\\(['\\])/g, '$1');
}

function parseText(text: string): string {
  return isQuoted(text) ? unquote(text) : text;
}

function parseScalar(text: string): AssertionValue {
  if (isQuoted(text)) return unquote(text);
  if (/^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/.test(text)) return Number(text);
  const duration = parseDuration(text);
  if (duration !== undefined) return duration;
  if (text === 'true' || text === 'false') return text === 'true';
  if (text === 'null') return null;
  return text;
}

function parseList(text: string): AssertionValue[] | undefined {
  if (!text.startsWith('[') || !text.endsWith(']')) return undefined;
  const inner = text.slice(1, -1).trim();
  if (inner === '') return [];
  const items: string[] = [];
  let current = '';
  let quote: string | undefined;
  for (let i = 0; i < inner.length; i++) {
    const char = inner[i] ?? '';
    if (quote) {
      current += char;
      if (char === '\\') current += inner[++i] ?? '';
      else if (char === quote) quote = undefined;
    } else if (char === ',') {
      items.push(current.trim());
      current = '';
    } else {
      if (char === '"' || char === "'") quote = char;
      current += char;
    }
  }
  items.push(current.trim());
  if (items.some((item) => item === '')) return undefined;
  return items.map(parseScalar);
}

function isAssertionValue(value: unknown): value is AssertionValue {
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return true;
  return Array.isArray(value) && value.every(isAssertionValue);
}
