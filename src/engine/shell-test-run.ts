import { maskSecrets } from '../definitions/mask.ts';
import { elapsedMs } from '../strategies/common.ts';
import { CollectorError, type AnyStrategy, type RunContext } from '../strategies/types.ts';
import { validateConfig } from '../strategies/versioned.ts';

/**
 * SPEC §7.3's shell test run: a script run once by the script strategy's own collector — the same
 * runner as a script check (confinement, output caps, a working directory of its own, the run
 * context as VIGIL_* variables) — reported in the shape the workbench shows, and never a failure
 * of the request: a script that fails, times out or cannot start is an answer with an `error`.
 */

export interface ShellScript {
  script: string;
  env: Record<string, string>;
  /** The resolved secretEnv: variable → value. */
  secretEnv: Record<string, string>;
  workingDirectory?: string;
  run: RunContext;
  timeoutMs: number;
}

export interface ShellAnswer {
  /** Standard output parsed as JSON, when it is JSON (the script collector's `json` field). */
  result?: unknown;
  stdout: string;
  stderr: string;
  /** Absent when the script did not exit by itself (timed out, or never started). */
  exitCode?: number;
  durationMs: number;
  timedOut: boolean;
  error?: string;
}

export const SHELL_TIMED_OUT = 'Script execution timed out';

/** `strategy` is this worker's script strategy; `secrets` every value to mask out of the answer. */
export async function runShellScript(strategy: AnyStrategy, shell: ShellScript, secrets: string[]): Promise<ShellAnswer> {
  const startedAt = performance.now();
  // The script strategy's config takes no templates here: the script runs as written.
  const config = validateConfig(strategy.config, {
    command: shell.script,
    env: shell.env,
    timeout: shell.timeoutMs,
    ...(shell.workingDirectory !== undefined && { workingDirectory: shell.workingDirectory }),
  });
  if (!config.ok) {
    const error = config.errors.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    return maskSecrets({ stdout: '', stderr: '', durationMs: 0, timedOut: false, error }, secrets);
  }
  const collector = strategy.collectors.find((known) => known.id === strategy.defaultCollector)!;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), shell.timeoutMs);
  let fields: Record<string, unknown> = {};
  let error: string | undefined;
  let client: unknown;
  try {
    client = await strategy.connect(config.config, { run: shell.run, signal: controller.signal });
    fields = await collector.collect(client, { secretEnv: {} }, { run: shell.run, signal: controller.signal, env: shell.secretEnv });
  } catch (thrown) {
    if (thrown instanceof CollectorError) fields = { ...thrown.fields };
    error = thrown instanceof Error ? thrown.message : String(thrown);
  } finally {
    clearTimeout(timer);
    if (client !== undefined) await strategy.close(client).catch(() => undefined);
  }

  const timedOut = controller.signal.aborted;
  const answer: ShellAnswer = {
    stdout: typeof fields.stdout === 'string' ? fields.stdout : '',
    stderr: typeof fields.stderr === 'string' ? fields.stderr : '',
    durationMs: typeof fields.durationMs === 'number' ? fields.durationMs : elapsedMs(startedAt),
    timedOut,
  };
  // A negative code is Node's way of saying the process never ran (or was killed).
  if (!timedOut && typeof fields.exitCode === 'number' && fields.exitCode >= 0) answer.exitCode = fields.exitCode;
  if (fields.json !== undefined) answer.result = fields.json;
  if (timedOut) answer.error = SHELL_TIMED_OUT;
  else if (error !== undefined) answer.error = error;
  return maskSecrets(answer, secrets);
}
