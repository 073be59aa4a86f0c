import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../kernel/log.ts';
import { checkJobOf, createBullmqQueue, reconnectDelayMs } from './bullmq.ts';
import type { CheckJob, CheckQueue, DueTick, Schedule, TestRunJob } from './types.ts';

// Real Redis. Under CI it must be there; on a laptop without Redis these tests skip and say why.
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisDown = await unreachable(redisUrl);
if (redisDown && process.env.CI) throw new Error(`Redis at ${redisUrl} is required when CI is set: ${redisDown}`);
if (redisDown) console.warn(`Skipping the BullMQ queue tests: Redis at ${redisUrl} is unreachable (${redisDown})`);

async function unreachable(url: string): Promise<string | undefined> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: 1_000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  let cause: string | undefined;
  client.on('error', (error: Error) => (cause = error.message));
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (error) {
    return cause ?? (error instanceof Error ? error.message : String(error));
  } finally {
    client.disconnect();
  }
}

describe('reconnectDelayMs', () => {
  it.each([
    [1, 200],
    [2, 400],
    [5, 1_000],
    [60, 1_000], // a minute into an outage, still an attempt a second
  ])('attempt %i waits %i ms', (attempt, delay) => {
    expect(reconnectDelayMs(attempt)).toBe(delay);
  });
});

const opened: CheckQueue[] = [];
const prefixes: string[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((queue) => queue.close()));
  const redis = new Redis(redisUrl);
  for (const prefix of prefixes.splice(0)) {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
  }
  redis.disconnect();
});

/** `count` queue instances on one fresh prefix: each stands for a separate Vigil process. */
function processes(count: number, unrunTicks?: (ticks: DueTick[]) => Promise<string[]>) {
  const prefix = `vigil-test-${process.pid}-${randomUUID().slice(0, 8)}`;
  prefixes.push(prefix);
  const queues = Array.from({ length: count }, () => createBullmqQueue({ redisUrl, prefix, queueName: 'checks', log: silentLogger(), closeGraceMs: 2_000, ...(unrunTicks ? { unrunTicks } : {}) }));
  opened.push(...queues);
  const handled: (CheckJob & { worker: number })[] = [];
  return {
    prefix,
    queues,
    handled,
    work: (handle: (job: CheckJob) => Promise<void> = async () => {}) =>
      queues.forEach((queue, worker) =>
        queue.work(async (queued) => {
          const job = queued as CheckJob;
          handled.push({ ...job, worker });
          await handle(job);
        }, 5),
      ),
    of: (id: string) => handled.filter((job) => job.configurationId === `config-${id}`),
  };
}

async function schedulerIds(prefix: string): Promise<string[]> {
  const queue = new Queue('checks', { connection: { url: redisUrl }, prefix });
  try {
    return (await queue.getJobSchedulers()).map((scheduler) => scheduler.key).sort();
  } finally {
    await queue.close();
  }
}

function schedule(id: string, intervalMs: number, offsetMs: number): Schedule {
  return { id, configurationId: `config-${id}`, systemId: `system-${id}`, intervalMs, offsetMs };
}

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

describe.skipIf(redisDown)('BullMQ queue (real Redis)', () => {
  it('two scheduler processes syncing the same schedules produce exactly one job per tick, on the grid', async () => {
    const { queues, handled, work, of, prefix } = processes(2);
    const desired = [schedule('a', 300, 0), schedule('b', 300, 120)];
    work();
    await Promise.all(queues.map((queue) => queue.sync(desired)));
    // Both keep reconciling while ticks fire, as the scheduler role does every few seconds.
    const started = Date.now();
    while (Date.now() - started < 2_400) {
      await Promise.all(queues.map((queue) => queue.sync(desired)));
      await sleep(250);
    }

    const tickKeys = handled.map((job) => `${job.configurationId}@${job.scheduledFor}`);
    expect(new Set(tickKeys).size).toBe(tickKeys.length);
    for (const [id, offset] of [['a', 0], ['b', 120]] as const) {
      // ~8 ticks fit in 2.4 s; allow for the first tick's alignment and a slow machine.
      expect(of(id).length).toBeGreaterThanOrEqual(5);
      expect(of(id).length).toBeLessThanOrEqual(9);
      for (const job of of(id)) {
        expect(job.scheduledFor % 300).toBe(offset);
        expect(job.systemId).toBe(`system-${id}`);
      }
    }
    expect(await schedulerIds(prefix)).toEqual(['a', 'b']);
  });

  it('runs once, late, the latest unrun tick of each schedule when Redis holds none (a first start, or Redis back empty)', async () => {
    const asked: DueTick[][] = [];
    const { queues, work, of } = processes(2, async (ticks) => {
      asked.push(ticks);
      return ticks.filter((tick) => tick.scheduleId === 'owed').map((tick) => tick.scheduleId);
    });
    work();
    const syncedAt = Date.now();
    const desired = [schedule('owed', 60_000, 0), schedule('ran', 60_000, 0)];
    // Two schedulers finding Redis empty at the same moment: the owed tick is queued once.
    await Promise.all(queues.map((queue) => queue.sync(desired)));
    await waitFor(() => of('owed').length >= 1);
    await sleep(300);
    expect(of('owed')).toHaveLength(1);
    expect(of('ran')).toHaveLength(0);
    const owed = of('owed')[0]!;
    expect(owed.scheduledFor % 60_000).toBe(0);
    expect(owed.scheduledFor).toBeLessThanOrEqual(syncedAt);
    expect(owed.scheduledFor).toBeGreaterThan(syncedAt - 60_000);
    expect(asked.length).toBeGreaterThanOrEqual(1);
    // Redis holds the schedules now: a later sync asks nothing.
    const asks = asked.length;
    await queues[0]!.sync([...desired, schedule('new', 60_000, 0)]);
    expect(asked).toHaveLength(asks);
  });

  it('re-times a schedule whose offset changed (a plain upsert would keep the old phase)', async () => {
    const { queues, work, of } = processes(1);
    const queue = queues[0]!;
    work();
    await queue.sync([schedule('a', 300, 0)]);
    await waitFor(() => of('a').length >= 2);
    await queue.sync([schedule('a', 300, 150)]);
    const changedAt = of('a').length;
    await waitFor(() => of('a').length >= changedAt + 3);

    // At most one tick of the old grid may already have been promoted to run when the change landed.
    const afterChange = of('a').slice(changedAt + 1);
    for (const job of afterChange) expect(job.scheduledFor % 300).toBe(150);
  });

  it('stops a removed schedule and keeps the others', async () => {
    const { queues, work, of, prefix } = processes(1);
    const queue = queues[0]!;
    work();
    await queue.sync([schedule('a', 300, 0), schedule('b', 300, 150)]);
    await waitFor(() => of('a').length >= 1 && of('b').length >= 1);
    await queue.sync([schedule('b', 300, 150)]);
    const removedCount = of('a').length;
    const keptCount = of('b').length;
    await sleep(1_200);

    // A tick already moved to `wait` at removal time still runs; nothing after it.
    expect(of('a').length).toBeLessThanOrEqual(removedCount + 1);
    expect(of('b').length).toBeGreaterThanOrEqual(keptCount + 2);
    expect(await schedulerIds(prefix)).toEqual(['b']);
  });

  it('repairs a scheduler lost behind its back (Redis flushed, removed by hand) at the next sync', async () => {
    const { queues, prefix } = processes(1);
    const desired = [schedule('a', 300, 0), schedule('b', 300, 150)];
    await queues[0]!.sync(desired);
    const outsider = new Queue('checks', { connection: { url: redisUrl }, prefix });
    await outsider.removeJobScheduler('a');
    await outsider.close();
    expect(await schedulerIds(prefix)).toEqual(['b']);
    await queues[0]!.sync(desired);
    expect(await schedulerIds(prefix)).toEqual(['a', 'b']);
  });

  it('runs an enqueued job exactly once across two workers, with its own scheduledFor', async () => {
    const { queues, handled, work } = processes(2);
    work();
    const job: CheckJob = { configurationId: 'config-now', systemId: 'system-now', scheduledFor: Date.now() };
    await queues[0]!.enqueue(job);
    await waitFor(() => handled.length >= 1);
    await sleep(500);
    expect(handled.map(({ worker: _worker, ...rest }) => rest)).toEqual([job]);
  });

  it('hands a test run to exactly one worker as it was sent, and keeps none of it in Redis afterwards', async () => {
    const { prefix, queues, handled, work } = processes(2);
    work();
    const job: TestRunJob = { requestId: 'request-1', notAfter: Date.now() + 60_000, spec: { kind: 'shell', script: 'true', env: { A: 'b' } } };
    await queues[0]!.enqueue(job);
    await waitFor(() => handled.length >= 1);
    await sleep(500);
    expect(handled.map(({ worker: _worker, ...rest }) => rest)).toEqual([job]);
    const reader = new Queue('checks', { connection: { url: redisUrl }, prefix });
    expect(await reader.getJobCounts('wait', 'active', 'completed', 'failed')).toEqual({ wait: 0, active: 0, completed: 0, failed: 0 });
    await reader.close();
  });

  it('close waits for the running job to finish', async () => {
    let finished = false;
    const { queues, handled, work } = processes(1);
    work(async () => {
      await sleep(400);
      finished = true;
    });
    await queues[0]!.enqueue({ configurationId: 'config-slow', systemId: 'system-slow', scheduledFor: Date.now() });
    await waitFor(() => handled.length === 1);
    await queues[0]!.close();
    expect(finished).toBe(true);
  });

  it('keeps the worker going when the handler throws', async () => {
    const { queues, work, of } = processes(1);
    work(async () => {
      throw new Error('target exploded');
    });
    await queues[0]!.sync([schedule('a', 300, 0)]);
    await waitFor(() => of('a').length >= 3);
  });
});

describe('checkJobOf', () => {
  const data = { configurationId: 'c', systemId: 's' };
  const rows: { name: string; job: Parameters<typeof checkJobOf>[0]; scheduledFor: number }[] = [
    { name: 'a tick: the due time in its id', job: { id: 'repeat:a-1:1795561438250', repeatJobKey: 'a-1', data, timestamp: 1795561437300 }, scheduledFor: 1795561438250 },
    { name: 'a tick whose scheduler id contains colons', job: { id: 'repeat:x:y:1795561438250', repeatJobKey: 'x:y', data, timestamp: 1 }, scheduledFor: 1795561438250 },
    { name: 'a run-now job: its own scheduledFor', job: { id: '17', data: { ...data, scheduledFor: 42 }, timestamp: 40 }, scheduledFor: 42 },
    { name: 'an unexpected id shape: falls back to the creation time', job: { id: 'custom', repeatJobKey: 'a-1', data, timestamp: 7 }, scheduledFor: 7 },
  ];
  for (const row of rows) it(row.name, () => expect(checkJobOf(row.job)).toEqual({ ...data, scheduledFor: row.scheduledFor }));
});
