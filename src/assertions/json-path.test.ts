import { describe, expect, it } from 'vitest';
import { parseJsonPath, queryJsonPath } from './json-path.ts';

const document = { status: 'UP', 'content-type': 'json', a: { b: [10, 20, { c: 'deep' }] }, list: [{ id: 1 }, { id: 2 }], zero: 0 };

const rows: { name: string; path: string; expected: unknown }[] = [
  { name: 'root', path: '$', expected: document },
  { name: 'dot name', path: '$.status', expected: 'UP' },
  { name: 'without the leading $', path: 'status', expected: 'UP' },
  { name: 'quoted name with a dash', path: "$['content-type']", expected: 'json' },
  { name: 'double-quoted name', path: '$["content-type"]', expected: 'json' },
  { name: 'nested index', path: '$.a.b[1]', expected: 20 },
  { name: 'negative index from the end', path: '$.a.b[-1].c', expected: 'deep' },
  { name: 'wildcard collects', path: '$.list[*].id', expected: [1, 2] },
  { name: 'falsy values are found', path: '$.zero', expected: 0 },
  { name: 'missing name', path: '$.nope', expected: undefined },
  { name: 'index on an object', path: '$.a[0]', expected: undefined },
  { name: 'name on a string', path: '$.status.length', expected: undefined },
  { name: 'inherited properties are not data', path: '$.constructor', expected: undefined },
];

describe('queryJsonPath', () => {
  for (const row of rows) {
    it(row.name, () => expect(queryJsonPath(document, row.path)).toEqual(row.expected));
  }
});

describe('parseJsonPath rejects malformed paths', () => {
  for (const path of ['$.', '$[', '$[abc]', '$..a', '$!']) {
    it(path, () => expect(parseJsonPath(path).ok).toBe(false));
  }
});
