import type { z } from 'zod';

/**
 * What a caller reads when input fails a schema: the key path and what was expected, in plain
 * English. zod's own defaults read "Invalid input: expected string, received number" and, behind
 * Vigil's "Invalid input: <path>: …", stutter. `plainMessage` is handed to zod as its error map,
 * so a message a schema sets itself still wins. It never quotes a string the caller sent (it may
 * be a secret); numbers and key names are safe to repeat.
 */

type RawIssue = z.core.$ZodRawIssue;

export function plainMessage(issue: RawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type':
      if (!('input' in issue) || issue.input === undefined) return `required (expected ${typeName(issue.expected)})`;
      // NaN is what a query string coerced to a number became: what was sent is not known here.
      if (Number.isNaN(issue.input)) return `expected ${typeName(issue.expected)}`;
      return `expected ${typeName(issue.expected)}, got ${describeInput(issue.input)}`;
    case 'too_small':
      return sizeMessage(issue.origin, 'least', issue.minimum, issue.inclusive !== false);
    case 'too_big':
      return sizeMessage(issue.origin, 'most', issue.maximum, issue.inclusive !== false);
    case 'invalid_format':
      return formatMessage(issue);
    case 'invalid_value':
      return issue.values.length === 1 ? `expected ${literal(issue.values[0])}` : `expected one of ${issue.values.map(literal).join(', ')}`;
    case 'not_multiple_of':
      return `expected a multiple of ${String(issue.divisor)}`;
    case 'unrecognized_keys':
      return issue.keys.map(unknownField).join('; ');
    case 'invalid_key':
      return `invalid name: ${issue.issues.map((inner) => inner.message).join('; ')}`;
    case 'invalid_element':
      return `invalid entry: ${issue.issues.map((inner) => inner.message).join('; ')}`;
    case 'invalid_union':
      return unionMessage(issue);
    default:
      return undefined;
  }
}

export interface IssueDetail {
  path: PropertyKey[];
  message: string;
}

/**
 * One detail per problem, each at its own path. zod reports every unknown key of an object as one
 * issue at the object's path (`""` for the body itself), and a value that fits one alternative of
 * a union in shape but not in detail as one issue at the union's path (the alternatives that fit are
 * those of the value's type whose literal tag, if any, it carries); a caller fixes them one key at a
 * time. `unknownKey` words unknown keys for where they were sent (a body, a query string).
 */
export function issueDetails(issues: readonly z.core.$ZodIssue[], unknownKey: (key: string) => string = unknownField): IssueDetail[] {
  return issues.flatMap((issue): IssueDetail[] => {
    if (issue.code === 'unrecognized_keys') return issue.keys.map((key) => ({ path: [...issue.path, key], message: unknownKey(key) }));
    if (issue.code === 'invalid_union') {
      const fitting = issue.errors.filter((branch) => !branch.some((inner) => (inner.path.length === 0 && inner.code === 'invalid_type') || isTagMismatch(inner)));
      if (fitting.length === 1) return issueDetails(fitting[0]!, unknownKey).map((detail) => ({ ...detail, path: [...issue.path, ...detail.path] }));
    }
    return [{ path: issue.path, message: issue.message }];
  });
}

/** A branch tagged by one literal (`kind: "shell"`) that the value does not carry is not the branch meant. */
function isTagMismatch(issue: z.core.$ZodIssue): boolean {
  return issue.code === 'invalid_value' && issue.path.length === 1 && issue.values.length === 1;
}

export function unknownField(key: string): string {
  return `Unknown field "${key}"`;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  bigint: 'a whole number',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  record: 'an object',
  map: 'an object',
  set: 'a list',
  tuple: 'a list',
  date: 'a date',
  null: 'null',
  undefined: 'nothing',
  nan: 'NaN',
};

function typeName(expected: string): string {
  return TYPE_NAMES[expected] ?? expected;
}

function describeInput(input: unknown): string {
  if (input === null) return 'null';
  if (Array.isArray(input)) return 'a list';
  if (typeof input === 'number') return String(input);
  if (typeof input === 'object') return 'an object';
  return typeName(typeof input);
}

function sizeMessage(origin: string, bound: 'least' | 'most', limit: number | bigint, inclusive: boolean): string {
  const n = Number(limit);
  switch (origin) {
    case 'string':
      return bound === 'least' && n === 1 ? 'expected a non-empty string' : `expected at ${bound} ${n} character${n === 1 ? '' : 's'}`;
    case 'array':
    case 'set':
      return bound === 'least' && n === 1 ? 'expected at least one item' : `expected at ${bound} ${n} item${n === 1 ? '' : 's'}`;
    case 'file':
      return `expected at ${bound} ${n} bytes`;
    default:
      if (inclusive) return `expected at ${bound} ${n}`;
      return `expected ${bound === 'least' ? 'more' : 'less'} than ${n}`;
  }
}

function formatMessage(issue: Extract<RawIssue, { code: 'invalid_format' }>): string {
  const named: Record<string, string> = {
    uuid: 'a UUID',
    guid: 'a UUID',
    url: 'a URL',
    email: 'an email address',
    datetime: 'an ISO-8601 date and time, e.g. 2024-05-01T12:00:00Z',
    date: 'an ISO-8601 date, e.g. 2024-05-01',
    time: 'an ISO-8601 time, e.g. 12:00:00',
    duration: 'an ISO-8601 duration, e.g. PT5M',
    ipv4: 'an IPv4 address',
    ipv6: 'an IPv6 address',
    base64: 'base64 text',
    json_string: 'a JSON document',
  };
  const details = issue as { prefix?: string; suffix?: string; includes?: string; pattern?: unknown };
  if (issue.format === 'starts_with') return `expected text starting with "${details.prefix}"`;
  if (issue.format === 'ends_with') return `expected text ending with "${details.suffix}"`;
  if (issue.format === 'includes') return `expected text containing "${details.includes}"`;
  if (issue.format === 'regex') return `expected text matching ${String(details.pattern)}`;
  return `expected ${named[issue.format] ?? `a valid ${issue.format}`}`;
}

function unionMessage(issue: Extract<RawIssue, { code: 'invalid_union' }>): string {
  const discriminated = issue as { discriminator?: string; options?: unknown[] };
  if (discriminated.options?.length) return `expected one of ${discriminated.options.map(literal).join(', ')}`;
  // Each alternative's first complaint about the value itself: "expected a string or an object".
  const expectations = issue.errors.map((branch) => branch.find((inner) => inner.path.length === 0)?.message);
  if (expectations.length > 0 && expectations.every((message) => message?.startsWith('expected '))) {
    return `expected ${[...new Set(expectations.map((message) => message!.slice('expected '.length).replace(/, got .*$/, '')))].join(' or ')}`;
  }
  return 'expected a value of one of the allowed shapes';
}

function literal(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}
