import { owedTicks, type UnrunTicks } from './catch-up.ts';
import { diffSchedules, invalidScheduleReason, nextTick } from './schedule.ts';
import { silentLogger, type Logger } from '../kernel/log.ts';
import { jobIds, type CheckJob, type CheckQueue, type JobHandler, type QueuedJob, type Schedule } from './types.ts';

/**
 * The embedded default (one process): one self-rescheduling timer per schedule feeding a FIFO drained
 * with bounded concurrency. Measured sufficient in DESIGN ("2,000 items every 10 s: p99 lag 12 ms");
 * bench/scheduling.ts measures it at 10,000.
 */

export interface MemoryQueueStats {
  /** Jobs handed to the handler. */
  started: number;
  completed: number;
  /** Jobs whose handler threw (logged, never fatal). */
  failed: number;
  /** Ticks not turned into a job: the previous one was still waiting, or the process stalled past them. */
  missed: number;
  /** Ticks due before this process started that nobody had run, queued once (late), a second after the first sync. */
  caughtUp: number;
  /** Jobs waiting for a free slot now. */
  queued: number;
  /** Jobs running now. */
  running: number;
  /** Live schedules (timers). */
  schedules: number;
}

export interface MemoryQueue extends CheckQueue {
  stats(): MemoryQueueStats;
}

export interface MemoryQueueOptions {
  now?: () => number;
  log?: Logger;
  /** How long `close` waits for running jobs before giving up on them. */
  closeGraceMs?: number;
  /**
   * Which of the given ticks nobody ran: asked once, a second after the first sync, with the latest
   * tick before it of each schedule that has not ticked since. The process was not running then
   * (stopped, restarted, killed), so each of those runs once, late — as a BullMQ tick waits in Redis
   * for a worker to come back — instead of the check waiting a whole interval for its next tick.
   * Absent: nothing is owed.
   */
  unrunTicks?: UnrunTicks;
}

interface LiveSchedule {
  schedule: Schedule;
  dueAt: number;
  timer: NodeJS.Timeout | undefined;
  /** A job of this schedule is queued and not started: the next tick must not pile another one on. */
  waiting: boolean;
}

interface FifoItem {
  job: CheckJob;
  /** Set for ticks; absent for run-now jobs. */
  scheduleId?: string;
}

/** How long after the first sync the ticks owed from before the start are asked for (see unrunTicks). */
const CATCH_UP_AFTER_MS = 1_000;

// setTimeout fires at once for longer delays; a longer wait is made of several timers.
const MAX_TIMER_MS = 2 ** 31 - 1;

export function createMemoryQueue(options: MemoryQueueOptions = {}): MemoryQueue {
  const now = options.now ?? Date.now;
  const log = options.log ?? silentLogger();
  const closeGraceMs = options.closeGraceMs ?? 10_000;

  const live = new Map<string, LiveSchedule>();
  const fifo: FifoItem[] = [];
  let fifoHead = 0;
  /** Run-now and test-run jobs: a person is waiting for them, so they go ahead of the ticks. */
  const urgent: QueuedJob[] = [];
  const inFlight = new Set<Promise<void>>();
  let handler: JobHandler | undefined;
  let concurrency = 0;
  let closed = false;
  /** Set at the first sync: the one whose schedules may be owed a tick from before the start. */
  let catchUpTimer: NodeJS.Timeout | undefined;
  const counts = { started: 0, completed: 0, failed: 0, missed: 0, caughtUp: 0 };

  function arm(entry: LiveSchedule): void {
    const wait = Math.min(Math.max(entry.dueAt - now(), 0), MAX_TIMER_MS);
    entry.timer = setTimeout(() => onTimer(entry), wait);
  }

  function onTimer(entry: LiveSchedule): void {
    if (live.get(entry.schedule.id) !== entry) return;
    const current = now();
    if (current < entry.dueAt) {
      arm(entry);
      return;
    }
    const { intervalMs, offsetMs, id } = entry.schedule;
    const dueAt = entry.dueAt;
    if (entry.waiting) {
      counts.missed += 1;
      log.debug({ scheduleId: id, scheduledFor: dueAt }, 'tick missed: the previous job of this schedule has not started yet');
    } else {
      push(entry, dueAt);
    }

    let next = dueAt + intervalMs;
    if (next < current) {
      // The event loop stalled past whole ticks: skip them rather than fire a burst of stale jobs.
      next = nextTick(current, intervalMs, offsetMs);
      counts.missed += (next - dueAt) / intervalMs - 1;
    }
    entry.dueAt = next;
    arm(entry);
    drain();
  }

  function push(entry: LiveSchedule, scheduledFor: number): void {
    const { id, configurationId, systemId } = entry.schedule;
    entry.waiting = true;
    fifo.push({ job: { configurationId, systemId, scheduledFor }, scheduleId: id });
  }

  /**
   * Queues, once and late, the latest tick before this process of each schedule that nobody ran.
   * `started`: the first sync's schedules with the first tick each was given; one that has ticked
   * (or was re-timed or removed) since owes nothing, and a tick older than one it ran would be out
   * of order.
   */
  async function catchUp(unrunTicks: UnrunTicks, started: Map<LiveSchedule, number>, syncedAt: number): Promise<void> {
    const untouched = (entry: LiveSchedule | undefined): entry is LiveSchedule => !!entry && live.get(entry.schedule.id) === entry && entry.dueAt === started.get(entry);
    const waiting = [...started.keys()].filter(untouched).map((entry) => entry.schedule);
    if (waiting.length === 0 || closed) return;
    const owed = await owedTicks(waiting, syncedAt, unrunTicks, log, 'while Vigil was not running');
    let queued = 0;
    for (const tick of owed) {
      const entry = live.get(tick.scheduleId);
      if (closed || !untouched(entry) || entry.waiting) continue;
      push(entry, tick.scheduledFor);
      queued += 1;
    }
    counts.caughtUp += queued;
    if (queued > 0) log.info({ ticks: queued }, 'ticks missed while Vigil was not running: each runs once, late');
    drain();
  }

  function drain(): void {
    while (handler && inFlight.size < concurrency && urgent.length) start(handler, urgent.shift()!);
    while (handler && inFlight.size < concurrency && fifoHead < fifo.length) {
      const item = fifo[fifoHead]!;
      fifoHead += 1;
      if (item.scheduleId !== undefined) {
        const entry = live.get(item.scheduleId);
        // Its schedule was removed (assignment paused or deleted) while the job waited.
        if (!entry) continue;
        entry.waiting = false;
      }
      start(handler, item.job);
    }
    if (fifoHead > 1024 && fifoHead * 2 > fifo.length) {
      fifo.splice(0, fifoHead);
      fifoHead = 0;
    }
  }

  function start(run: JobHandler, job: QueuedJob): void {
    counts.started += 1;
    // `.finally` always runs after this assignment, even when the handler throws synchronously.
    const running = execute(run, job).finally(() => {
      inFlight.delete(running);
      drain();
    });
    inFlight.add(running);
  }

  async function execute(run: JobHandler, job: QueuedJob): Promise<void> {
    try {
      await run(job);
      counts.completed += 1;
    } catch (error) {
      counts.failed += 1;
      log.error({ err: error, ...jobIds(job) }, 'check job failed');
    }
  }

  function stopTimer(entry: LiveSchedule): void {
    clearTimeout(entry.timer);
    entry.timer = undefined;
  }

  function assertOpen(operation: string): void {
    if (closed) throw new Error(`cannot ${operation}: the queue is closed`);
  }

  return {
    async sync(schedules) {
      assertOpen('sync');
      for (const schedule of schedules) {
        const reason = invalidScheduleReason(schedule);
        if (reason) throw new RangeError(`schedule ${schedule.id}: ${reason}`);
      }
      const diff = diffSchedules([...live.values()].map((entry) => entry.schedule), schedules);
      const current = now();
      for (const schedule of diff.add) {
        const entry: LiveSchedule = { schedule, dueAt: nextTick(current, schedule.intervalMs, schedule.offsetMs), timer: undefined, waiting: false };
        live.set(schedule.id, entry);
        arm(entry);
      }
      for (const schedule of diff.update) {
        const entry = live.get(schedule.id)!;
        stopTimer(entry);
        entry.schedule = schedule;
        entry.dueAt = nextTick(current, schedule.intervalMs, schedule.offsetMs);
        arm(entry);
      }
      for (const id of diff.remove) {
        stopTimer(live.get(id)!);
        live.delete(id);
      }
      if (options.unrunTicks && !catchUpTimer) {
        // The first sync. Once the start has settled: readiness and the first ticks do not wait for the question.
        const started = new Map(diff.add.map((schedule) => [live.get(schedule.id)!, live.get(schedule.id)!.dueAt]));
        catchUpTimer = setTimeout(() => void catchUp(options.unrunTicks!, started, current), CATCH_UP_AFTER_MS);
      }
      if (diff.add.length + diff.update.length + diff.remove.length > 0) {
        log.info({ added: diff.add.length, updated: diff.update.length, removed: diff.remove.length, live: live.size }, 'schedules synced');
      }
    },

    async enqueue(job) {
      assertOpen('enqueue');
      urgent.push(job);
      drain();
    },

    work(jobHandler, limit) {
      assertOpen('work');
      if (handler) throw new Error('work() was already called on this queue');
      if (!Number.isSafeInteger(limit) || limit < 1) throw new RangeError(`concurrency must be a positive integer, got ${limit}`);
      handler = jobHandler;
      concurrency = limit;
      drain();
    },

    async close() {
      if (closed) return;
      closed = true;
      clearTimeout(catchUpTimer);
      for (const entry of live.values()) stopTimer(entry);
      live.clear();
      const dropped = fifo.length - fifoHead + urgent.length;
      fifo.length = 0;
      urgent.length = 0;
      fifoHead = 0;
      if (dropped > 0) log.info({ dropped }, 'queued jobs dropped on close (the next start runs each once, late)');

      let graceTimer: NodeJS.Timeout | undefined;
      const graceOver = new Promise<'timeout'>((resolve) => {
        graceTimer = setTimeout(() => resolve('timeout'), closeGraceMs);
      });
      const outcome = await Promise.race([Promise.allSettled([...inFlight]), graceOver]);
      clearTimeout(graceTimer);
      if (outcome === 'timeout') log.warn({ running: inFlight.size, closeGraceMs }, 'jobs still running after the close grace period; abandoning them');
    },

    stats() {
      return { ...counts, queued: fifo.length - fifoHead + urgent.length, running: inFlight.size, schedules: live.size };
    },
  };
}
