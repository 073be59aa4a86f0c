import type { RunRecord } from '../health/recorder.ts';
import type { RunContext } from '../strategies/types.ts';
import { maskSecrets } from '../definitions/mask.ts';
import type { DefinitionPlan } from '../definitions/plan.ts';
import { prepareRun, renderContextOf } from '../definitions/prepare-run.ts';
import { executeRun } from './execute-run.ts';

/** Reads secret values for one run (SPEC §2.7): by lower-cased name; a missing one is simply absent. */
export interface SecretResolver {
  resolve(names: readonly string[]): Promise<Map<string, string>>;
}

/** What a run row holds of one run's outcome (the recorder adds who, where and when). */
export type RunOutcome = Pick<RunRecord, 'status' | 'latencyMs' | 'message' | 'result'>;

/**
 * One environment's run of a planned check (SPEC §2.5–§2.8): secrets resolved for this run only,
 * the configs rendered, then executed and masked. It records nothing: the scheduled executor
 * records what it returns, a test run (SPEC §7.3) hands it back to the person who asked.
 */
export async function runPlanned(plan: DefinitionPlan, run: RunContext, secretResolver: SecretResolver): Promise<RunOutcome> {
  // Resolved per run and dropped with it: a secret changed or deleted takes effect on the next run.
  let secrets = new Map<string, string>();
  if (plan.secretNames.length) {
    try {
      secrets = await secretResolver.resolve(plan.secretNames);
    } catch (error) {
      return notRun({ error: (error as Error).message });
    }
  }
  const values = [...secrets.values()];
  const prepared = prepareRun(plan, renderContextOf(run, secrets));
  // A rendered URL may hold a secret: the message and target are masked like any result.
  if (!prepared.ok) return notRun(maskSecrets(prepared, values));
  const result = await executeRun({ strategy: plan.strategy, config: prepared.config, collectors: prepared.collectors, run, secrets: values });
  const { status, latencyMs, message, ...document } = result;
  return { status, latencyMs, message, result: document };
}

/**
 * A run that could not go ahead (secrets unreadable, config not runnable as rendered): unhealthy,
 * nothing measured; its result shows the target the rendered config pointed at, when known.
 */
function notRun(failure: { error: string; target?: string }): RunOutcome {
  const { error, target } = failure;
  return { status: 'unhealthy', latencyMs: null, message: error, result: { error, collectors: [], ...(target !== undefined && { target }) } };
}

/** SPEC §2.9: a definition that cannot be planned runs nowhere; its one run says why. */
export function unplannable(errors: readonly { path: readonly (string | number)[]; message: string }[]): RunOutcome {
  const error = errors.map((e) => `${e.path.join('.')}: ${e.message}`).join('; ');
  return { status: 'unhealthy', latencyMs: null, message: `Check failed: ${error}`, result: { error } };
}
