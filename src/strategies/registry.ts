import { assertMigrationChain } from './versioned.ts';
import type { FieldSpecs } from '../assertions/types.ts';
import { dnsStrategy } from './dns/index.ts';
import { grpcStrategy } from './grpc/index.ts';
import { heartbeatStrategy } from './heartbeat/index.ts';
import { httpStrategy } from './http/index.ts';
import { mysqlStrategy } from './mysql/index.ts';
import { pingStrategy } from './ping/index.ts';
import { postgresStrategy } from './postgres/index.ts';
import { redisStrategy } from './redis/index.ts';
import { DEFAULT_CONFINEMENT, type ScriptConfinement } from './script/confinement.ts';
import { createScriptStrategy } from './script/index.ts';
import { sshStrategy } from './ssh/index.ts';
import { tcpStrategy } from './tcp/index.ts';
import { tlsStrategy } from './tls/index.ts';
import type { AnyCollector, AnyStrategy } from './types.ts';

/**
 * All strategies, checked once at boot: a broken migration chain, a field
 * both secret and templatable, or a duplicate id stops the process with the
 * owner's name rather than failing runs later.
 */

export interface StrategyRegistry {
  getStrategy(id: string): AnyStrategy | undefined;
  listStrategies(): AnyStrategy[];
  getCollector(id: string): { strategy: AnyStrategy; collector: AnyCollector } | undefined;
}

export function buildStrategyRegistry(definitions: AnyStrategy[]): StrategyRegistry {
  const strategies = new Map<string, AnyStrategy>();
  const collectors = new Map<string, { strategy: AnyStrategy; collector: AnyCollector }>();

  for (const strategy of definitions) {
    if (strategies.has(strategy.id)) throw new Error(`Strategy "${strategy.id}" is registered twice`);
    assertMigrationChain(`strategy "${strategy.id}"`, strategy.config);
    if (!strategy.passive) assertDeclaresTimeout(strategy);
    assertNoSecretTemplating(`strategy "${strategy.id}"`, strategy.secret, strategy.templatable);
    for (const collector of strategy.collectors) {
      if (collectors.has(collector.id)) throw new Error(`Collector "${collector.id}" is registered twice`);
      assertMigrationChain(`collector "${collector.id}"`, collector.config);
      collectors.set(collector.id, { strategy, collector });
    }
    if (!strategy.collectors.some((collector) => collector.id === strategy.defaultCollector)) {
      throw new Error(`strategy "${strategy.id}": default collector "${strategy.defaultCollector}" is not one of its collectors`);
    }
    strategies.set(strategy.id, strategy);
  }

  return {
    getStrategy: (id) => strategies.get(id),
    listStrategies: () => [...strategies.values()],
    getCollector: (id) => collectors.get(id),
  };
}

/** The engine bounds every run by the config's `timeout` (SPEC §2.8): a strategy it runs must declare it. */
function assertDeclaresTimeout(strategy: AnyStrategy): void {
  const shape = (strategy.config.schema as { shape?: Record<string, unknown> }).shape;
  if (!shape || !('timeout' in shape)) {
    throw new Error(`strategy "${strategy.id}": its config must declare "timeout" (use timeoutField), which bounds every run`);
  }
}

/** Rendering a secret through a template would print it into URLs and logs. */
export function assertNoSecretTemplating(ownerId: string, secret: string[], templatable: string[]): void {
  for (const secretPath of secret) {
    const clash = templatable.find((templatePath) => pathsOverlap(secretPath, templatePath));
    if (clash !== undefined) {
      throw new Error(`${ownerId}: config path "${secretPath}" is marked both secret and templatable ("${clash}")`);
    }
  }
}

/** Two dot paths overlap when one can address what the other does (`*` = any one key). */
export function pathsOverlap(a: string, b: string): boolean {
  const left = a.split('.');
  const right = b.split('.');
  const shared = Math.min(left.length, right.length);
  for (let i = 0; i < shared; i++) {
    if (left[i] !== right[i] && left[i] !== '*' && right[i] !== '*') return false;
  }
  return true;
}

/** The fields assertions may name: the collector's own, plus the latency every run measures. */
export function collectorFields(collector: AnyCollector): FieldSpecs {
  return {
    latencyMs: { type: 'number', description: 'How long the collector took, in milliseconds' },
    ...collector.fields,
  };
}

/** What this Vigil's settings say about the strategies that take any (app.ts passes them). */
export interface StrategyOptions {
  script: ScriptConfinement;
}

export function createStrategies(options: StrategyOptions): AnyStrategy[] {
  return [
    httpStrategy,
    tcpStrategy,
    dnsStrategy,
    tlsStrategy,
    pingStrategy,
    postgresStrategy,
    mysqlStrategy,
    redisStrategy,
    grpcStrategy,
    sshStrategy,
    createScriptStrategy(options.script),
    heartbeatStrategy,
  ];
}

/** With the defaults: for `vigil check` and tests, which have no server settings. */
export const ALL_STRATEGIES: AnyStrategy[] = createStrategies({ script: DEFAULT_CONFINEMENT });

const registry = buildStrategyRegistry(ALL_STRATEGIES);

export const getStrategy = registry.getStrategy;
export const listStrategies = registry.listStrategies;
export const getCollector = registry.getCollector;
