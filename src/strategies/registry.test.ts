import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ALL_STRATEGIES, buildStrategyRegistry, getStrategy, pathsOverlap } from './registry.ts';
import { defineStrategy } from './types.ts';
import type { AnyStrategy } from './types.ts';

const base = ALL_STRATEGIES.find((strategy) => strategy.id === 'tcp') as AnyStrategy;

describe('strategy registry', () => {
  it('registers every strategy of the issue, each with its default collector', () => {
    const registry = buildStrategyRegistry(ALL_STRATEGIES);
    expect(registry.listStrategies().map((strategy) => strategy.id)).toEqual([
      'http', 'tcp', 'dns', 'tls', 'ping', 'postgres', 'mysql', 'redis', 'grpc', 'ssh', 'script', 'heartbeat',
    ]);
    for (const strategy of registry.listStrategies()) {
      expect(registry.getCollector(strategy.defaultCollector)?.strategy).toBe(strategy);
    }
  });

  it('refuses a broken migration chain at boot, naming the strategy', () => {
    const broken = { ...base, id: 'broken', config: { version: 2, schema: z.strictObject({}), migrations: [] } };
    expect(() => buildStrategyRegistry([broken])).toThrow(/strategy "broken": broken config migration chain/);
  });

  it('refuses a strategy whose config has no timeout, naming it', () => {
    const unbounded = { ...base, id: 'unbounded', config: { version: 1, schema: z.strictObject({ host: z.string() }), migrations: [] } };
    expect(() => buildStrategyRegistry([unbounded])).toThrow(/strategy "unbounded": its config must declare "timeout"/);
  });

  it('refuses a path both secret and templatable', () => {
    const leaky = defineStrategy({ ...base, id: 'leaky', secret: ['headers.authorization'], templatable: ['url', 'headers.*'] });
    expect(() => buildStrategyRegistry([leaky])).toThrow(/strategy "leaky": config path "headers.authorization" is marked both secret and templatable/);
  });

  it('refuses duplicate ids', () => {
    expect(() => buildStrategyRegistry([base, base])).toThrow(/registered twice/);
  });

  const overlapRows: { a: string; b: string; expected: boolean }[] = [
    { a: 'password', b: 'password', expected: true },
    { a: 'tls.key', b: 'tls.*', expected: true },
    { a: 'tls', b: 'tls.key', expected: true },
    { a: 'tls.key', b: 'tls.ca', expected: false },
    { a: 'password', b: 'url', expected: false },
  ];
  for (const row of overlapRows) {
    it(`pathsOverlap(${row.a}, ${row.b}) = ${row.expected}`, () => expect(pathsOverlap(row.a, row.b)).toBe(row.expected));
  }
});

describe('target syntax, both ways', () => {
  // What a run that could not go ahead shows as its target: the config read back, never a password.
  const rows: { strategy: string; target: string; expected: string }[] = [
    { strategy: 'http', target: 'https://example.com/health', expected: 'https://example.com/health' },
    { strategy: 'tcp', target: 'db.internal:5432', expected: 'db.internal:5432' },
    { strategy: 'tcp', target: '[::1]:5432', expected: '[::1]:5432' },
    { strategy: 'dns', target: 'example.com', expected: 'example.com' },
    { strategy: 'tls', target: 'example.com', expected: 'example.com:443' },
    { strategy: 'ping', target: 'gateway.internal', expected: 'gateway.internal' },
    { strategy: 'postgres', target: 'postgres://user:password@db.internal:5432/app', expected: 'postgres://user@db.internal:5432/app' },
    { strategy: 'mysql', target: 'mysql://user:password@db.internal/app', expected: 'mysql://user@db.internal:3306/app' },
    { strategy: 'redis', target: 'rediss://:password@cache.internal:6379/2', expected: 'rediss://cache.internal:6379/2' },
    { strategy: 'grpc', target: 'api.internal:50051', expected: 'api.internal:50051' },
    { strategy: 'ssh', target: 'deploy@bastion.internal', expected: 'deploy@bastion.internal:22' },
    { strategy: 'script', target: 'curl -fsS localhost:8080/ready', expected: 'curl -fsS localhost:8080/ready' },
  ];
  for (const row of rows) {
    it(`${row.strategy} ${row.target}`, () => {
      const strategy = getStrategy(row.strategy)!;
      const config = strategy.config.schema.parse(strategy.target.toConfig(row.target));
      expect(strategy.target.fromConfig(config)).toBe(row.expected);
    });
  }
});
