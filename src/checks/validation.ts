import type { Assertion } from '../assertions/index.ts';
import { planCheck } from '../engine/plan.ts';
import type { StrategyRegistry } from '../strategies/registry.ts';
import type { AssertionInput } from './model.ts';
import type { StoredCollector } from './schema.ts';
import type { ConfigIssue } from './versioned.ts';

/** What a configuration says to run, before validation: assertions may still be strings. */
export interface ConfigurationDefinition {
  strategy: string;
  config: Record<string, unknown>;
  assertions: AssertionInput[];
  collectors: { collector: string; config: Record<string, unknown>; assertions: AssertionInput[] }[];
}

/** The same definition migrated to current config versions, assertions in their object form. */
export interface NormalizedDefinition {
  strategy: string;
  config: Record<string, unknown>;
  assertions: Assertion[];
  collectors: StoredCollector[];
}

export type ValidationOutcome = { valid: true; definition: NormalizedDefinition } | { valid: false; errors: ConfigIssue[] };

export type DefinitionValidator = (definition: ConfigurationDefinition) => Promise<ValidationOutcome>;

/**
 * SPEC §7.3 on save: the engine's own planning decides what is valid (one set of rules for the
 * API, YAML and the executor), and a valid definition is stored as planned — configs migrated to
 * their current version, assertions in object form. Secret references must name existing secrets.
 */
export function createDefinitionValidator(strategies: StrategyRegistry, secretNames: () => Promise<ReadonlySet<string>>): DefinitionValidator {
  return async (definition) => {
    const known = await secretNames();
    const planned = planCheck(strategies, definition, { secretExists: (name) => known.has(name.toLowerCase()) });
    if (!planned.ok) return { valid: false, errors: planned.errors };
    const { strategy, config, collectors } = planned.plan;
    // The plan puts the default collector first when the definition does not list it, and gives it
    // the top-level assertions ahead of its own.
    const listed = collectors.length > definition.collectors.length ? collectors.slice(1) : collectors;
    const defaultCollector = collectors.find((c) => c.collector.id === strategy.defaultCollector)!;
    const topLevel = definition.assertions.length;
    return {
      valid: true,
      definition: {
        strategy: strategy.id,
        config: config as Record<string, unknown>,
        assertions: defaultCollector.assertions.slice(0, topLevel),
        collectors: listed.map((c) => ({
          collector: c.collector.id,
          config: c.config as Record<string, unknown>,
          assertions: c === defaultCollector ? c.assertions.slice(topLevel) : c.assertions,
        })),
      },
    };
  };
}
