import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './support/wait.ts';
import { createScheduler, type Scheduler } from '../src/engine/scheduler.ts';
import { loadSchedules } from '../src/engine/desired-schedules.ts';
import { silentLogger } from '../src/kernel/log.ts';
import { createMemoryQueue, type MemoryQueue } from '../src/queue/memory.ts';
import type { CheckJob } from '../src/queue/types.ts';
import { createTestApi, type TestApi } from './support/api.ts';
import { startFlipTarget, type FlipTarget } from './support/flip-target.ts';

/**
 * SPEC §2.1 with the real parts of the embedded default: the database's assignments, the
 * scheduler, the in-process queue and the executor. Schedules follow changes without a restart.
 */
let api: TestApi;
let target: FlipTarget;
let queue: MemoryQueue;
let scheduler: Scheduler;
const jobs: CheckJob[] = [];

beforeAll(async () => {
  api = await createTestApi();
  target = await startFlipTarget();
  queue = createMemoryQueue({ log: silentLogger() });
  queue.work(async (queued) => {
    const job = queued as CheckJob; // only ticks here
    jobs.push(job);
    await api.services.executor.execute(job);
  }, 10);
  // A long period: only the change announcements can make the schedules follow in time.
  scheduler = createScheduler({ loadSchedules: () => loadSchedules(api.database.pool, api.services.strategies), queue, log: silentLogger(), reconcileMs: 60_000 });
  scheduler.start();
  api.services.bus.subscribe((event) => {
    if (event.topic === 'schedules.changed') void scheduler.reconcileNow();
  });
});
afterAll(async () => {
  await scheduler.stop();
  await queue.close();
  await target.close();
  await api.close();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('schedules follow the configuration', () => {
  it('starts, re-times and stops an assignment’s runs as it is created, edited and paused', async () => {
    const system = (await api.call('POST', '/api/v1/systems', { name: 'scheduled' })).body;
    const configuration = (
      await api.call('POST', '/api/v1/configurations', { name: 'scheduled-check', strategy: 'http', config: { url: target.url, timeout: 2000 }, intervalSeconds: 1 })
    ).body;
    await api.call('POST', '/api/v1/assignments', { systemId: system.id, configurationId: configuration.id });

    await sleep(3_300);
    const ticks = jobs.filter((j) => j.systemId === system.id);
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(ticks.length).toBeLessThanOrEqual(4);
    // Ticks fall on the assignment's own phase, one interval apart.
    const gaps = ticks.slice(1).map((j, i) => j.scheduledFor - ticks[i]!.scheduledFor);
    expect(new Set(gaps)).toEqual(new Set([1000]));
    // Each tick's run is recorded a moment after the tick (its check, then the group commit's window).
    const lastTick = ticks[ticks.length - 1]!.scheduledFor;
    const recordedTicks = async () =>
      ((await api.call('GET', `/api/v1/runs?systemId=${system.id}`)).body.items as { scheduledFor: string }[]).filter((run) => Date.parse(run.scheduledFor) <= lastTick).length;
    await waitFor(async () => (await recordedTicks()) >= ticks.length, 5_000, 'a run for each tick');
    expect(await recordedTicks()).toBe(ticks.length);

    await api.call('PATCH', `/api/v1/configurations/${configuration.id}`, { paused: true });
    await sleep(300);
    const whenPaused = jobs.length;
    await sleep(2_200);
    expect(jobs.length).toBe(whenPaused);

    const beforeResume = jobs.filter((j) => j.systemId === system.id).length;
    await api.call('PATCH', `/api/v1/configurations/${configuration.id}`, { paused: false, intervalSeconds: 2 });
    await sleep(4_500);
    const after = jobs.filter((j) => j.systemId === system.id).slice(beforeResume);
    expect(after.length).toBeGreaterThanOrEqual(1);
    expect(after.length).toBeLessThanOrEqual(3);
    const afterGaps = after.slice(1).map((j, i) => j.scheduledFor - after[i]!.scheduledFor);
    for (const gap of afterGaps) expect(gap).toBe(2000);
  }, 20_000);
});
