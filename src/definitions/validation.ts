import type { Assertion } from '../assertions/index.ts';
import type { StrategyRegistry } from '../strategies/registry.ts';
import type { ConfigIssue } from '../strategies/versioned.ts';
import { planDefinition, type Definition } from './plan.ts';

/** A collector of a definition as stored: its config migrated to the current version, assertions in object form. */
export interface StoredCollector {
  collector: string;
  config: Record<string, unknown>;
  assertions: Assertion[];
}

/** A definition as stored (SPEC §1.1, §2.3): configs at their current version, assertions in object form. */
export interface NormalizedDefinition {
  strategy: string;
  config: Record<string, unknown>;
  assertions: Assertion[];
  collectors: StoredCollector[];
}

export type ValidationOutcome = { valid: true; definition: NormalizedDefinition } | { valid: false; errors: ConfigIssue[] };

export type DefinitionValidator = (definition: Definition) => Promise<ValidationOutcome>;

/**
 * SPEC §7.3 on save: the engine's own planning decides what is valid (one set of rules for the
 * API, YAML and the executor), and a valid definition is stored as planned — configs migrated to
 * their current version, assertions in object form. Secret references must name existing secrets.
 */
export function createDefinitionValidator(strategies: StrategyRegistry, secretNames: () => Promise<ReadonlySet<string>>): DefinitionValidator {
  return async (definition) => {
    const known = await secretNames();
    const planned = planDefinition(strategies, definition, { secretExists: (name) => known.has(name.toLowerCase()) });
    if (!planned.ok) return { valid: false, errors: planned.errors };
    const { strategy, config, collectors } = planned.plan;
    // The plan puts the default collector first when the definition does not list it, and gives it
    // the top-level assertions ahead of its own.
    const listed = collectors.length > (definition.collectors ?? []).length ? collectors.slice(1) : collectors;
    const defaultCollector = collectors.find((c) => c.collector.id === strategy.defaultCollector)!;
    const topLevel = (definition.assertions ?? []).length;
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
