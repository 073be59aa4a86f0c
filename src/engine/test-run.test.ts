import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpTarget, type HttpTarget } from '../../test/targets/http.ts';
import { createMemoryBus, type BusEvent } from '../events/bus.ts';
import { silentLogger } from '../kernel/log.ts';
import { createMemoryQueue } from '../queue/memory.ts';
import type { QueuedJob } from '../queue/types.ts';
import { SecretCipher } from '../secrets/cipher.ts';
import { getCollector, getStrategy, listStrategies } from '../strategies/registry.ts';
import type { RunContext } from '../strategies/types.ts';
import { jobHandler } from './run-now.ts';
import { TestRunner, TestRuns } from './test-run.ts';

const run: RunContext = { check: { id: 'test-run', name: 'test-run', intervalSeconds: 0 }, system: { id: 's', name: 'billing' } };
const noChecks = { execute: async () => [] };

let target: HttpTarget;
beforeAll(async () => {
  target = await startHttpTarget();
});
afterAll(() => target.close());

/** An API process and a worker sharing a queue and a bus; `enqueued` is what crossed the queue. */
function setup(stored: Record<string, string> = {}) {
  const bus = createMemoryBus();
  const queue = createMemoryQueue();
  const cipher = new SecretCipher(randomBytes(32));
  const secrets = { resolve: async (names: readonly string[]) => new Map(names.filter((n) => n in stored).map((n) => [n, stored[n]!])) };
  const runner = new TestRunner({ strategies: { getStrategy, listStrategies, getCollector }, secrets, cipher, bus, log: silentLogger() });
  const enqueued: QueuedJob[] = [];
  const testRuns = new TestRuns({ enqueue: async (job) => (enqueued.push(job), queue.enqueue(job)) }, bus, cipher);
  const events: BusEvent[] = [];
  bus.subscribe((event) => events.push(event));
  return { bus, queue, runner, testRuns, enqueued, events, work: () => queue.work(jobHandler(noChecks, bus, runner), 2) };
}

describe('test runs through the queue', () => {
  it('a worker runs the draft and answers over the bus, its secret masked', async () => {
    const { testRuns, queue, work, events } = setup({ token: 'hunter2-token' });
    work();
    const answer = await testRuns.run(
      { kind: 'definition', definition: { strategy: 'http', config: { url: `${target.url}/echo`, headers: { 'x-token': '{{ secrets.token }}' }, timeout: 5000 } }, run },
      5_000,
    );
    expect(answer).toMatchObject({ kind: 'definition', status: 'healthy', message: expect.stringMatching(/^Completed in \d+ms$/) });
    expect(JSON.stringify(answer)).toContain('"x-token":"****"');
    expect(JSON.stringify(events)).not.toContain('hunter2-token');
    await queue.close();
  });

  it('sends inline secret values through the queue sealed, and the worker still uses them', async () => {
    const { testRuns, queue, work, enqueued } = setup();
    work();
    const answer = await testRuns.run(
      { kind: 'shell', script: 'echo "$TOKEN"', env: {}, secretEnv: { TOKEN: 'draft-token' }, secretOverrides: { 'draft-token': 'inline-value-42' }, run, timeoutMs: 5_000 },
      5_000,
    );
    expect(answer).toMatchObject({ kind: 'shell', stdout: '****\n', exitCode: 0 });
    expect(enqueued).toHaveLength(1);
    expect(JSON.stringify(enqueued)).not.toContain('inline-value-42');
    await queue.close();
  });

  it('never runs a test run in the process that asks, and stops waiting after its bound', async () => {
    const { testRuns, queue } = setup(); // an API process: it enqueues, it never works
    expect(await testRuns.run({ kind: 'shell', script: 'true', env: {}, secretEnv: {}, secretOverrides: {}, run, timeoutMs: 1_000 }, 200)).toBeUndefined();
    expect(queue.stats().queued).toBe(1);
    await queue.close();
  });

  it('skips a job whose requester stopped waiting, answering nobody', async () => {
    const { runner, events } = setup();
    await runner.answer({ requestId: 'late', notAfter: Date.now() - 1, spec: { kind: 'shell', script: 'touch /tmp/never', env: {}, secretEnv: {}, run, timeoutMs: 1_000 } });
    expect(events).toEqual([]);
  });

  it('answers a job it cannot read rather than leaving its requester to time out', async () => {
    const { runner, events } = setup();
    await runner.answer({ requestId: 'odd', notAfter: Date.now() + 10_000, spec: { kind: 'from-a-newer-version' } });
    expect(events).toEqual([expect.objectContaining({ topic: 'test-run.completed', payload: { requestId: 'odd', answer: expect.objectContaining({ error: 'The worker could not read this test run' }) } })]);
  });
});
