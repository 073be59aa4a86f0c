import { describe, expect, it } from 'vitest';
import { maskSecrets, secretValuesAt } from './mask.ts';

describe('secretValuesAt', () => {
  const config = { password: 'pw', tls: { key: 'KEY' }, headers: { a: 'x', b: 'y' }, empty: '', count: 3 };
  const rows: { name: string; paths: string[]; expected: string[] }[] = [
    { name: 'top-level path', paths: ['password'], expected: ['pw'] },
    { name: 'nested path', paths: ['tls.key'], expected: ['KEY'] },
    { name: 'wildcard', paths: ['headers.*'], expected: ['x', 'y'] },
    { name: 'missing path', paths: ['nope.deeper'], expected: [] },
    { name: 'empty and non-string values are not secrets', paths: ['empty', 'count'], expected: [] },
  ];
  for (const row of rows) it(row.name, () => expect(secretValuesAt(config, row.paths)).toEqual(row.expected));
});

describe('maskSecrets', () => {
  const rows: { name: string; input: unknown; secrets: string[]; expected: unknown }[] = [
    { name: 'in a string', input: 'token abc in text', secrets: ['abc'], expected: 'token **** in text' },
    { name: 'every occurrence', input: 'abc abc', secrets: ['abc'], expected: '**** ****' },
    { name: 'deep in objects and arrays', input: { a: ['x abc', { b: 'abc' }], n: 1 }, secrets: ['abc'], expected: { a: ['x ****', { b: '****' }], n: 1 } },
    { name: 'the longer secret first', input: 'abcdef', secrets: ['abc', 'abcdef'], expected: '****' },
    { name: 'empty secrets change nothing', input: 'abc', secrets: [''], expected: 'abc' },
    { name: 'JSON-escaped', input: '{"t":"p\\"w\\\\d"}', secrets: ['p"w\\d'], expected: '{"t":"****"}' },
    { name: 'URL-encoded', input: 'GET /?t=a%2Fb%20c%26d', secrets: ['a/b c&d'], expected: 'GET /?t=****' },
    { name: 'URL-encoded in lower case', input: 't=a%2fb', secrets: ['a/b'], expected: 't=****' },
    { name: 'form-encoded (spaces as +)', input: 't=a+b', secrets: ['a b'], expected: 't=****' },
    { name: 'base64, as in a Basic header', input: 'Basic dXNlcjpwYXNz', secrets: ['user:pass'], expected: 'Basic ****' },
    { name: 'split across lines', input: 'tok-\n123456\r\n789', secrets: ['tok-123456789'], expected: '****' },
    { name: 'regex characters in a secret are literal', input: 'a.b a+b', secrets: ['a+b'], expected: 'a.b ****' },
    { name: "URL-encoded keeping / (Python's quote)", input: 'GET /?t=p%40ss%20w/rd%26x%3D1', secrets: ['p@ss w/rd&x=1'], expected: 'GET /?t=****' },
    { name: "URL-encoded keeping & and = (encodeURI)", input: 'p@ss%20w/rd&x=1', secrets: ['p@ss w/rd&x=1'], expected: '****' },
    { name: 'form-encoded with lower-case escapes', input: 'p%40ss+w%2frd%26x%3d1', secrets: ['p@ss w/rd&x=1'], expected: '****' },
    { name: 'letters percent-encoded too', input: '%61%62%63', secrets: ['abc'], expected: '****' },
    { name: 'non-ASCII as percent-encoded UTF-8, either case', input: 'p%C3%A4ss p%c3%a4ss päss', secrets: ['päss'], expected: '**** **** ****' },
    { name: 'JSON \\u escapes (Python json.dumps, Go)', input: '{"t":"p\\u00e4ss\\u003C1\\u003e"}', secrets: ['päss<1>'], expected: '{"t":"****"}' },
    { name: 'JSON \\u escapes beyond U+FFFF (a surrogate pair)', input: '"k\\ud83d\\udd11"', secrets: ['k🔑'], expected: '"****"' },
    { name: 'JSON-escaped slash (PHP json_encode)', input: '{"t":"a\\/b"}', secrets: ['a/b'], expected: '{"t":"****"}' },
    { name: 'URL-encoded and split across lines', input: 'p%40ss%20\nw/rd', secrets: ['p@ss w/rd'], expected: '****' },
    { name: 'base64 without padding', input: 'dXNlcjpw', secrets: ['user:p'], expected: '****' },
    { name: 'an unrelated percent-escape stays', input: 'a%2Fc', secrets: ['a/b'], expected: 'a%2Fc' },
  ];
  for (const row of rows) it(row.name, () => expect(maskSecrets(row.input, row.secrets)).toEqual(row.expected));
});
