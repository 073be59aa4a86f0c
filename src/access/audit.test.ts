import { describe, expect, it } from 'vitest';
import { REDACTED, differences, redact } from './audit.ts';

describe('redact (audit entries never hold a credential)', () => {
  const rows: { name: string; input: unknown; expected: unknown }[] = [
    { name: 'a password field', input: { user: 'u', password: 'hunter2hunter2' }, expected: { user: 'u', password: REDACTED } },
    { name: 'nested in a config', input: { config: { url: 'http://x', auth: { username: 'u', password: 'p' } } }, expected: { config: { url: 'http://x', auth: { username: 'u', password: REDACTED } } } },
    { name: 'a bearer token and an api key', input: { token: 't', apiKey: 'k', api_key: 'k', privateKey: 'pk' }, expected: { token: REDACTED, apiKey: REDACTED, api_key: REDACTED, privateKey: REDACTED } },
    { name: 'an Authorization header in a map', input: { headers: { Authorization: 'Bearer x', Accept: 'json' } }, expected: { headers: { Authorization: REDACTED, Accept: 'json' } } },
    { name: 'an Authorization header in a list of name/value pairs', input: [{ name: 'Authorization', value: 'Bearer x' }, { name: 'Accept', value: 'json' }], expected: [{ name: 'Authorization', value: REDACTED }, { name: 'Accept', value: 'json' }] },
    { name: 'a pure secret reference is kept (it names, not reveals)', input: { password: '{{ secrets.DB_PASSWORD }}' }, expected: { password: '{{ secrets.DB_PASSWORD }}' } },
    { name: 'a reference mixed with a literal is redacted', input: { password: 'x{{ secrets.A }}' }, expected: { password: REDACTED } },
    { name: 'hashes', input: { passwordHash: '$argon2id$…', tokenHash: 'ab' }, expected: { passwordHash: REDACTED, tokenHash: REDACTED } },
    { name: 'empty and null stay as they are', input: { password: '', secret: null }, expected: { password: '', secret: null } },
    { name: 'assertion values are not credentials', input: { assertions: [{ field: 'statusCode', operator: 'equals', value: 200 }] }, expected: { assertions: [{ field: 'statusCode', operator: 'equals', value: 200 }] } },
    { name: 'scalars pass', input: 42, expected: 42 },
  ];
  it.each(rows)('$name', ({ input, expected }) => expect(redact(input)).toEqual(expected));
});

describe('differences', () => {
  const rows: { name: string; before: unknown; after: unknown; expected: unknown }[] = [
    { name: 'created', before: undefined, after: { name: 'a' }, expected: [{ path: 'name', after: 'a' }] },
    { name: 'deleted', before: { name: 'a' }, after: undefined, expected: [{ path: 'name', before: 'a' }] },
    { name: 'a nested leaf', before: { config: { url: 'a', t: 1 } }, after: { config: { url: 'b', t: 1 } }, expected: [{ path: 'config.url', before: 'a', after: 'b' }] },
    { name: 'arrays compare whole', before: { groupIds: ['a'] }, after: { groupIds: ['a', 'b'] }, expected: [{ path: 'groupIds', before: ['a'], after: ['a', 'b'] }] },
    { name: 'unchanged', before: { a: 1 }, after: { a: 1 }, expected: [] },
    { name: 'scalar at the top', before: 1, after: 2, expected: [{ path: '.', before: 1, after: 2 }] },
  ];
  it.each(rows)('$name', ({ before, after, expected }) => expect(differences(before, after)).toEqual(expected));
});
