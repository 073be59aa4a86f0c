import type { RunContext } from '../strategies/types.ts';
import { secretEnvOf } from './config-check.ts';
import type { DefinitionPlan, PlannedCollector } from './plan.ts';
import { renderConfig, type RenderContext } from './templating.ts';

/**
 * Turns a planned check into what one environment's run executes (SPEC §2.5): the strategy
 * config rendered and checked as rendered; per collector its `secretEnv` resolved and its config
 * rendered. Pure: the secrets are resolved by the caller, once per run, and never kept.
 */

export type PreparedRun =
  | { ok: true; config: unknown; collectors: PlannedCollector[] }
  /** The run cannot go ahead: `error` is its message (may still hold a secret: mask it). */
  | { ok: false; error: string };

export function renderContextOf(run: RunContext, secrets: ReadonlyMap<string, string>): RenderContext {
  return { environment: run.environment?.fields ?? {}, check: run.check, system: run.system, secrets };
}

export function prepareRun(plan: DefinitionPlan, context: RenderContext): PreparedRun {
  const rendered = renderConfig(plan.config, plan.strategy.templatable, context);
  if (!rendered.ok) return rendered;
  const problem = plan.strategy.renderedConfigProblem?.(rendered.value);
  if (problem !== undefined) return { ok: false, error: problem };

  // A strategy config's secretEnv belongs to its default collector; the collector's own wins.
  const strategySecretEnv = secretEnvOf(plan.config);
  const collectors = plan.collectors.map((planned): PlannedCollector => {
    const secretEnv = { ...(planned.collector.id === plan.strategy.defaultCollector ? strategySecretEnv : {}), ...secretEnvOf(planned.config) };
    const env: Record<string, string> = {};
    for (const [variable, name] of Object.entries(secretEnv)) {
      const value = context.secrets.get(name.toLowerCase());
      if (value === undefined) return { ...planned, failure: `secret '${name}' not found` };
      env[variable] = value;
    }
    const config = renderConfig(planned.config, planned.collector.templatable, context);
    if (!config.ok) return { ...planned, failure: config.error };
    return { ...planned, config: config.value, env: { ...planned.env, ...env } };
  });
  return { ok: true, config: rendered.value, collectors };
}
