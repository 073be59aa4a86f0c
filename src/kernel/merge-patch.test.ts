import { describe, expect, it } from 'vitest';
import { mergePatch } from './merge-patch.ts';

describe('mergePatch (RFC 7396)', () => {
  // The rows of RFC 7396, Appendix A, then the cases a check config meets.
  const rows: { name: string; target: unknown; patch: unknown; expected: unknown }[] = [
    { name: 'a key is replaced', target: { a: 'b' }, patch: { a: 'c' }, expected: { a: 'c' } },
    { name: 'a key is added', target: { a: 'b' }, patch: { b: 'c' }, expected: { a: 'b', b: 'c' } },
    { name: 'null deletes a key', target: { a: 'b' }, patch: { a: null }, expected: {} },
    { name: 'null deletes only its key', target: { a: 'b', b: 'c' }, patch: { a: null }, expected: { b: 'c' } },
    { name: 'an array replaces a string', target: { a: ['b'] }, patch: { a: 'c' }, expected: { a: 'c' } },
    { name: 'a string replaces an array', target: { a: 'c' }, patch: { a: ['b'] }, expected: { a: ['b'] } },
    { name: 'objects merge recursively', target: { a: { b: 'c' } }, patch: { a: { b: 'd', c: null } }, expected: { a: { b: 'd' } } },
    { name: 'arrays replace, never merge', target: { a: [{ b: 'c' }] }, patch: { a: [1] }, expected: { a: [1] } },
    { name: 'an array patch replaces the whole target', target: ['a', 'b'], patch: ['c', 'd'], expected: ['c', 'd'] },
    { name: 'an object patch replaces a non-object target', target: { a: 'b' }, patch: ['c'], expected: ['c'] },
    { name: 'a null patch is null', target: { a: 'foo' }, patch: null, expected: null },
    { name: 'a string patch is the string', target: { a: 'foo' }, patch: 'bar', expected: 'bar' },
    { name: 'a null already in the target stays', target: { e: null }, patch: { a: 1 }, expected: { e: null, a: 1 } },
    { name: 'a non-object target becomes an object', target: [1, 2], patch: { a: 'b', c: null }, expected: { a: 'b' } },
    { name: 'nested null deletes in a new object', target: {}, patch: { a: { bb: { ccc: null } } }, expected: { a: { bb: {} } } },
    { name: 'an empty patch changes nothing', target: { url: 'https://a', timeout: 5000 }, patch: {}, expected: { url: 'https://a', timeout: 5000 } },
    {
      name: 'a header added, another removed, the rest of the config kept',
      target: { url: 'https://a', headers: { accept: 'json', 'x-old': '1' }, version: 2 },
      patch: { headers: { 'x-old': null, 'x-new': '2' } },
      expected: { url: 'https://a', headers: { accept: 'json', 'x-new': '2' }, version: 2 },
    },
  ];
  for (const row of rows) {
    it(row.name, () => expect(mergePatch(row.target, row.patch)).toEqual(row.expected));
  }

  it('changes neither argument', () => {
    const target = { a: { b: 1 } };
    const patch = { a: { b: null, c: 2 } };
    mergePatch(target, patch);
    expect(target).toEqual({ a: { b: 1 } });
    expect(patch).toEqual({ a: { b: null, c: 2 } });
  });
});
