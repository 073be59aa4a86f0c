import { describe, expect, it } from 'vitest';
import { getCollector, getStrategy, listStrategies } from '../strategies/registry.ts';
import { planDefinition } from './plan.ts';

const registry = { getStrategy, listStrategies, getCollector };

describe('planDefinition', () => {
  it('plans the canonical SPEC §1.1 check: top-level and collector assertions on the default collector', () => {
    const planned = planDefinition(registry, {
      strategy: 'http',
      config: { url: 'https://a/health', method: 'GET', timeout: 10_000 },
      assertions: ['statusCode == 200', 'latencyMs < 500', 'json $.status == "UP"'],
      collectors: [{ collector: 'http.request', config: {}, assertions: ['header content-type contains json'] }],
    });
    if (!planned.ok) throw new Error(JSON.stringify(planned.errors));
    expect(planned.plan.collectors).toHaveLength(1);
    expect(planned.plan.collectors[0]?.assertions.map((assertion) => assertion.field)).toEqual(['statusCode', 'latencyMs', 'json', 'headers']);
    expect(planned.plan.config).toMatchObject({ url: 'https://a/health', version: 2, redirects: { follow: true } });
  });

  it('runs the default collector beside other listed ones', () => {
    const planned = planDefinition(registry, { strategy: 'redis', config: { host: 'h' }, collectors: [{ collector: 'redis.info' }] });
    if (!planned.ok) throw new Error(JSON.stringify(planned.errors));
    expect(planned.plan.collectors.map((step) => step.collector.id)).toEqual(['redis.ping', 'redis.info']);
  });

  const rows: { name: string; input: Parameters<typeof planDefinition>[1]; errors: { path: (string | number)[]; message: RegExp }[] }[] = [
    {
      name: 'unknown strategy stops validation',
      input: { strategy: 'gopher', config: { nonsense: true } },
      errors: [{ path: ['strategy'], message: /^Unknown health-check strategy "gopher"\. Available: http, tcp, dns, .*script, heartbeat\.$/ }],
    },
    { name: 'config errors sit under config', input: { strategy: 'http', config: { url: 'http://x', method: 'FETCH' } }, errors: [{ path: ['config', 'method'], message: /./ }] },
    {
      name: 'unknown collector, others still checked',
      input: { strategy: 'http', config: { url: 'http://x' }, assertions: ['nope == 1'], collectors: [{ collector: 'http.magic' }] },
      errors: [
        { path: ['assertions', 0], message: /^Unknown field "nope"\. Valid fields: .*statusCode/ },
        { path: ['collectors', 0, 'collector'], message: /^Unknown collector "http\.magic"\. Available: http\.request\.$/ },
      ],
    },
    {
      name: 'collector config errors and assertion operator errors',
      input: { strategy: 'redis', config: { host: 'h' }, collectors: [{ collector: 'redis.info', config: { section: 5 }, assertions: ['role is true'] }] },
      errors: [
        { path: ['collectors', 0, 'config', 'section'], message: /./ },
        { path: ['collectors', 0, 'assertions', 0], message: /^Operator "isTrue" does not apply to string field "role"/ },
      ],
    },
    { name: 'unparseable assertion', input: { strategy: 'tcp', config: { host: 'h', port: 1 }, assertions: ['banner ~ x'] }, errors: [{ path: ['assertions', 0], message: /unknown operator/ }] },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const planned = planDefinition(registry, row.input);
      expect(planned.ok).toBe(false);
      if (planned.ok) return;
      expect(planned.errors).toHaveLength(row.errors.length);
      row.errors.forEach((expected, index) => {
        expect(planned.errors[index]?.path).toEqual(expected.path);
        expect(planned.errors[index]?.message).toMatch(expected.message);
      });
    });
  }
});

describe('planDefinition: templates and secret references (SPEC §7.3)', () => {
  const secretExists = (name: string) => ['payments-token'].includes(name.toLowerCase());
  const rows: { name: string; input: Parameters<typeof planDefinition>[1]; errors: { path: (string | number)[]; message: RegExp }[] }[] = [
    {
      name: 'an unknown variable',
      input: { strategy: 'http', config: { url: '{{ environment.baseUrl }}/{{ check.owner }}' } },
      errors: [{ path: ['config', 'url'], message: /^Unknown template variable "check\.owner"\. Available: environment\.<field>, check\.id/ }],
    },
    {
      name: 'a template in a field that is not templatable',
      input: { strategy: 'http', config: { url: 'http://h/', tls: { ca: '{{ environment.ca }}' } } },
      errors: [{ path: ['config', 'tls', 'ca'], message: /^Templates \(\{\{ … \}\}\) are not supported in this field; this config renders them only in: url, headers\.\*, body$/ }],
    },
    {
      name: 'a templated port: one clear error instead of a type error',
      input: { strategy: 'tcp', config: { host: '{{ environment.host }}', port: '{{ environment.port }}' } },
      errors: [{ path: ['config', 'port'], message: /^Templates .* are not supported in this field/ }],
    },
    {
      name: 'a secret that does not exist',
      input: { strategy: 'http', config: { url: 'http://h/', headers: { authorization: '{{ secrets.nope }}' } } },
      errors: [{ path: ['config', 'headers', 'authorization'], message: /^Secret "nope" does not exist/ }],
    },
    {
      name: 'a secretEnv naming a secret that does not exist',
      input: { strategy: 'script', config: { command: 'true', secretEnv: { TOKEN: 'nope' } } },
      errors: [{ path: ['config', 'secretEnv', 'TOKEN'], message: /^Secret "nope" does not exist/ }],
    },
    {
      name: "a collector's secretEnv naming a secret that does not exist",
      input: { strategy: 'script', config: { command: 'true' }, collectors: [{ collector: 'script.run', config: { secretEnv: { T: 'nope' } } }] },
      errors: [{ path: ['collectors', 0, 'config', 'secretEnv', 'T'], message: /^Secret "nope" does not exist/ }],
    },
    {
      name: 'secretEnv on a strategy without it',
      input: { strategy: 'http', config: { url: 'http://h/', secretEnv: { T: 'payments-token' } } },
      errors: [{ path: ['config', 'secretEnv'], message: /^Unknown field "secretEnv"$/ }],
    },
    {
      name: 'an unterminated template',
      input: { strategy: 'http', config: { url: '{{ environment.baseUrl }/health' } },
      errors: [{ path: ['config', 'url'], message: /^Unterminated template/ }],
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const planned = planDefinition(registry, row.input, { secretExists });
      expect(planned.ok).toBe(false);
      if (planned.ok) return;
      expect(planned.errors.map((e) => e.path)).toEqual(row.errors.map((e) => e.path));
      row.errors.forEach((expected, index) => expect(planned.errors[index]?.message).toMatch(expected.message));
    });
  }

  it('accepts known variables and existing secrets in any case, and lists what a run must resolve', () => {
    const planned = planDefinition(
      registry,
      { strategy: 'script', config: { command: 'sh', args: ['-c', 'echo {{ system.name }} {{ secrets.Payments-Token }}'], secretEnv: { API_TOKEN: 'payments-token' } } },
      { secretExists },
    );
    if (!planned.ok) throw new Error(JSON.stringify(planned.errors));
    expect(planned.plan.secretNames).toEqual(['payments-token']);
  });
});
