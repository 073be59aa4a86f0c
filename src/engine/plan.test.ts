import { describe, expect, it } from 'vitest';
import { getCollector, getStrategy, listStrategies } from '../strategies/registry.ts';
import { planCheck } from './plan.ts';

const registry = { getStrategy, listStrategies, getCollector };

describe('planCheck', () => {
  it('plans the canonical SPEC §1.1 check: top-level and collector assertions on the default collector', () => {
    const planned = planCheck(registry, {
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
    const planned = planCheck(registry, { strategy: 'redis', config: { host: 'h' }, collectors: [{ collector: 'redis.info' }] });
    if (!planned.ok) throw new Error(JSON.stringify(planned.errors));
    expect(planned.plan.collectors.map((step) => step.collector.id)).toEqual(['redis.ping', 'redis.info']);
  });

  const rows: { name: string; input: Parameters<typeof planCheck>[1]; errors: { path: (string | number)[]; message: RegExp }[] }[] = [
    {
      name: 'unknown strategy stops validation',
      input: { strategy: 'gopher', config: { nonsense: true } },
      errors: [{ path: ['strategy'], message: /^Unknown health-check strategy "gopher"\. Available: http, tcp, dns, .*script\.$/ }],
    },
    { name: 'config errors sit under config', input: { strategy: 'http', config: { url: 'x', method: 'FETCH' } }, errors: [{ path: ['config', 'method'], message: /./ }] },
    {
      name: 'unknown collector, others still checked',
      input: { strategy: 'http', config: { url: 'x' }, assertions: ['nope == 1'], collectors: [{ collector: 'http.magic' }] },
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
      const planned = planCheck(registry, row.input);
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
