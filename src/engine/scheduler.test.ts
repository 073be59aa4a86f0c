import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryQueue, type MemoryQueue } from '../queue/memory.ts';
import type { CheckJob, Schedule } from '../queue/types.ts';
import { createScheduler, type Scheduler } from './scheduler.ts';

// The real in-process queue underneath: what is asserted is which checks actually run.

let queue: MemoryQueue;
let scheduler: Scheduler | undefined;
afterEach(async () => {
  await scheduler?.stop();
  scheduler = undefined;
  await queue.close();
});

function schedule(id: string, intervalMs = 200, offsetMs = 0): Schedule {
  return { id, configurationId: `config-${id}`, systemId: `system-${id}`, intervalMs, offsetMs };
}

/** A database stand-in the test edits: the list the loader returns, or an outage. */
function assignments(initial: Schedule[]) {
  const state = { desired: initial, down: false, loads: 0, delayMs: 0 };
  const loadSchedules = async () => {
    state.loads += 1;
    // Read at query time, like a real SELECT: a change during a slow load is not in its result.
    const { desired, down } = state;
    if (state.delayMs) await sleep(state.delayMs);
    if (down) throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
    return desired;
  };
  return { state, loadSchedules };
}

function capturingLog() {
  const lines: { level: number; msg: string }[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { log: pino({ level: 'debug' }, stream), lines };
}

function runningQueue() {
  const ran: CheckJob[] = [];
  queue = createMemoryQueue({ closeGraceMs: 1_000 });
  queue.work(async (job) => {
    ran.push(job as CheckJob);
  }, 10);
  return { ran, of: (id: string) => ran.filter((job) => job.configurationId === `config-${id}`) };
}

async function waitFor(condition: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

describe('scheduler', () => {
  it('schedules the loaded assignments on start and applies a change on reconcileNow', async () => {
    const { of } = runningQueue();
    const { state, loadSchedules } = assignments([schedule('a')]);
    scheduler = createScheduler({ loadSchedules, queue, log: capturingLog().log, reconcileMs: 60_000 });
    scheduler.start();
    await waitFor(() => of('a').length >= 1);

    state.desired = [schedule('b', 200, 100)];
    await scheduler.reconcileNow();
    const aRuns = of('a').length;
    await waitFor(() => of('b').length >= 2);
    expect(of('a').length).toBe(aRuns);
    expect(queue.stats().schedules).toBe(1);
  });

  it('follows a change on its own within one reconcile period', async () => {
    const { of } = runningQueue();
    const { state, loadSchedules } = assignments([]);
    scheduler = createScheduler({ loadSchedules, queue, log: capturingLog().log, reconcileMs: 200 });
    scheduler.start();
    await waitFor(() => state.loads >= 1);
    state.desired = [schedule('a')];
    await waitFor(() => of('a').length >= 1, 2_000);
  });

  it('keeps the live schedules running while the database is down, logs it, and recovers', async () => {
    const { of } = runningQueue();
    const { log, lines } = capturingLog();
    const { state, loadSchedules } = assignments([schedule('a')]);
    scheduler = createScheduler({ loadSchedules, queue, log, reconcileMs: 150 });
    scheduler.start();
    await waitFor(() => of('a').length >= 1);

    state.down = true;
    const loadsAtOutage = state.loads;
    const runsAtOutage = of('a').length;
    await waitFor(() => state.loads >= loadsAtOutage + 3);
    expect(queue.stats().schedules).toBe(1);
    await waitFor(() => of('a').length >= runsAtOutage + 2);
    expect(lines.some((line) => line.level === 50 && /could not load the schedules/.test(line.msg))).toBe(true);

    state.down = false;
    state.desired = [schedule('a'), schedule('b', 200, 100)];
    await waitFor(() => of('b').length >= 1);
  });

  it('coalesces a burst of reconcileNow calls into the running reconcile plus one follow-up', async () => {
    runningQueue();
    const { state, loadSchedules } = assignments([schedule('a')]);
    state.delayMs = 100;
    scheduler = createScheduler({ loadSchedules, queue, log: capturingLog().log, reconcileMs: 60_000 });

    const first = scheduler.reconcileNow();
    state.desired = [schedule('a'), schedule('b')];
    const burst = [scheduler.reconcileNow(), scheduler.reconcileNow(), scheduler.reconcileNow()];
    await Promise.all([first, ...burst]);

    expect(state.loads).toBe(2);
    // The follow-up read the list as it was after the burst began.
    expect(queue.stats().schedules).toBe(2);
  });

  it('skips an invalid assignment (reported once) and schedules the rest', async () => {
    const { of } = runningQueue();
    const { log, lines } = capturingLog();
    const { state, loadSchedules } = assignments([schedule('a'), schedule('broken', 0)]);
    scheduler = createScheduler({ loadSchedules, queue, log, reconcileMs: 100 });
    scheduler.start();
    await waitFor(() => of('a').length >= 2 && state.loads >= 3);
    expect(queue.stats().schedules).toBe(1);
    expect(lines.filter((line) => /invalid schedule/.test(line.msg))).toHaveLength(1);
  });

  it('stops reconciling after stop, leaving the queue as it was', async () => {
    runningQueue();
    const { state, loadSchedules } = assignments([schedule('a')]);
    scheduler = createScheduler({ loadSchedules, queue, log: capturingLog().log, reconcileMs: 100 });
    scheduler.start();
    await waitFor(() => state.loads >= 2);
    await scheduler.stop();
    const loads = state.loads;
    state.desired = [];
    await scheduler.reconcileNow();
    await sleep(350);
    expect(state.loads).toBe(loads);
    expect(queue.stats().schedules).toBe(1);
  });
});
