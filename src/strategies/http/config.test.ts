import { describe, expect, it } from 'vitest';
import { migrateConfig } from '../versioned.ts';
import { INVALID_URL, httpConfig } from './config.ts';

const defaults = {
  method: 'GET',
  headers: {},
  timeout: 30_000,
  redirects: { follow: true, max: 5 },
  expectedStatusCodes: [],
  tls: { verify: true },
  maxBodyBytes: 65_536,
  version: 2,
};

describe('http config versions', () => {
  const rows: { name: string; input: unknown; expected: unknown }[] = [
    {
      name: 'the canonical flat shape of SPEC §1.1 is v1 and still valid',
      input: { url: 'http://a/health', method: 'GET', timeout: 10_000 },
      expected: { ...defaults, url: 'http://a/health', timeout: 10_000 },
    },
    {
      name: 'v1 redirect, insecure and expectedStatus fields move into their v2 homes',
      input: { url: 'https://a', followRedirects: false, maxRedirects: 2, insecure: true, expectedStatus: 204 },
      expected: { ...defaults, url: 'https://a', redirects: { follow: false, max: 2 }, tls: { verify: false }, expectedStatusCodes: [204] },
    },
    {
      name: 'a v1 list of expected statuses stays a list',
      input: { version: 1, url: 'https://a', expectedStatus: [200, 204] },
      expected: { ...defaults, url: 'https://a', expectedStatusCodes: [200, 204] },
    },
    {
      name: 'a v2 config passes unchanged',
      input: { version: 2, url: 'https://a', redirects: { follow: false, max: 0 }, tls: { verify: false } },
      expected: { ...defaults, url: 'https://a', redirects: { follow: false, max: 0 }, tls: { verify: false } },
    },
  ];
  for (const row of rows) {
    it(row.name, () => expect(migrateConfig(httpConfig, row.input)).toEqual({ ok: true, config: row.expected }));
  }

  it('migration is idempotent on its own output', () => {
    const v1 = { url: 'https://a', followRedirects: false, insecure: true, expectedStatus: 200 };
    const migration = httpConfig.migrations[0];
    if (!migration) throw new Error('http must declare its v1→v2 migration');
    const once = migration.migrate(v1);
    expect(migration.migrate(once)).toEqual(once);
  });

  it('a v2 key under a v1 label is still rejected strictly', () => {
    const result = migrateConfig(httpConfig, { url: 'https://a', followRedirect: true });
    expect(result).toMatchObject({ ok: false, errors: [{ path: ['followRedirect'], message: 'Unknown field "followRedirect"' }] });
  });

  const urls: { url: string; valid: boolean }[] = [
    { url: 'https://example.com/health', valid: true },
    { url: 'http://127.0.0.1:8080', valid: true },
    { url: '{{ environment.baseUrl }}/health', valid: true },
    { url: 'https://{{ environment.host }}/health', valid: true },
    { url: 'example.com/health', valid: false },
    { url: 'not a url', valid: false },
    { url: 'ftp://example.com/file', valid: false },
    { url: '', valid: false },
  ];
  for (const { url, valid } of urls) {
    it(`${valid ? 'takes' : 'refuses'} the url ${JSON.stringify(url)}`, () => {
      const result = migrateConfig(httpConfig, { url });
      expect(result).toMatchObject(valid ? { ok: true } : { ok: false, errors: [{ path: ['url'], message: INVALID_URL }] });
    });
  }

  it('wrong types name the migrated path', () => {
    const result = migrateConfig(httpConfig, { url: 'https://a', insecure: 'yes' });
    expect(result).toMatchObject({ ok: false, errors: [{ path: ['tls', 'verify'] }] });
  });
});
