import { describe, expect, it } from 'vitest';
import { createMemoryBus } from '../events/bus.ts';
import { createMemoryQueue } from '../queue/memory.ts';
import type { CheckJob, TestRunJob } from '../queue/types.ts';
import { RunNow, jobHandler } from './run-now.ts';

const job = { configurationId: 'c', systemId: 's' };
const noTestRuns = { answer: async (_job: TestRunJob) => {} };

describe('run now through the queue', () => {
  it('hands the job to a worker and answers with the runs that worker recorded', async () => {
    const bus = createMemoryBus();
    const queue = createMemoryQueue();
    const executed: CheckJob[] = [];
    queue.work(jobHandler({ execute: async (j) => (executed.push(j), [{ id: 'run-1' }, { id: 'run-2' }]) }, bus, noTestRuns), 1);
    const runNow = new RunNow(queue, bus);
    expect(await runNow.run(job, 5_000)).toEqual(['run-1', 'run-2']);
    expect(executed).toHaveLength(1);
    expect(executed[0]).toMatchObject({ ...job, requestId: expect.any(String) });
    await queue.close();
  });

  it('answers each of several waiting requests with its own runs, in the order asked', async () => {
    const bus = createMemoryBus();
    const queue = createMemoryQueue();
    const order: string[] = [];
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    // One slot, held by the first job until both requests are waiting.
    queue.work(jobHandler({ execute: async (j) => (order.push(j.systemId), j.systemId === 'first' && (await blocked), [{ id: j.systemId }]) }, bus, noTestRuns), 1);
    const runNow = new RunNow(queue, bus);
    const first = runNow.run({ configurationId: 'c', systemId: 'first' }, 5_000);
    const second = runNow.run({ configurationId: 'c', systemId: 'second' }, 5_000);
    release();
    expect(await Promise.all([first, second])).toEqual([['first'], ['second']]);
    expect(order).toEqual(['first', 'second']);
    await queue.close();
  });

  it('gives up after its wait when no worker takes the job, without running it itself', async () => {
    const bus = createMemoryBus();
    const queue = createMemoryQueue(); // an API process: it enqueues, it never works
    const runNow = new RunNow(queue, bus);
    expect(await runNow.run(job, 200)).toBeUndefined();
    expect(queue.stats().queued).toBe(1);
    await queue.close();
  });

  it('ignores completions of other requests', async () => {
    const bus = createMemoryBus();
    const queue = createMemoryQueue();
    const runNow = new RunNow(queue, bus);
    const waiting = runNow.run(job, 300);
    await bus.publish({ id: 'x', topic: 'job.completed', payload: { requestId: 'someone-else', runIds: ['r'] } });
    expect(await waiting).toBeUndefined();
    await queue.close();
  });
});
