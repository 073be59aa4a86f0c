import { describe, expect, it } from 'vitest';
import { validateAssertion } from './validate.ts';
import type { Assertion, FieldSpecs } from './types.ts';

const fields: FieldSpecs = {
  statusCode: { type: 'number', description: '' },
  body: { type: 'string', description: '' },
  matched: { type: 'boolean', description: '' },
  answers: { type: 'array', description: '' },
  headers: { type: 'object', description: '' },
  json: { type: 'json', description: '' },
};

const rows: { name: string; input: Assertion; expected: RegExp[] }[] = [
  { name: 'number equals number', input: { field: 'statusCode', operator: 'equals', value: 200 }, expected: [] },
  { name: 'number in a list', input: { field: 'statusCode', operator: 'in', value: [200, 204] }, expected: [] },
  { name: 'string contains', input: { field: 'body', operator: 'contains', value: 'ok' }, expected: [] },
  { name: 'boolean isTrue', input: { field: 'matched', operator: 'isTrue' }, expected: [] },
  { name: 'array includes', input: { field: 'answers', operator: 'includes', value: '10.0.0.1' }, expected: [] },
  { name: 'json path with any operator', input: { field: 'json', jsonPath: '$.a', operator: 'greaterThan', value: 1 }, expected: [] },
  { name: 'object with a json path (header)', input: { field: 'headers', jsonPath: '$["x"]', operator: 'startsWith', value: 'a' }, expected: [] },
  { name: 'any field exists', input: { field: 'matched', operator: 'exists' }, expected: [] },
  {
    name: 'unknown field lists the valid fields',
    input: { field: 'status', operator: 'equals', value: 200 },
    expected: [/Unknown field "status"\. Valid fields: answers, body, headers, json, matched, statusCode\./],
  },
  {
    name: 'contains on a number lists the valid operators',
    input: { field: 'statusCode', operator: 'contains', value: 2 },
    expected: [/Operator "contains" does not apply to number field "statusCode"\. Valid operators: equals, notEquals, .*exists, notExists\./],
  },
  { name: 'isTrue on a string', input: { field: 'body', operator: 'isTrue' }, expected: [/does not apply to string field/] },
  { name: 'lessThan on a boolean', input: { field: 'matched', operator: 'lessThan', value: 1 }, expected: [/does not apply to boolean/] },
  { name: 'includes on an object', input: { field: 'headers', operator: 'includes', value: 'x' }, expected: [/does not apply to object/] },
  { name: 'json path on a number', input: { field: 'statusCode', jsonPath: '$.a', operator: 'exists' }, expected: [/a JSON path needs a json, object or array field/] },
  { name: 'broken json path', input: { field: 'json', jsonPath: '$.', operator: 'exists' }, expected: [/Invalid JSON path/] },
  { name: 'number compared to text', input: { field: 'statusCode', operator: 'equals', value: 'ok' }, expected: [/needs a number, got "ok"/] },
  { name: 'length compared to text', input: { field: 'answers', operator: 'lengthEquals', value: 'two' }, expected: [/needs a number/] },
  { name: 'missing value', input: { field: 'body', operator: 'contains' }, expected: [/needs a value/] },
  { name: 'value on exists', input: { field: 'body', operator: 'exists', value: 'x' }, expected: [/takes no value/] },
  { name: 'in without a list', input: { field: 'statusCode', operator: 'in', value: 200 }, expected: [/non-empty list/] },
  { name: 'list for a single-value operator', input: { field: 'body', operator: 'contains', value: ['a'] }, expected: [/single value/] },
  { name: 'broken regex', input: { field: 'body', operator: 'matches', value: '(' }, expected: [/Invalid regular expression/] },
];

describe('validateAssertion', () => {
  for (const row of rows) {
    it(row.name, () => {
      const errors = validateAssertion(row.input, fields);
      expect(errors).toHaveLength(row.expected.length);
      row.expected.forEach((pattern, index) => expect(errors[index]).toMatch(pattern));
    });
  }
});
