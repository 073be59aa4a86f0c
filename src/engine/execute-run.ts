import { evaluateAssertion } from '../assertions/evaluate.ts';
import type { Assertion } from '../assertions/types.ts';
import { DEFAULT_TIMEOUT_MS } from '../strategies/common.ts';
import { CollectorError } from '../strategies/types.ts';
import type { AnyStrategy, RunContext, StrategyConfigBase } from '../strategies/types.ts';
import type { PlannedCollector } from '../definitions/plan.ts';
import { maskSecrets, secretValuesAt } from '../definitions/mask.ts';
import { decideVerdict } from './verdict.ts';
import type { Status } from '../kernel/status.ts';

/**
 * Executes one check once: connect → collectors in parallel → assertions,
 * all under the hard timeout (SPEC §2.8). The scheduler's executor and
 * `vigil check` both come through here, so a check behaves the same from the
 * shell as in production.
 */


export interface ExecuteRunInput {
  strategy: AnyStrategy;
  /** Already migrated, validated and rendered. */
  config: unknown;
  collectors: PlannedCollector[];
  run: RunContext;
  env?: Record<string, string>;
  /** Defaults to the config's `timeout`, else 30000 ms. */
  timeoutMs?: number;
  /** Resolved secret values to mask, beyond those at the strategy's secret paths. */
  secrets?: string[];
}

export interface AssertionResult {
  assertion: Assertion;
  passed: boolean;
  actual: unknown;
  message: string;
}

export interface CollectorResult {
  collector: string;
  fields: Record<string, unknown>;
  assertions: AssertionResult[];
  error?: string;
}

export interface RunResult {
  status: Status;
  latencyMs: number;
  message: string;
  collectors: CollectorResult[];
  error?: string;
}

const MIN_TIMEOUT_MS = 100;
/** A client whose close hangs must not hold the run (or the worker slot) hostage. */
const CLOSE_GRACE_MS = 2_000;

class ExecutionTimeout extends Error {}

export async function executeRun(input: ExecuteRunInput): Promise<RunResult> {
  const timeoutMs = Math.max(MIN_TIMEOUT_MS, input.timeoutMs ?? configuredTimeout(input.config));
  const secrets = [...secretValuesAt(input.config, input.strategy.secret), ...(input.secrets ?? [])];
  const startedAt = performance.now();
  const controller = new AbortController();
  const timeoutMessage = `Execution timeout after ${timeoutMs}ms`;
  const results: (CollectorResult | undefined)[] = input.collectors.map(() => undefined);

  let connectSettled = false;
  const connecting = Promise.resolve()
    .then(() => input.strategy.connect(input.config, { run: input.run, signal: controller.signal }))
    .finally(() => (connectSettled = true));
  const work = connecting.then((client) =>
    Promise.all(
      input.collectors.map(async (planned, index) => {
        results[index] = await runCollector(client, planned, input, controller.signal);
      }),
    ),
  );
  // After a timeout nobody awaits `work` any more; its late rejection is expected.
  work.catch(() => undefined);

  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort(new ExecutionTimeout(timeoutMessage));
      reject(new ExecutionTimeout(timeoutMessage));
    }, timeoutMs);
  });

  let failure: string | undefined;
  try {
    await Promise.race([work, deadline]);
  } catch (error) {
    failure = error instanceof ExecutionTimeout ? timeoutMessage : errorMessage(error);
  } finally {
    clearTimeout(timer);
  }
  const latencyMs = Math.round(performance.now() - startedAt);
  const collectors = input.collectors.map(
    (planned, index): CollectorResult =>
      results[index] ?? { collector: planned.collector.id, fields: {}, assertions: [], error: failure ?? timeoutMessage },
  );

  // The client is closed whatever happened; a connect still in flight is closed when it lands.
  const closing = connecting.then(
    (client) => input.strategy.close(client),
    () => undefined,
  );
  closing.catch(() => undefined);
  // Waiting for a connect that outlived the deadline would stretch the run past it.
  if (connectSettled) await withinGrace(closing, CLOSE_GRACE_MS);

  let result: RunResult;
  if (failure !== undefined) {
    const message = failure === timeoutMessage ? timeoutMessage : `Check failed: ${failure}`;
    result = { status: 'unhealthy', latencyMs, message, collectors, error: failure };
  } else {
    result = { ...decideVerdict(collectors, latencyMs), latencyMs, collectors };
    const firstError = collectors.find((collector) => collector.error !== undefined)?.error;
    if (firstError !== undefined) result.error = firstError;
  }
  return maskSecrets(result, secrets);
}

async function runCollector(
  client: unknown,
  planned: PlannedCollector,
  input: ExecuteRunInput,
  signal: AbortSignal,
): Promise<CollectorResult> {
  if (planned.failure !== undefined) return { collector: planned.collector.id, fields: {}, assertions: [], error: planned.failure };
  const startedAt = performance.now();
  let fields: Record<string, unknown>;
  let error: string | undefined;
  try {
    fields = await planned.collector.collect(client, planned.config, {
      run: input.run,
      signal,
      env: { ...input.env, ...planned.env },
    });
  } catch (thrown) {
    fields = thrown instanceof CollectorError ? { ...thrown.fields } : {};
    error = errorMessage(thrown);
  }
  if (fields.latencyMs === undefined) fields.latencyMs = Math.round(performance.now() - startedAt);
  const assertions = planned.assertions.map((assertion) => ({ assertion, ...evaluateAssertion(assertion, fields) }));
  const result: CollectorResult = { collector: planned.collector.id, fields, assertions };
  if (error !== undefined) result.error = error;
  return result;
}

/** Every strategy config carries its timeout (the contract's StrategyConfigBase); the default covers a config built by hand. */
function configuredTimeout(config: unknown): number {
  return (config as Partial<StrategyConfigBase> | null)?.timeout ?? DEFAULT_TIMEOUT_MS;
}

function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

/** Waits for `promise` at most `ms`, without leaving a timer behind when it settles first. */
function withinGrace(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    promise.then(
      () => {
        clearTimeout(timer);
        resolve();
      },
      () => {
        clearTimeout(timer);
        resolve();
      },
    );
  });
}
