import { validateConfig, type VersionedSchema } from '../strategies/versioned.ts';
import type { RunContext } from '../strategies/types.ts';
import { secretEnvOf } from './config-check.ts';
import type { DefinitionPlan, PlannedCollector } from './plan.ts';
import { renderConfig, type RenderContext } from './templating.ts';

/**
 * Turns a planned check into what one environment's run executes (SPEC §2.5): the strategy
 * config rendered and checked as rendered; per collector its `secretEnv` resolved and its config
 * rendered and checked. Pure: the secrets are resolved by the caller, once per run, and never kept.
 */

export type PreparedRun =
  | { ok: true; config: unknown; collectors: PlannedCollector[] }
  /**
   * The run cannot go ahead: `error` is its message; `target` what the rendered config points at,
   * when rendering got that far. Either may still hold a secret: mask them.
   */
  | { ok: false; error: string; target?: string };

export function renderContextOf(run: RunContext, secrets: ReadonlyMap<string, string>): RenderContext {
  return { environment: run.environment?.fields ?? {}, check: run.check, system: run.system, secrets };
}

export function prepareRun(plan: DefinitionPlan, context: RenderContext): PreparedRun {
  const rendered = renderConfig(plan.config, plan.strategy.templatable, context);
  if (!rendered.ok) return rendered;
  // The strategy's own reason first: SPEC §2.5 words an unparsable http URL itself.
  const problem = plan.strategy.renderedConfigProblem?.(rendered.value) ?? renderedValueProblem(plan.strategy.config, rendered.value);
  if (problem !== undefined) return { ok: false, error: problem, target: plan.strategy.target.fromConfig(rendered.value) };

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
    const invalid = renderedValueProblem(planned.collector.config, config.value);
    if (invalid !== undefined) return { ...planned, failure: invalid };
    return { ...planned, config: config.value, env: { ...planned.env, ...env } };
  });
  return { ok: true, config: rendered.value, collectors };
}

/**
 * Why a rendered config no longer fits its own schema, naming the field: a template that renders
 * empty (an environment without that field) must fail the run, not reach a default such as
 * localhost for an empty host.
 */
function renderedValueProblem(versioned: VersionedSchema<unknown>, config: unknown): string | undefined {
  // A planned config carries its schema version beside the fields the schema knows.
  const { version: _version, ...body } = config as Record<string, unknown>;
  const checked = validateConfig(versioned, body);
  if (checked.ok) return undefined;
  const issue = checked.errors[0]!;
  const field = issue.path.join('.');
  const value = valueAt(body, issue.path);
  if (value === '') return `Rendered ${field} is empty`;
  return `Rendered ${field} is invalid: ${typeof value === 'string' ? value : JSON.stringify(value)} (${issue.message})`;
}

function valueAt(node: unknown, path: readonly (string | number)[]): unknown {
  let value = node;
  for (const key of path) value = value !== null && typeof value === 'object' ? (value as Record<string | number, unknown>)[key] : undefined;
  return value;
}
