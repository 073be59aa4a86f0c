import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryQueue, type MemoryQueue } from './memory.ts';
import type { CheckJob, DueTick, Schedule } from './types.ts';

// Real timers with short intervals; assertions are on phases and counts, never on exact latency.

let queue: MemoryQueue | undefined;
afterEach(async () => {
  await queue?.close();
  queue = undefined;
});

function schedule(id: string, intervalMs: number, offsetMs: number): Schedule {
  return { id, configurationId: `config-${id}`, systemId: `system-${id}`, intervalMs, offsetMs };
}

interface Seen {
  job: CheckJob;
  startedAt: number;
}

function recordingQueue(concurrency = 10, handle: (job: CheckJob) => Promise<void> = async () => {}, unrunTicks?: (ticks: DueTick[]) => Promise<string[]>) {
  const seen: Seen[] = [];
  queue = createMemoryQueue({ closeGraceMs: 2_000, ...(unrunTicks ? { unrunTicks } : {}) });
  queue.work(async (queued) => {
    const job = queued as CheckJob;
    seen.push({ job, startedAt: Date.now() });
    await handle(job);
  }, concurrency);
  return { queue, seen, of: (id: string) => seen.filter((entry) => entry.job.configurationId === `config-${id}`) };
}

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

describe('memory queue', () => {
  it('ticks on the epoch-aligned grid offset + k·interval, with scheduledFor = the due time and never early', async () => {
    const { queue, of } = recordingQueue();
    await queue.sync([schedule('a', 200, 50), schedule('b', 200, 150)]);
    await sleep(1_100);

    for (const [id, offset] of [['a', 50], ['b', 150]] as const) {
      const runs = of(id);
      expect(runs.length).toBeGreaterThanOrEqual(3);
      expect(runs.length).toBeLessThanOrEqual(6);
      for (const run of runs) {
        expect(run.job.scheduledFor % 200).toBe(offset);
        expect(run.startedAt).toBeGreaterThanOrEqual(run.job.scheduledFor);
        expect(run.job.systemId).toBe(`system-${id}`);
      }
      const dueTimes = runs.map((run) => run.job.scheduledFor);
      expect(new Set(dueTimes).size).toBe(dueTimes.length);
    }
  });

  it('re-times a schedule whose interval and offset changed', async () => {
    const { queue, of } = recordingQueue();
    await queue.sync([schedule('a', 300, 0)]);
    await waitFor(() => of('a').length >= 2);
    const before = of('a').length;
    await queue.sync([schedule('a', 200, 120)]);
    await waitFor(() => of('a').length >= before + 3);

    const afterChange = of('a').slice(before).map((run) => run.job.scheduledFor);
    for (const due of afterChange) expect(due % 200).toBe(120);
    for (const run of of('a').slice(0, before)) expect(run.job.scheduledFor % 300).toBe(0);
    expect(queue.stats().schedules).toBe(1);
  });

  it('stops a removed schedule and keeps the others', async () => {
    const { queue, of } = recordingQueue();
    await queue.sync([schedule('a', 200, 0), schedule('b', 200, 100)]);
    await waitFor(() => of('a').length >= 1 && of('b').length >= 1);
    await queue.sync([schedule('b', 200, 100)]);
    const removedCount = of('a').length;
    const keptCount = of('b').length;
    await sleep(700);

    expect(of('a').length).toBe(removedCount);
    expect(of('b').length).toBeGreaterThanOrEqual(keptCount + 2);
    expect(queue.stats().schedules).toBe(1);
  });

  it('runs at most `concurrency` jobs at a time and skips a tick whose previous job has not started', async () => {
    let running = 0;
    let maxRunning = 0;
    let maxQueued = 0;
    const { queue } = recordingQueue(2, async () => {
      running += 1;
      maxRunning = Math.max(maxRunning, running);
      maxQueued = Math.max(maxQueued, queue.stats().queued);
      await sleep(450);
      running -= 1;
    });
    // Six schedules on the same 200 ms grid need 6 × 450 ms of work per 200 ms: far past two slots.
    await queue.sync(['a', 'b', 'c', 'd', 'e', 'f'].map((id) => schedule(id, 200, 0)));
    await sleep(1_500);

    expect(maxRunning).toBe(2);
    // One waiting job per schedule at most: the backlog cannot grow without bound.
    expect(maxQueued).toBeLessThanOrEqual(6);
    expect(queue.stats().queued).toBeLessThanOrEqual(6);
    expect(queue.stats().missed).toBeGreaterThan(0);
  });

  it('runs an enqueued job once, as soon as a slot is free', async () => {
    const { queue, seen } = recordingQueue();
    const job: CheckJob = { configurationId: 'config-now', systemId: 'system-now', scheduledFor: Date.now() };
    await queue.enqueue(job);
    await waitFor(() => seen.length === 1, 1_000);
    await sleep(300);
    expect(seen.map((entry) => entry.job)).toEqual([job]);
  });

  it('keeps ticking after a handler throws', async () => {
    const { queue, seen } = recordingQueue(10, async () => {
      throw new Error('target exploded');
    });
    await queue.sync([schedule('a', 200, 0)]);
    await waitFor(() => seen.length >= 3);
    expect(queue.stats().failed).toBeGreaterThanOrEqual(3);
  });

  it('frees the slot of a handler that throws synchronously (not a rejected promise)', async () => {
    queue = createMemoryQueue();
    let calls = 0;
    queue.work(() => {
      calls += 1;
      throw new Error('thrown before any await');
    }, 1);
    for (let n = 0; n < 3; n++) await queue.enqueue({ configurationId: 'c', systemId: 's', scheduledFor: Date.now() });
    await waitFor(() => calls === 3, 1_000);
    await waitFor(() => queue!.stats().running === 0, 1_000);
    expect(queue.stats().failed).toBe(3);
  });

  it('close stops the timers and waits for the running job to finish', async () => {
    let finished = 0;
    const { queue, seen } = recordingQueue(10, async () => {
      await sleep(400);
      finished += 1;
    });
    await queue.sync([schedule('a', 200, 0)]);
    await waitFor(() => seen.length >= 1);
    await queue.close();
    expect(finished).toBe(seen.length);
    const startedAtClose = seen.length;
    await sleep(500);
    expect(seen.length).toBe(startedAtClose);
    await expect(queue.sync([schedule('a', 200, 0)])).rejects.toThrow(/closed/);
  });

  it('close gives up on a job that never finishes after the grace period', async () => {
    queue = createMemoryQueue({ closeGraceMs: 200 });
    let started = false;
    queue.work(() => {
      started = true;
      return new Promise<void>(() => {});
    }, 1);
    await queue.enqueue({ configurationId: 'c', systemId: 's', scheduledFor: Date.now() });
    await waitFor(() => started);
    const closing = Date.now();
    await queue.close();
    expect(Date.now() - closing).toBeGreaterThanOrEqual(190);
  });

  it('refuses an invalid schedule without touching the live ones', async () => {
    const { queue } = recordingQueue();
    await queue.sync([schedule('a', 200, 0)]);
    await expect(queue.sync([schedule('b', 0, 0)])).rejects.toThrow(/schedule b: intervalMs/);
    expect(queue.stats().schedules).toBe(1);
  });
});

describe('memory queue: ticks missed while the process was not running', () => {
  it('runs, once and at once, the latest tick before its first sync of each schedule nobody ran', async () => {
    const asked: DueTick[][] = [];
    const { queue, of } = recordingQueue(10, async () => {}, async (ticks) => {
      asked.push(ticks);
      return ['owed'];
    });
    const syncedAt = Date.now();
    await queue.sync([schedule('owed', 60_000, 0), schedule('ran', 60_000, 0)]);
    await waitFor(() => of('owed').length === 1);

    expect(asked).toHaveLength(1);
    expect(asked[0]!.map((tick) => tick.scheduleId).sort()).toEqual(['owed', 'ran']);
    const owedTick = asked[0]!.find((tick) => tick.scheduleId === 'owed')!;
    expect(owedTick).toMatchObject({ configurationId: 'config-owed', systemId: 'system-owed' });
    // The latest tick at or before the sync, on the schedule's grid: late by less than an interval.
    expect(owedTick.scheduledFor % 60_000).toBe(0);
    expect(owedTick.scheduledFor).toBeLessThanOrEqual(syncedAt);
    expect(owedTick.scheduledFor).toBeGreaterThan(syncedAt - 60_000);
    expect(of('owed')[0]!.job.scheduledFor).toBe(owedTick.scheduledFor);
    await sleep(50);
    expect(of('ran')).toHaveLength(0);
    expect(queue.stats().caughtUp).toBe(1);
  });

  it('asks only at the first sync: a schedule added later waits for its own first tick', async () => {
    let asks = 0;
    const { queue, of } = recordingQueue(10, async () => {}, async (ticks) => {
      asks += 1;
      return ticks.map((tick) => tick.scheduleId);
    });
    await queue.sync([schedule('first', 60_000, 0)]);
    await waitFor(() => of('first').length === 1);
    await queue.sync([schedule('first', 60_000, 0), schedule('later', 60_000, 0)]);
    await sleep(50);
    expect(asks).toBe(1);
    expect(of('later')).toHaveLength(0);
  });

  it('owes nothing for a schedule that ticked before the question: its older tick would run out of order', async () => {
    const asked: string[] = [];
    const { queue, of } = recordingQueue(10, async () => {}, async (ticks) => {
      asked.push(...ticks.map((tick) => tick.scheduleId));
      return ticks.map((tick) => tick.scheduleId);
    });
    const syncedAt = Date.now();
    await queue.sync([schedule('fast', 100, 0), schedule('slow', 60_000, 0)]);
    await waitFor(() => of('slow').length === 1);
    expect(asked).toEqual(['slow']);
    for (const run of of('fast')) expect(run.job.scheduledFor).toBeGreaterThan(syncedAt);
  });

  it('owes nothing when the question fails, and keeps ticking on the grid', async () => {
    const { queue, of } = recordingQueue(10, async () => {}, async () => {
      throw new Error('database away');
    });
    const syncedAt = Date.now();
    await queue.sync([schedule('a', 100, 0)]);
    await waitFor(() => of('a').length >= 2);
    // Only the ticks after the sync: none from before it.
    for (const run of of('a')) expect(run.job.scheduledFor).toBeGreaterThan(syncedAt);
    expect(queue.stats().caughtUp).toBe(0);
  });
});
