import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from './support/api.ts';

/** What a caller reads for bad input: every problem at its own key path, as what was expected. */

let api: TestApi;
let systemId: string;
let configurationId: string;
beforeAll(async () => {
  api = await createTestApi();
  systemId = (await api.call('POST', '/api/v1/systems', { name: 'messages-system' })).body.id;
  configurationId = (await api.call('POST', '/api/v1/configurations', { ...check, name: 'messages-check' })).body.id;
  await api.call('POST', '/api/v1/secrets', { name: 'messages-secret', value: 'x' });
});
afterAll(() => api.close());

const check = { name: 'c', strategy: 'http', config: { url: 'https://example.test/health' }, intervalSeconds: 30 };
const http = (config: Record<string, unknown>) => ({ ...check, config: { url: 'https://example.test/health', ...config } });
const ids = (n: number) => Array.from({ length: n }, () => randomUUID());
const entries = (n: number, value: unknown = 'x') => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, value]));
const longName = 'n'.repeat(101);

const rows: { name: string; method?: string; path: string | (() => string); body?: unknown | (() => unknown); expected: { path: string; message: string } }[] = [
  { name: 'a wrong type names what was sent', path: '/systems', body: { name: 42 }, expected: { path: 'name', message: 'expected a string, got 42' } },
  { name: 'a missing field says it is required', path: '/systems', body: {}, expected: { path: 'name', message: 'required (expected a string)' } },
  { name: 'an unknown field is reported at its own path', path: '/systems', body: { name: 's', colour: 'red' }, expected: { path: 'colour', message: 'Unknown field "colour"' } },
  { name: 'a boolean as text', path: '/systems', body: { name: 's', public: 'yes' }, expected: { path: 'public', message: 'expected true or false, got a string' } },
  { name: 'a tag value that is not text', path: '/systems', body: { name: 's', tags: { team: 5 } }, expected: { path: 'tags.team', message: 'expected a string, got 5' } },
  { name: 'a list sent as text', path: '/systems', body: { name: 's', groupIds: 'abc' }, expected: { path: 'groupIds', message: 'expected a list, got a string' } },
  { name: 'a malformed id in a list', path: '/systems', body: { name: 's', groupIds: ['abc'] }, expected: { path: 'groupIds.0', message: 'expected a UUID' } },
  {
    name: 'a bad environment field name',
    path: '/environments',
    body: { name: 'e', fields: { '1bad': 'x' } },
    expected: { path: 'fields.1bad', message: 'invalid name: expected field names of letters, digits and _, not starting with a digit' },
  },
  { name: 'an option outside the list', path: '/configurations', body: http({ method: 'FETCH' }), expected: { path: 'config.method', message: 'expected one of "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"' } },
  { name: 'an unknown key of a nested strategy config', path: '/configurations', body: http({ redirects: { hops: 3 } }), expected: { path: 'config.redirects.hops', message: 'Unknown field "hops"' } },
  { name: 'an unknown key of a strategy config', path: '/configurations', body: http({ colour: 'red' }), expected: { path: 'config.colour', message: 'Unknown field "colour"' } },
  { name: 'a number below its minimum', path: '/configurations', body: http({ timeout: 50 }), expected: { path: 'config.timeout', message: 'expected at least 100' } },
  { name: 'a fraction where a whole number goes', path: '/configurations', body: http({ redirects: { max: 1.5 } }), expected: { path: 'config.redirects.max', message: 'expected a whole number, got 1.5' } },
  { name: 'an assertion that is neither text nor an object', path: '/configurations', body: { ...check, assertions: [42] }, expected: { path: 'assertions.0', message: 'expected a string or an object' } },
  {
    name: 'an assertion object that misses a key',
    path: '/configurations',
    body: { ...check, assertions: [{ field: 'statusCode' }] },
    expected: { path: 'assertions.0.operator', message: 'required (expected a string)' },
  },
  {
    name: 'an unknown threshold mode',
    path: '/assignments',
    body: () => ({ systemId, configurationId, stateThresholds: { mode: 'sometimes' } }),
    expected: { path: 'stateThresholds.mode', message: 'expected one of "consecutive", "window"' },
  },
  { name: 'a malformed id', path: '/assignments', body: () => ({ systemId: 'abc', configurationId }), expected: { path: 'systemId', message: 'expected a UUID' } },
  { name: 'a query number that is not one', method: 'GET', path: '/systems?limit=abc', expected: { path: 'limit', message: 'expected a number' } },
  {
    name: 'an http url that is neither a URL nor a template',
    path: '/configurations',
    body: http({ url: 'example.com/health' }),
    expected: { path: 'config.url', message: 'Invalid URL: expected an absolute http:// or https:// URL such as https://example.com/health, or a template such as {{ environment.baseUrl }}/health' },
  },
  // Size caps name their limit.
  { name: 'too many tags', path: '/systems', body: { name: 's', tags: entries(51) }, expected: { path: 'tags', message: 'expected at most 50 tags' } },
  { name: 'a tag name too long', path: '/systems', body: { name: 's', tags: { [longName]: 'x' } }, expected: { path: `tags.${longName}`, message: 'invalid name: expected tag names of at most 100 characters' } },
  { name: 'a tag value too long', path: '/systems', body: { name: 's', tags: { team: 'v'.repeat(501) } }, expected: { path: 'tags.team', message: 'expected tag values of at most 500 characters' } },
  { name: 'too many groups', path: '/systems', body: { name: 's', groupIds: ids(501) }, expected: { path: 'groupIds', message: 'expected at most 500 ids' } },
  { name: 'too many group members', path: '/groups', body: { name: 'g', systemIds: ids(501) }, expected: { path: 'systemIds', message: 'expected at most 500 ids' } },
  { name: 'too many environments of a system', method: 'PUT', path: () => `/systems/${systemId}/environments`, body: { environmentIds: ids(501) }, expected: { path: 'environmentIds', message: 'expected at most 500 ids' } },
  { name: 'too many environments of an assignment', path: '/assignments', body: () => ({ systemId, configurationId, environmentIds: ids(501) }), expected: { path: 'environmentIds', message: 'expected at most 500 ids' } },
  { name: 'too many satellites', path: '/assignments', body: () => ({ systemId, configurationId, satelliteIds: ids(501) }), expected: { path: 'satelliteIds', message: 'expected at most 500 ids' } },
  { name: 'too many assertions', path: '/configurations', body: { ...check, assertions: Array(101).fill('statusCode == 200') }, expected: { path: 'assertions', message: 'expected at most 100 assertions' } },
  { name: 'too many collectors', path: '/configurations', body: { ...check, collectors: Array(51).fill({ collector: 'http.request' }) }, expected: { path: 'collectors', message: 'expected at most 50 collectors' } },
  {
    name: "too many of a collector's assertions",
    path: '/configurations',
    body: { ...check, collectors: [{ collector: 'http.request', assertions: Array(101).fill('statusCode == 200') }] },
    expected: { path: 'collectors.0.assertions', message: 'expected at most 100 assertions' },
  },
  { name: 'too many environment fields', path: '/environments', body: { name: 'e', fields: entries(101) }, expected: { path: 'fields', message: 'expected at most 100 fields' } },
  { name: 'too many http headers', path: '/configurations', body: http({ headers: entries(101) }), expected: { path: 'config.headers', message: 'expected at most 100 headers' } },
  {
    name: 'a field of the alternative its kind names',
    path: '/configurations/test-run',
    body: { kind: 'shell', script: 'true', timeoutMs: 50 },
    expected: { path: 'timeoutMs', message: 'expected at least 100' },
  },
  {
    name: 'a field of the one alternative whose kind may be left out',
    path: '/configurations/test-run',
    body: { definition: { strategy: 5 } },
    expected: { path: 'definition.strategy', message: 'expected a string, got 5' },
  },
  { name: 'a secret value of the wrong type, never quoted', method: 'PUT', path: '/secrets/messages-secret', body: { value: 5 }, expected: { path: 'value', message: 'expected the secret value as a string' } },
];

describe('validation messages', () => {
  for (const row of rows) {
    it(row.name, async () => {
      const body = typeof row.body === 'function' ? (row.body as () => unknown)() : row.body;
      const path = typeof row.path === 'function' ? row.path() : row.path;
      const response = await api.call(row.method ?? 'POST', `/api/v1${path}`, body);
      expect(response.status).toBe(400);
      expect(response.body.error.details).toEqual([row.expected]);
      expect(response.body.error.message).toBe(`Invalid input: ${row.expected.path}: ${row.expected.message}`);
    });
  }
});

describe('generated wording', () => {
  it('puts "an" before a vowel sound, in conflicts and in the OpenAPI summaries', async () => {
    await api.call('POST', '/api/v1/environments', { name: 'article-env' });
    const duplicate = await api.call('POST', '/api/v1/environments', { name: 'Article-Env' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.message).toBe('Conflict: an environment with this name already exists (names are unique, ignoring case)');
    const { paths } = (await api.call('GET', '/api/openapi.json')).body;
    expect(paths['/api/v1/environments'].post.summary).toBe('Create an environment');
    expect(paths['/api/v1/assignments/{id}'].get.summary).toBe('Get an assignment');
    expect(paths['/api/v1/systems/{id}'].delete.summary).toBe('Delete a system');
  });
});
