import { describe, expect, it } from 'vitest';
import { isTemplatable, referencedSecrets, renderConfig, variableProblem, type RenderContext } from './templating.ts';

const prod: RenderContext = {
  environment: { baseUrl: 'https://api.example.com', port: 8443, db: { host: 'db.prod' } },
  check: { id: 'c1', name: 'payments-api', intervalSeconds: 30 },
  system: { id: 's1', name: 'payments' },
  secrets: new Map([['payments-token', 'tok-123']]),
};
const envLess: RenderContext = { ...prod, environment: {} };

describe('renderConfig', () => {
  const http = ['url', 'headers.*', 'body'];
  const rows: { name: string; input: unknown; context?: RenderContext; templatable?: string[]; expected: unknown }[] = [
    { name: 'an environment field', input: { url: '{{ environment.baseUrl }}/health' }, expected: { url: 'https://api.example.com/health' } },
    { name: 'without spaces inside the braces', input: { url: '{{environment.baseUrl}}/health' }, expected: { url: 'https://api.example.com/health' } },
    { name: 'check and system facts', input: { body: '{{ check.name }}/{{ check.id }}/{{ check.intervalSeconds }}/{{ system.id }}/{{ system.name }}' }, expected: { body: 'payments-api/c1/30/s1/payments' } },
    { name: 'a number field of the environment as text', input: { url: 'https://h:{{ environment.port }}/' }, expected: { url: 'https://h:8443/' } },
    { name: 'a nested environment field', input: { url: 'postgres://{{ environment.db.host }}' }, expected: { url: 'postgres://db.prod' } },
    { name: 'a secret with a dash in its name, any case', input: { headers: { authorization: 'Bearer {{ secrets.Payments-Token }}' } }, expected: { headers: { authorization: 'Bearer tok-123' } } },
    { name: 'env-less: environment variables render empty', input: { url: '{{ environment.baseUrl }}/health' }, context: envLess, expected: { url: '/health' } },
    { name: 'an unknown field renders empty', input: { url: 'x{{ environment.nope }}y' }, expected: { url: 'xy' } },
    { name: 'non-templatable fields are left as written', input: { url: 'u', method: '{{ environment.baseUrl }}', tls: { ca: '{{ check.id }}' } }, expected: { url: 'u', method: '{{ environment.baseUrl }}', tls: { ca: '{{ check.id }}' } } },
    { name: 'header keys are not rendered, values are', input: { headers: { '{{ check.id }}': '{{ check.id }}' } }, expected: { headers: { '{{ check.id }}': 'c1' } } },
    { name: 'array items under args.*', input: { args: ['-c', 'echo {{ system.name }}'] }, templatable: ['args.*'], expected: { args: ['-c', 'echo payments'] } },
    { name: 'nothing templatable: the config as is', input: { url: '{{ check.id }}' }, templatable: [], expected: { url: '{{ check.id }}' } },
    { name: 'non-string values untouched', input: { url: 'a', timeout: 5000, redirects: { follow: true } }, expected: { url: 'a', timeout: 5000, redirects: { follow: true } } },
  ];
  for (const row of rows) {
    it(row.name, () => expect(renderConfig(row.input, row.templatable ?? http, row.context ?? prod)).toEqual({ ok: true, value: row.expected }));
  }

  it('fails on a missing secret, naming it and nothing else', () => {
    expect(renderConfig({ url: 'https://h/?t={{ secrets.gone }}&u={{ secrets.payments-token }}' }, http, prod)).toEqual({ ok: false, error: "secret 'gone' not found" });
  });
  it('leaves the input unchanged', () => {
    const input = { url: '{{ check.id }}' };
    renderConfig(input, http, prod);
    expect(input).toEqual({ url: '{{ check.id }}' });
  });
});

describe('variableProblem', () => {
  const rows: { variable: string; expected: RegExp | undefined }[] = [
    { variable: 'environment.baseUrl', expected: undefined },
    { variable: 'environment.db.host', expected: undefined },
    { variable: 'check.id', expected: undefined },
    { variable: 'check.name', expected: undefined },
    { variable: 'check.intervalSeconds', expected: undefined },
    { variable: 'system.id', expected: undefined },
    { variable: 'system.name', expected: undefined },
    { variable: 'secrets.payments-token', expected: undefined },
    { variable: 'environment', expected: /^Unknown template variable "environment"\. Available: environment\.<field>/ },
    { variable: 'check.timeout', expected: /^Unknown template variable "check\.timeout"/ },
    { variable: 'system.tags', expected: /^Unknown template variable/ },
    { variable: 'env.baseUrl', expected: /^Unknown template variable "env\.baseUrl"/ },
    { variable: '', expected: /^Unknown template variable ""/ },
    { variable: 'secrets.has space', expected: /^Invalid secret name/ },
    { variable: 'secrets.', expected: /^Invalid secret name/ },
  ];
  for (const row of rows) {
    it(`${row.variable || '(empty)'} → ${row.expected ?? 'fine'}`, () => {
      const problem = variableProblem(row.variable);
      if (row.expected === undefined) expect(problem).toBeUndefined();
      else expect(problem).toMatch(row.expected);
    });
  }
});

describe('isTemplatable', () => {
  const rows: { path: (string | number)[]; patterns: string[]; expected: boolean }[] = [
    { path: ['url'], patterns: ['url'], expected: true },
    { path: ['headers', 'x-token'], patterns: ['headers.*'], expected: true },
    { path: ['args', 2], patterns: ['args.*'], expected: true },
    { path: ['headers'], patterns: ['headers.*'], expected: false },
    { path: ['tls', 'key'], patterns: ['url', 'headers.*'], expected: false },
    { path: ['env', 'A', 'deeper'], patterns: ['env'], expected: true },
  ];
  for (const row of rows) it(`${row.path.join('.')} in [${row.patterns.join(', ')}]`, () => expect(isTemplatable(row.path, row.patterns)).toBe(row.expected));
});

describe('referencedSecrets', () => {
  it('lists secrets at templatable paths only, lower-cased, once', () => {
    const config = { url: '{{ secrets.A }}{{ secrets.a }}', headers: { x: '{{ secrets.b-c }}' }, tls: { ca: '{{ secrets.hidden }}' } };
    expect(referencedSecrets(config, ['url', 'headers.*'])).toEqual(['a', 'b-c']);
  });
});
