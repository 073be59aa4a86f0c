import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { planDefinition, type Definition } from '../definitions/plan.ts';
import type { EventBus } from '../events/bus.ts';
import type { TestRunAnswer } from '../events/topics.ts';
import type { Logger } from '../kernel/log.ts';
import type { CheckQueue, TestRunJob } from '../queue/types.ts';
import type { SecretCipher } from '../secrets/cipher.ts';
import type { StrategyRegistry } from '../strategies/registry.ts';
import type { RunContext } from '../strategies/types.ts';
import { awaitReply } from './await-reply.ts';
import { boundSize } from './bound-size.ts';
import { runPlanned, unplannable, type SecretResolver } from './run-planned.ts';
import { runShellScript, type ShellAnswer } from './shell-test-run.ts';

/**
 * Test runs (SPEC §7.3): a draft check, or a shell script, run once through the pipeline of a
 * scheduled run and handed back to the person waiting, recorded nowhere (no run, no bucket, no
 * health, no event but the answer). Like run-now they go through the queue, so only workers
 * reach targets and run scripts; the answer comes back over the event bus, secrets masked by the
 * worker and its size bounded.
 */

/** What the API process has checked and resolved: a definition that validates, and the run context. */
export type TestRunRequest =
  | { kind: 'definition'; definition: Definition; run: RunContext }
  | {
      kind: 'shell';
      script: string;
      env: Record<string, string>;
      /** Variable → secret name, resolved on the worker. */
      secretEnv: Record<string, string>;
      /** Secret name → a value to use instead of the stored one (or where none is stored yet). */
      secretOverrides: Record<string, string>;
      workingDirectory?: string;
      run: RunContext;
      timeoutMs: number;
    };

/** The largest answer a worker sends back (one Redis message); the longest texts are cut to fit. */
export const TEST_RUN_ANSWER_MAX_BYTES = 256 * 1024;

const Run = z.object({
  check: z.object({ id: z.string(), name: z.string(), intervalSeconds: z.number() }),
  system: z.object({ id: z.string(), name: z.string() }),
  environment: z.object({ id: z.string(), name: z.string(), fields: z.record(z.string(), z.unknown()) }).optional(),
});
const Sealed = z.object({ ciphertext: z.string(), iv: z.string(), authTag: z.string(), keyId: z.string() });
/** A job's spec as it crosses the queue (Redis): read again on the worker, inline secret values sealed. */
const Spec = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('definition'),
    definition: z.object({
      strategy: z.string(),
      config: z.unknown().optional(),
      assertions: z.array(z.unknown()).optional(),
      collectors: z.array(z.object({ collector: z.string(), config: z.unknown().optional(), assertions: z.array(z.unknown()).optional() })).optional(),
    }),
    run: Run,
  }),
  z.object({
    kind: z.literal('shell'),
    script: z.string(),
    env: z.record(z.string(), z.string()),
    secretEnv: z.record(z.string(), z.string()),
    sealedOverrides: Sealed.optional(),
    workingDirectory: z.string().optional(),
    run: Run,
    timeoutMs: z.number(),
  }),
]);
type Spec = z.infer<typeof Spec>;

/** Inline secret values are sealed for the trip through the queue, bound to the one request. */
const overridesBinding = (requestId: string) => `test-run:${requestId}`;

/** The API process's side: queue a test run and wait, bounded, for its answer. */
export class TestRuns {
  constructor(
    private readonly queue: Pick<CheckQueue, 'enqueue'>,
    private readonly bus: EventBus,
    private readonly cipher: SecretCipher,
  ) {}

  /** The worker's answer, or undefined when none came within `waitMs` (the job is then skipped, not run late). */
  run(request: TestRunRequest, waitMs: number): Promise<TestRunAnswer | undefined> {
    const requestId = randomUUID();
    return awaitReply(
      this.bus,
      (event) => (event.topic === 'test-run.completed' && event.payload.requestId === requestId ? event.payload.answer : undefined),
      waitMs,
      () => this.queue.enqueue({ requestId, notAfter: Date.now() + waitMs, spec: this.specOf(request, requestId) }),
    );
  }

  private specOf(request: TestRunRequest, requestId: string): Spec {
    if (request.kind === 'definition') return request;
    const { secretOverrides, ...shell } = request;
    if (Object.keys(secretOverrides).length === 0) return shell;
    return { ...shell, sealedOverrides: this.cipher.seal(JSON.stringify(secretOverrides), overridesBinding(requestId)) };
  }
}

/** The worker's side: run a test-run job and publish its answer. */
export class TestRunner {
  constructor(
    private readonly deps: {
      strategies: StrategyRegistry;
      secrets: SecretResolver;
      cipher: SecretCipher;
      bus: EventBus;
      log: Logger;
    },
  ) {}

  async answer(job: TestRunJob): Promise<void> {
    if (Date.now() > job.notAfter) {
      this.deps.log.info({ testRunRequestId: job.requestId }, 'Skipped a test run: whoever asked for it stopped waiting');
      return;
    }
    const spec = Spec.safeParse(job.spec);
    if (!spec.success) {
      // A worker of another version: the person waiting is told rather than left to time out.
      this.deps.log.error({ testRunRequestId: job.requestId }, 'A test run job could not be read');
      const error = 'The worker could not read this test run';
      await this.publish(
        job.requestId,
        job.spec.kind === 'definition'
          ? { kind: 'definition', status: 'unhealthy', latencyMs: null, message: error, result: { error, collectors: [] } }
          : { kind: 'shell', stdout: '', stderr: '', durationMs: 0, timedOut: false, error },
      );
      return;
    }
    const answer = spec.data.kind === 'definition' ? await this.runDefinition(spec.data) : await this.runShell(spec.data, job.requestId);
    await this.publish(job.requestId, answer);
  }

  private async runDefinition(spec: Extract<Spec, { kind: 'definition' }>): Promise<TestRunAnswer> {
    // Planned on the worker, with its own strategies (a script's confinement is a worker's setting).
    const planned = planDefinition(this.deps.strategies, spec.definition);
    const outcome = planned.ok ? await runPlanned(planned.plan, spec.run, this.deps.secrets) : unplannable(planned.errors);
    const bounded = boundSize(outcome, TEST_RUN_ANSWER_MAX_BYTES);
    if (!bounded.fits) {
      const error = `The result is too large to send back (over ${TEST_RUN_ANSWER_MAX_BYTES} bytes even with its longest texts cut)`;
      return { kind: 'definition', ...outcome, result: { error, collectors: [] }, truncated: [{ path: 'result', originalBytes: jsonBytes(outcome.result), keptBytes: 0 }] };
    }
    return { kind: 'definition', ...bounded.value, ...(bounded.truncated.length > 0 && { truncated: bounded.truncated }) };
  }

  private async runShell(spec: Extract<Spec, { kind: 'shell' }>, requestId: string): Promise<TestRunAnswer> {
    const strategy = this.deps.strategies.getStrategy('script');
    if (!strategy) return { kind: 'shell', stdout: '', stderr: '', durationMs: 0, timedOut: false, error: 'Scripts cannot run on this worker (no script strategy)' };
    const resolved = await this.resolveSecrets(spec, requestId);
    if ('error' in resolved) return { kind: 'shell', stdout: '', stderr: '', durationMs: 0, timedOut: false, error: resolved.error };
    const { env, values } = resolved;
    const answer = await runShellScript(
      strategy,
      { script: spec.script, env: spec.env, secretEnv: env, run: spec.run, timeoutMs: spec.timeoutMs, ...(spec.workingDirectory !== undefined && { workingDirectory: spec.workingDirectory }) },
      values,
    );
    return { kind: 'shell', ...this.boundShell(answer) };
  }

  /** `secretEnv` resolved: each name from the overrides first, else from the stored secrets. */
  private async resolveSecrets(spec: Extract<Spec, { kind: 'shell' }>, requestId: string): Promise<{ env: Record<string, string>; values: string[] } | { error: string }> {
    try {
      const overrides = new Map<string, string>();
      if (spec.sealedOverrides) {
        const opened = JSON.parse(this.deps.cipher.open(spec.sealedOverrides, overridesBinding(requestId))) as Record<string, string>;
        for (const [name, value] of Object.entries(opened)) overrides.set(name.toLowerCase(), value);
      }
      const stored = await this.deps.secrets.resolve(Object.values(spec.secretEnv).filter((name) => !overrides.has(name.toLowerCase())));
      const env: Record<string, string> = {};
      for (const [variable, name] of Object.entries(spec.secretEnv)) {
        const value = overrides.get(name.toLowerCase()) ?? stored.get(name.toLowerCase());
        if (value === undefined) return { error: `secret '${name}' not found` };
        env[variable] = value;
      }
      // Every override is masked, used or not: it was given as a secret.
      return { env, values: [...overrides.values(), ...stored.values()] };
    } catch (error) {
      return { error: `Secrets could not be read: ${(error as Error).message}` };
    }
  }

  private boundShell(answer: ShellAnswer): ShellAnswer & { truncated?: { path: string; originalBytes: number; keptBytes: number }[] } {
    const bounded = boundSize(answer, TEST_RUN_ANSWER_MAX_BYTES);
    if (bounded.fits) return { ...bounded.value, ...(bounded.truncated.length > 0 && { truncated: bounded.truncated }) };
    // Only the parsed JSON can be that bulky once stdout and stderr are cut; stdout still shows its start.
    const { result, ...rest } = bounded.value;
    return { ...rest, truncated: [...bounded.truncated, { path: 'result', originalBytes: jsonBytes(result), keptBytes: 0 }] };
  }

  private async publish(requestId: string, answer: TestRunAnswer): Promise<void> {
    await this.deps.bus.publish({ id: randomUUID(), topic: 'test-run.completed', payload: { requestId, answer } });
  }
}

function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}
