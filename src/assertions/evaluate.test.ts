import { describe, expect, it } from 'vitest';
import { evaluateAssertion } from './evaluate.ts';
import type { Assertion } from './types.ts';

const fields = {
  statusCode: 200,
  latencyMs: 120,
  body: 'all ok here',
  banner: 'SSH-2.0-OpenSSH_9.6',
  empty: '',
  answers: ['10.0.0.1', '10.0.0.2'],
  noAnswers: [],
  matched: true,
  hostnameMatches: false,
  headers: { 'content-type': 'application/json; charset=utf-8' },
  json: { status: 'UP', count: '3', items: [{ id: 1 }, { id: 2 }], nothing: null },
  version: '16.4',
};

const rows: { name: string; input: Assertion; expected: { passed: boolean; actual?: unknown } }[] = [
  { name: 'equals number', input: { field: 'statusCode', operator: 'equals', value: 200 }, expected: { passed: true, actual: 200 } },
  { name: 'equals number given as text', input: { field: 'statusCode', operator: 'equals', value: '200' }, expected: { passed: true } },
  { name: 'equals fails', input: { field: 'statusCode', operator: 'equals', value: 201 }, expected: { passed: false, actual: 200 } },
  { name: 'notEquals', input: { field: 'statusCode', operator: 'notEquals', value: 500 }, expected: { passed: true } },
  { name: 'notEquals fails on equal', input: { field: 'statusCode', operator: 'notEquals', value: 200 }, expected: { passed: false } },
  { name: 'lessThan', input: { field: 'latencyMs', operator: 'lessThan', value: 500 }, expected: { passed: true } },
  { name: 'lessThan at the edge fails', input: { field: 'latencyMs', operator: 'lessThan', value: 120 }, expected: { passed: false } },
  { name: 'lessThanOrEqual at the edge', input: { field: 'latencyMs', operator: 'lessThanOrEqual', value: 120 }, expected: { passed: true } },
  { name: 'greaterThan', input: { field: 'latencyMs', operator: 'greaterThan', value: 100 }, expected: { passed: true } },
  { name: 'greaterThanOrEqual fails', input: { field: 'latencyMs', operator: 'greaterThanOrEqual', value: 121 }, expected: { passed: false } },
  { name: 'numeric compare of numeric text', input: { field: 'json', jsonPath: '$.count', operator: 'greaterThan', value: 2 }, expected: { passed: true, actual: '3' } },
  { name: 'lessThan on a missing field fails', input: { field: 'nope', operator: 'lessThan', value: 5 }, expected: { passed: false, actual: undefined } },
  { name: 'lessThan on text vs number fails', input: { field: 'body', operator: 'lessThan', value: 5 }, expected: { passed: false } },
  { name: 'contains', input: { field: 'body', operator: 'contains', value: 'ok' }, expected: { passed: true } },
  { name: 'contains is case-sensitive', input: { field: 'body', operator: 'contains', value: 'OK' }, expected: { passed: false } },
  { name: 'contains on an array', input: { field: 'answers', operator: 'contains', value: '10.0.0.2' }, expected: { passed: true } },
  { name: 'notContains', input: { field: 'body', operator: 'notContains', value: 'error' }, expected: { passed: true } },
  { name: 'notContains fails', input: { field: 'body', operator: 'notContains', value: 'ok' }, expected: { passed: false } },
  { name: 'startsWith', input: { field: 'banner', operator: 'startsWith', value: 'SSH-2.0' }, expected: { passed: true } },
  { name: 'startsWith on a number fails', input: { field: 'statusCode', operator: 'startsWith', value: '2' }, expected: { passed: false } },
  { name: 'endsWith', input: { field: 'banner', operator: 'endsWith', value: '9.6' }, expected: { passed: true } },
  { name: 'matches', input: { field: 'banner', operator: 'matches', value: '^SSH-\\d\\.\\d' }, expected: { passed: true } },
  { name: 'matches fails', input: { field: 'body', operator: 'matches', value: '^ok' }, expected: { passed: false } },
  { name: 'matches with a broken regex fails, never throws', input: { field: 'body', operator: 'matches', value: '(' }, expected: { passed: false } },
  { name: 'isEmpty on empty text', input: { field: 'empty', operator: 'isEmpty' }, expected: { passed: true } },
  { name: 'isEmpty on text fails', input: { field: 'body', operator: 'isEmpty' }, expected: { passed: false } },
  { name: 'isEmpty on an empty array', input: { field: 'noAnswers', operator: 'isEmpty' }, expected: { passed: true } },
  { name: 'isNotEmpty on an array', input: { field: 'answers', operator: 'isNotEmpty' }, expected: { passed: true } },
  { name: 'isNotEmpty on a missing field fails', input: { field: 'nope', operator: 'isNotEmpty' }, expected: { passed: false } },
  { name: 'isTrue', input: { field: 'matched', operator: 'isTrue' }, expected: { passed: true } },
  { name: 'isTrue on false fails', input: { field: 'hostnameMatches', operator: 'isTrue' }, expected: { passed: false } },
  { name: 'isTrue on the text "true" fails', input: { field: 'json', jsonPath: '$.status', operator: 'isTrue' }, expected: { passed: false } },
  { name: 'isFalse', input: { field: 'hostnameMatches', operator: 'isFalse' }, expected: { passed: true } },
  { name: 'includes', input: { field: 'answers', operator: 'includes', value: '10.0.0.1' }, expected: { passed: true } },
  { name: 'includes fails', input: { field: 'answers', operator: 'includes', value: '10.0.0.9' }, expected: { passed: false } },
  { name: 'includes on text fails', input: { field: 'body', operator: 'includes', value: 'ok' }, expected: { passed: false } },
  { name: 'notIncludes', input: { field: 'answers', operator: 'notIncludes', value: '10.0.0.9' }, expected: { passed: true } },
  { name: 'notIncludes fails', input: { field: 'answers', operator: 'notIncludes', value: '10.0.0.1' }, expected: { passed: false } },
  { name: 'lengthEquals', input: { field: 'answers', operator: 'lengthEquals', value: 2 }, expected: { passed: true } },
  { name: 'lengthGreaterThan', input: { field: 'answers', operator: 'lengthGreaterThan', value: 2 }, expected: { passed: false } },
  { name: 'lengthLessThan on text', input: { field: 'banner', operator: 'lengthLessThan', value: 100 }, expected: { passed: true } },
  { name: 'lengthEquals on a number fails', input: { field: 'statusCode', operator: 'lengthEquals', value: 3 }, expected: { passed: false } },
  { name: 'in', input: { field: 'statusCode', operator: 'in', value: [200, 204] }, expected: { passed: true } },
  { name: 'in fails', input: { field: 'statusCode', operator: 'in', value: [301, 302] }, expected: { passed: false } },
  { name: 'in with text options', input: { field: 'json', jsonPath: '$.status', operator: 'in', value: ['UP', 'OK'] }, expected: { passed: true } },
  { name: 'exists', input: { field: 'banner', operator: 'exists' }, expected: { passed: true } },
  { name: 'exists on a missing field fails', input: { field: 'nope', operator: 'exists' }, expected: { passed: false } },
  { name: 'exists on null fails', input: { field: 'json', jsonPath: '$.nothing', operator: 'exists' }, expected: { passed: false, actual: null } },
  { name: 'notExists', input: { field: 'json', jsonPath: '$.error', operator: 'notExists' }, expected: { passed: true } },
  { name: 'json path equals', input: { field: 'json', jsonPath: '$.status', operator: 'equals', value: 'UP' }, expected: { passed: true, actual: 'UP' } },
  { name: 'json path into an array', input: { field: 'json', jsonPath: '$.items[1].id', operator: 'equals', value: 2 }, expected: { passed: true } },
  { name: 'json path wildcard', input: { field: 'json', jsonPath: '$.items[*].id', operator: 'includes', value: 2 }, expected: { passed: true, actual: [1, 2] } },
  {
    name: 'header lookup',
    input: { field: 'headers', jsonPath: '$["content-type"]', operator: 'contains', value: 'json' },
    expected: { passed: true },
  },
  { name: 'version strings compare as numbers when numeric', input: { field: 'version', operator: 'greaterThanOrEqual', value: 16 }, expected: { passed: true } },
];

describe('evaluateAssertion', () => {
  for (const row of rows) {
    it(row.name, () => {
      const outcome = evaluateAssertion(row.input, fields);
      expect(outcome.passed).toBe(row.expected.passed);
      if ('actual' in row.expected) expect(outcome.actual).toEqual(row.expected.actual);
    });
  }

  it('names field, operator and value in the failure message', () => {
    expect(evaluateAssertion({ field: 'statusCode', operator: 'equals', value: 201 }, fields).message).toBe(
      'Assertion failed: statusCode equals 201',
    );
    expect(evaluateAssertion({ field: 'json', jsonPath: '$.status', operator: 'equals', value: 'DOWN' }, fields).message).toBe(
      'Assertion failed: json $.status equals DOWN',
    );
    expect(evaluateAssertion({ field: 'nope', operator: 'exists' }, fields).message).toBe('Assertion failed: nope exists');
    expect(evaluateAssertion({ field: 'statusCode', operator: 'in', value: [301, 302] }, fields).message).toBe(
      'Assertion failed: statusCode in [301, 302]',
    );
  });
});
