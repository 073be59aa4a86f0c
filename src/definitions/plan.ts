import { parseAssertion } from '../assertions/parse.ts';
import { validateAssertion } from '../assertions/validate.ts';
import type { Assertion } from '../assertions/types.ts';
import type { ConfigIssue } from '../strategies/versioned.ts';
import { collectorFields } from '../strategies/registry.ts';
import type { StrategyRegistry } from '../strategies/registry.ts';
import type { AnyCollector, AnyStrategy } from '../strategies/types.ts';
import { checkConfig, type ConfigCheckOptions } from './config-check.ts';

/**
 * Turns a check definition as people write it (SPEC §1.1: strategy id, raw
 * config, string or object assertions, optional collectors) into what
 * `executeRun` executes, or into the validation errors of SPEC §7.3 with their
 * paths.
 */

export interface PlannedCollector {
  collector: AnyCollector;
  /** Already migrated and validated. */
  config: unknown;
  assertions: Assertion[];
  /** Resolved environment for this collector (its secretEnv, …). */
  env?: Record<string, string>;
  /** Set when the collector cannot run this time (e.g. a secret it needs is missing): its error, without executing. */
  failure?: string;
}

export interface Definition {
  strategy: string;
  config?: unknown;
  assertions?: unknown[];
  collectors?: { collector: string; config?: unknown; assertions?: unknown[] }[];
}

export interface DefinitionPlan {
  strategy: AnyStrategy;
  config: unknown;
  collectors: PlannedCollector[];
  /** Every secret the templates and `secretEnv`s name, lower-cased: what a run must resolve. */
  secretNames: string[];
}

export type PlanResult = { ok: true; plan: DefinitionPlan } | { ok: false; errors: ConfigIssue[] };

/** `options.secretExists` turns on the save-time check that referenced secrets exist (SPEC §7.3). */
export function planDefinition(registry: StrategyRegistry, definition: Definition, options: ConfigCheckOptions = {}): PlanResult {
  const strategy = registry.getStrategy(definition.strategy);
  if (!strategy) {
    const available = registry.listStrategies().map((known) => known.id).join(', ');
    return {
      ok: false,
      errors: [{ path: ['strategy'], message: `Unknown health-check strategy "${definition.strategy}". Available: ${available}.` }],
    };
  }

  const errors: ConfigIssue[] = [];
  const config = checkConfig(strategy.config, strategy.templatable, definition.config, options);
  if (!config.ok) errors.push(...config.errors.map((issue) => ({ ...issue, path: ['config', ...issue.path] })));
  const secrets = new Set(config.ok ? config.secrets : []);

  const entries = definition.collectors ?? [];
  // Top-level assertions belong to the default collector, which always runs once.
  const defaultIndex = entries.findIndex((entry) => entry.collector === strategy.defaultCollector);
  const planned: PlannedCollector[] = [];
  const toPlan = defaultIndex < 0 ? [{ collector: strategy.defaultCollector, config: {}, assertions: [] }, ...entries] : entries;
  const offset = defaultIndex < 0 ? -1 : 0;

  toPlan.forEach((entry, position) => {
    const index = position + offset;
    const at = (...path: (string | number)[]) => (index < 0 ? path : ['collectors', index, ...path]);
    const known = strategy.collectors.find((collector) => collector.id === entry.collector);
    if (!known) {
      const available = strategy.collectors.map((collector) => collector.id).join(', ');
      errors.push({ path: at('collector'), message: `Unknown collector "${entry.collector}". Available: ${available}.` });
      return;
    }
    const collectorConfig = checkConfig(known.config, known.templatable, entry.config, options);
    if (collectorConfig.ok) collectorConfig.secrets.forEach((name) => secrets.add(name));
    if (!collectorConfig.ok) errors.push(...collectorConfig.errors.map((issue) => ({ ...issue, path: at('config', ...issue.path) })));

    const isDefault = entry.collector === strategy.defaultCollector && (index < 0 || index === defaultIndex);
    const sources: [unknown[], (i: number) => (string | number)[]][] = [[entry.assertions ?? [], (i) => at('assertions', i)]];
    if (isDefault) sources.unshift([definition.assertions ?? [], (i) => ['assertions', i]]);
    const assertions: Assertion[] = [];
    for (const [list, pathOf] of sources) {
      list.forEach((raw, i) => {
        const parsed = parseAssertion(raw);
        if (!parsed.ok) {
          errors.push({ path: pathOf(i), message: parsed.error });
          return;
        }
        const problems = validateAssertion(parsed.assertion, collectorFields(known));
        errors.push(...problems.map((message) => ({ path: pathOf(i), message })));
        assertions.push(parsed.assertion);
      });
    }
    if (collectorConfig.ok) planned.push({ collector: known, config: collectorConfig.config, assertions });
  });

  if (errors.length > 0 || !config.ok) return { ok: false, errors };
  return { ok: true, plan: { strategy, config: config.config, collectors: planned, secretNames: [...secrets] } };
}
