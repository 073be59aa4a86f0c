import { describe, expect, it } from 'vitest';
import { parseAssertion, parseAssertionString } from './parse.ts';
import type { Assertion } from './types.ts';

const rows: { name: string; input: string; expected: Assertion | { error: RegExp } }[] = [
  { name: '== on a number', input: 'statusCode == 200', expected: { field: 'statusCode', operator: 'equals', value: 200 } },
  { name: '!= on a number', input: 'statusCode != 500', expected: { field: 'statusCode', operator: 'notEquals', value: 500 } },
  { name: '< with a duration in ms', input: 'latencyMs < 500ms', expected: { field: 'latencyMs', operator: 'lessThan', value: 500 } },
  { name: '<= with a duration in s', input: 'latencyMs <= 2s', expected: { field: 'latencyMs', operator: 'lessThanOrEqual', value: 2000 } },
  { name: '> plain number', input: 'daysRemaining > 14', expected: { field: 'daysRemaining', operator: 'greaterThan', value: 14 } },
  { name: '>= decimal', input: 'ratio >= 0.5', expected: { field: 'ratio', operator: 'greaterThanOrEqual', value: 0.5 } },
  { name: 'no spaces around the symbol', input: 'statusCode==200', expected: { field: 'statusCode', operator: 'equals', value: 200 } },
  { name: 'contains a quoted string', input: 'body contains "ok"', expected: { field: 'body', operator: 'contains', value: 'ok' } },
  { name: 'contains keeps digits as text', input: 'body contains 200', expected: { field: 'body', operator: 'contains', value: '200' } },
  { name: 'not contains', input: 'body not contains error', expected: { field: 'body', operator: 'notContains', value: 'error' } },
  { name: 'starts with', input: 'banner starts with SSH-2.0', expected: { field: 'banner', operator: 'startsWith', value: 'SSH-2.0' } },
  { name: 'ends with', input: "finalUrl ends with '/health'", expected: { field: 'finalUrl', operator: 'endsWith', value: '/health' } },
  { name: 'matches keeps the regex as typed', input: 'body matches ^ok\\s+\\d+$', expected: { field: 'body', operator: 'matches', value: '^ok\\s+\\d+$' } },
  { name: 'exists takes no value', input: 'banner exists', expected: { field: 'banner', operator: 'exists' } },
  { name: 'not exists', input: 'json $.error not exists', expected: { field: 'json', jsonPath: '$.error', operator: 'notExists' } },
  { name: 'json path with a quoted string', input: 'json $.status == "UP"', expected: { field: 'json', jsonPath: '$.status', operator: 'equals', value: 'UP' } },
  { name: 'json path with index', input: 'json $.items[0].id == 1', expected: { field: 'json', jsonPath: '$.items[0].id', operator: 'equals', value: 1 } },
  { name: 'json path with a spaced key', input: "json $['a b'] == x", expected: { field: 'json', jsonPath: "$['a b']", operator: 'equals', value: 'x' } },
  {
    name: 'header lookup, name lower-cased',
    input: 'header Content-Type contains json',
    expected: { field: 'headers', jsonPath: '$["content-type"]', operator: 'contains', value: 'json' },
  },
  { name: 'headers itself without a name', input: 'headers isNotEmpty', expected: { field: 'headers', operator: 'isNotEmpty' } },
  { name: 'includes a quoted address', input: 'answers includes "10.0.0.1"', expected: { field: 'answers', operator: 'includes', value: '10.0.0.1' } },
  { name: 'not includes', input: 'answers not includes 10.0.0.9', expected: { field: 'answers', operator: 'notIncludes', value: '10.0.0.9' } },
  { name: 'in a list of numbers', input: 'statusCode in [200, 204]', expected: { field: 'statusCode', operator: 'in', value: [200, 204] } },
  { name: 'in a list of quoted strings with commas', input: 'status in ["A,B", C]', expected: { field: 'status', operator: 'in', value: ['A,B', 'C'] } },
  { name: 'is empty', input: 'stderr is empty', expected: { field: 'stderr', operator: 'isEmpty' } },
  { name: 'is true', input: 'hostnameMatches is true', expected: { field: 'hostnameMatches', operator: 'isTrue' } },
  { name: 'operator names are accepted', input: 'count lengthGreaterThan 0', expected: { field: 'count', operator: 'lengthGreaterThan', value: 0 } },
  { name: 'length ==', input: 'answers length == 2', expected: { field: 'answers', operator: 'lengthEquals', value: 2 } },
  { name: 'boolean value', input: 'matched == true', expected: { field: 'matched', operator: 'equals', value: true } },
  {
    name: 'degraded severity suffix',
    input: 'latencyMs < 200ms (degraded)',
    expected: { field: 'latencyMs', operator: 'lessThan', value: 200, severity: 'degraded' },
  },
  { name: 'field with in-prefix is not the in operator', input: 'info $.uptime_in_seconds > 1', expected: { field: 'info', jsonPath: '$.uptime_in_seconds', operator: 'greaterThan', value: 1 } },
  { name: 'bad: empty', input: '', expected: { error: /expected a field name/ } },
  { name: 'bad: unknown operator', input: 'statusCode ~= 200', expected: { error: /unknown operator after "statusCode"/ } },
  { name: 'bad: missing value', input: 'statusCode ==', expected: { error: /"==" needs a value/ } },
  { name: 'bad: value after exists', input: 'banner exists yes', expected: { error: /takes no value/ } },
  { name: 'bad: in without a list', input: 'statusCode in 200', expected: { error: /needs a list/ } },
  { name: 'bad: in with an empty item', input: 'statusCode in [200,,204]', expected: { error: /needs a list/ } },
];

describe('parseAssertionString', () => {
  for (const row of rows) {
    it(row.name, () => {
      const parsed = parseAssertionString(row.input);
      if ('error' in row.expected) {
        expect(parsed.ok).toBe(false);
        if (!parsed.ok) expect(parsed.error).toMatch(row.expected.error);
      } else {
        expect(parsed).toEqual({ ok: true, assertion: row.expected });
      }
    });
  }
});

describe('parseAssertion (object form)', () => {
  const objectRows: { name: string; input: unknown; ok: boolean; error?: RegExp }[] = [
    { name: 'a stored assertion passes through', input: { field: 'statusCode', operator: 'equals', value: 200 }, ok: true },
    { name: 'with jsonPath and severity', input: { field: 'json', jsonPath: '$.a', operator: 'exists', severity: 'degraded' }, ok: true },
    { name: 'unknown operator', input: { field: 'statusCode', operator: 'eq', value: 200 }, ok: false, error: /operator/ },
    { name: 'unknown key', input: { field: 'statusCode', operator: 'equals', value: 200, extra: 1 }, ok: false, error: /extra/ },
    { name: 'bad severity', input: { field: 'x', operator: 'exists', severity: 'warning' }, ok: false, error: /severity/ },
    { name: 'object value', input: { field: 'x', operator: 'equals', value: { a: 1 } }, ok: false, error: /value must be/ },
    { name: 'not an object', input: 42, ok: false, error: /Invalid assertion/ },
  ];
  for (const row of objectRows) {
    it(row.name, () => {
      const parsed = parseAssertion(row.input);
      expect(parsed.ok).toBe(row.ok);
      if (parsed.ok) expect(parsed.assertion).toEqual(row.input);
      else expect(parsed.error).toMatch(row.error ?? /./);
    });
  }
});
