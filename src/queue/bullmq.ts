import { Queue, Worker, type Job, type JobSchedulerJson } from 'bullmq';
import { owedTicks, type UnrunTicks } from './catch-up.ts';
import { diffSchedules, invalidScheduleReason } from './schedule.ts';
import type { Logger } from '../kernel/log.ts';
import { isTestRunJob, jobIds, type CheckQueue, type QueuedJob, type Schedule, type TestRunJob } from './types.ts';

/**
 * The distributed queue: BullMQ on Redis, for any number of scheduler and worker processes.
 *
 * Each schedule is a BullMQ job scheduler whose id is the assignment id. The scheduler keeps exactly
 * one pending job per schedule, with the id `repeat:<assignmentId>:<dueMillis>` (the tick key), and
 * the next one is created atomically (Lua) when a worker picks the current one up; so several
 * processes syncing the same list, and several workers, still give one job per tick.
 *
 * BullMQ 6 `every` + `offset` (checked in its Lua, getJobSchedulerEveryNextMillis): the first tick is
 * floor(now / every)·every + offset (plus one interval if already past), then prevMillis + every; a
 * catch-up after downtime re-aligns on the same grid. So `offset` gives the epoch-aligned grid
 * offsetMs + k·intervalMs. Two traps, both handled below: offset 0 means "start now, phase = now"
 * (so we pass `every` instead, which is the same grid); and re-upserting with a new offset but the
 * same `every` keeps the old phase (the pending job's slot is reused), so a re-timed schedule is
 * removed and created again.
 *
 * A worker killed mid-job (lockDuration LOCK_MS, stalledInterval STALLED_CHECK_MS, maxStalledCount
 * 1): its lock expires, and another worker's stalled check (a mark pass, then a move pass one
 * interval later) puts the job back in `wait`, i.e. it is retried up to 15 s later (10–15 s
 * measured; 30–64 s with BullMQ's defaults of 30 s and 30 s, bench/RESULTS.md) with the same
 * scheduledFor. A scheduler (tick) job is retried however often it stalls (the Lua never fails a
 * job that has a live scheduler); a run-now job is failed after more than maxStalledCount
 * stalls. The schedule itself never stops: the next tick was created when the job was picked up.
 * (Seen by experiment: a worker SIGKILLed mid-tick with lockDuration = stalledInterval = 1 s; a second
 * worker ran the same job id 2 s later, then the following tick on time.)
 * The executor should therefore treat (assignment, scheduledFor) as the run's idempotency key.
 */

/**
 * How long a worker's hold on a running job lasts unless renewed; the worker renews it every half
 * of it. BullMQ's default is 30 s. A third of that brings a killed worker's runs back three times
 * sooner; the price is that a worker whose event loop stalls for more than 5 s loses its jobs to
 * another worker, which runs them again (stored once: the tick is the run's key). A timer renews
 * the lock, so a long queue does not lose it, only a blocked event loop: at 10,000 checks every
 * 30 s no job stalled and none needed renewing (bench/RESULTS.md, 2026-12-03).
 */
const LOCK_MS = 10_000;
/** How often a worker looks for jobs whose lock expired (BullMQ's default: 30 s). */
const STALLED_CHECK_MS = 5_000;

export interface BullmqQueueOptions {
  redisUrl: string;
  /** Redis key prefix: several Vigil installations can share one Redis. */
  prefix?: string;
  queueName?: string;
  log: Logger;
  /** How long `close` waits for running jobs before abandoning them (they are retried as stalled). */
  closeGraceMs?: number;
  /** How often `sync` reads every scheduler back from Redis even when nothing seems to have changed. */
  fullCheckMs?: number;
  /**
   * Which of the given ticks nobody ran. Asked when a sync finds Redis holding no schedules at all
   * (its first start, or Redis restarted empty after an outage), with each schedule's latest tick:
   * each one nobody ran is queued once, late, so a check does not wait a whole interval for its next
   * tick. Absent: nothing is owed.
   */
  unrunTicks?: UnrunTicks;
}

interface TickData {
  configurationId: string;
  systemId: string;
}

type RunNowData = TickData & { scheduledFor: number; requestId?: string };

type JobData = TickData | RunNowData | TestRunJob;

const TICK_JOB = 'check';
const RUN_NOW_JOB = 'run-now';
const CATCH_UP_JOB = 'catch-up';
const TEST_RUN_JOB = 'test-run';
// Redis holds recent history for debugging, never an ever-growing list: the runs table is the record.
const KEEP_FINISHED_JOBS = {
  removeOnComplete: { count: 1_000, age: 3_600 },
  removeOnFail: { count: 5_000, age: 24 * 3_600 },
};
// A test run's draft is nobody's record: it leaves Redis as soon as a worker is done with it, and
// a worker lost mid-run is not retried (the person waiting has been answered 504 by then).
const TEST_RUN_OPTIONS = { priority: 1, attempts: 1, removeOnComplete: true, removeOnFail: true };
/**
 * How long BullMQ's connections wait before the next attempt to reach Redis: 0.2 s more per attempt,
 * at most 1 s. BullMQ's own default grows as e^attempt up to 20 s, so after a minute's outage checks
 * started again up to ~19 s after Redis was back (bench/kill.ts); an attempt a second on a lost
 * connection costs nothing worth saving.
 */
export const reconnectDelayMs = (attempt: number): number => Math.min(attempt * 200, 1_000);

// Concurrent round trips per sync batch: ioredis pipelines them on the one connection.
const SYNC_BATCH = 500;

export function createBullmqQueue(options: BullmqQueueOptions): CheckQueue {
  const { log } = options;
  const prefix = options.prefix ?? 'vigil';
  const queueName = options.queueName ?? 'checks';
  const closeGraceMs = options.closeGraceMs ?? 10_000;
  const fullCheckMs = options.fullCheckMs ?? 60_000;
  const connection = { url: options.redisUrl, retryStrategy: reconnectDelayMs };

  const queue = new Queue<JobData>(queueName, { connection, prefix, defaultJobOptions: KEEP_FINISHED_JOBS });
  queue.on('error', (error) => log.error({ err: error }, 'check queue error'));
  let worker: Worker<JobData> | undefined;
  // What this process last made Redis equal to. Reading 10,000 schedulers back costs ~0.4 s of this
  // process's CPU and a burst of Redis work that delays jobs (bench/scheduling.ts), so an unchanged
  // list is only checked by count, and fully once per fullCheckMs.
  let lastSynced: { schedules: Schedule[]; at: number } | undefined;

  async function unchangedSinceLastSync(schedules: Schedule[]): Promise<boolean> {
    if (!lastSynced || Date.now() - lastSynced.at >= fullCheckMs) return false;
    const diff = diffSchedules(lastSynced.schedules, schedules);
    if (diff.add.length + diff.update.length + diff.remove.length > 0) return false;
    // A flushed or restarted Redis, or a scheduler removed behind our back, shows up in the count.
    return (await queue.getJobSchedulersCount()) === lastSynced.schedules.length;
  }

  async function upsert(schedule: Schedule): Promise<void> {
    const data: TickData = { configurationId: schedule.configurationId, systemId: schedule.systemId };
    await queue.upsertJobScheduler(schedule.id, { every: schedule.intervalMs, offset: toBullmqOffset(schedule) }, { name: TICK_JOB, data, opts: KEEP_FINISHED_JOBS });
  }

  /**
   * Queues, once and late, the latest tick of each of `added` that nobody ran. Its job id is the tick,
   * so schedulers that find Redis empty at the same moment queue it once (and were it run twice, the
   * run's tick key would still record it once).
   */
  async function catchUp(added: Schedule[]): Promise<void> {
    if (!options.unrunTicks || added.length === 0) return;
    const owed = await owedTicks(added, Date.now(), options.unrunTicks, log, 'while Redis held no schedules');
    await inBatches(owed, (tick) => {
      const data: RunNowData = { configurationId: tick.configurationId, systemId: tick.systemId, scheduledFor: tick.scheduledFor };
      return queue.add(CATCH_UP_JOB, data, { jobId: `catch-up-${tick.scheduleId}-${tick.scheduledFor}` });
    });
    if (owed.length) log.info({ ticks: owed.length }, 'ticks missed while Redis held no schedules: each runs once, late');
  }

  return {
    async sync(schedules) {
      for (const schedule of schedules) {
        const reason = invalidScheduleReason(schedule);
        if (reason) throw new RangeError(`schedule ${schedule.id}: ${reason}`);
      }
      if (await unchangedSinceLastSync(schedules)) return;
      const checkedAt = Date.now();
      const live = (await queue.getJobSchedulers(0, -1)).map(scheduleFromScheduler);
      const diff = diffSchedules(live, schedules);
      await inBatches(diff.add, upsert);
      await inBatches(diff.update, async (schedule) => {
        await queue.removeJobScheduler(schedule.id);
        await upsert(schedule);
      });
      await inBatches(diff.remove, (id) => queue.removeJobScheduler(id));
      if (live.length === 0) await catchUp(diff.add);
      lastSynced = { schedules: [...new Map(schedules.map((schedule) => [schedule.id, schedule])).values()], at: checkedAt };
      if (diff.add.length + diff.update.length + diff.remove.length > 0) {
        log.info({ added: diff.add.length, updated: diff.update.length, removed: diff.remove.length, live: lastSynced.schedules.length }, 'schedules synced');
      }
    },

    async enqueue(job) {
      if (isTestRunJob(job)) {
        await queue.add(TEST_RUN_JOB, job, TEST_RUN_OPTIONS);
        return;
      }
      const data: RunNowData = { configurationId: job.configurationId, systemId: job.systemId, scheduledFor: job.scheduledFor };
      if (job.requestId) data.requestId = job.requestId;
      // Any priority puts the job ahead of the unprioritised ticks; a person is waiting for it.
      await queue.add(RUN_NOW_JOB, data, { priority: 1 });
    },

    work(handler, concurrency) {
      if (worker) throw new Error('work() was already called on this queue');
      worker = new Worker<JobData>(queueName, (job) => handler(checkJobOf(job)), {
        connection,
        prefix,
        concurrency,
        lockDuration: LOCK_MS,
        stalledInterval: STALLED_CHECK_MS,
      });
      // A throwing handler only fails its job; the worker goes on with the next one.
      worker.on('failed', (job, error) => log.error({ err: error, jobId: job?.id, ...(job ? jobIds(checkJobOf(job)) : {}) }, 'check job failed'));
      worker.on('error', (error) => log.error({ err: error }, 'check worker error'));
    },

    async close() {
      if (worker) {
        const closing = worker;
        let graceTimer: NodeJS.Timeout | undefined;
        const graceOver = new Promise<'timeout'>((resolve) => {
          graceTimer = setTimeout(() => resolve('timeout'), closeGraceMs);
        });
        const outcome = await Promise.race([closing.close(), graceOver]);
        clearTimeout(graceTimer);
        if (outcome === 'timeout') {
          log.warn({ closeGraceMs }, 'jobs still running after the close grace period; abandoning them (they are retried as stalled)');
          await closing.close(true);
        }
      }
      await queue.close();
    },
  };
}

/** The job as the executor sees it; for a tick, scheduledFor is the due time carried by its id. */
export function checkJobOf(job: Pick<Job<JobData>, 'id' | 'data' | 'repeatJobKey' | 'timestamp'>): QueuedJob {
  if ('spec' in job.data) return job.data;
  const { configurationId, systemId } = job.data;
  if ('scheduledFor' in job.data) {
    const { scheduledFor, requestId } = job.data;
    return { configurationId, systemId, scheduledFor, ...(requestId ? { requestId } : {}) };
  }
  return { configurationId, systemId, scheduledFor: tickDueTime(job) ?? job.timestamp };
}

// BullMQ names a scheduler's job `repeat:<schedulerId>:<nextMillis>` (getSchedulerNextJobId). The
// job's own timestamp is when the previous tick created it, and opts.prevMillis is not set for
// `every` schedulers, so the id is the only place the due time is kept.
function tickDueTime(job: Pick<Job, 'id' | 'repeatJobKey'>): number | undefined {
  if (!job.repeatJobKey || !job.id) return undefined;
  const expectedStart = `repeat:${job.repeatJobKey}:`;
  if (!job.id.startsWith(expectedStart)) return undefined;
  const due = Number(job.id.slice(expectedStart.length));
  return Number.isSafeInteger(due) ? due : undefined;
}

function toBullmqOffset(schedule: Schedule): number {
  // BullMQ reads offset 0 as "no offset: start now"; a full interval is the same epoch-aligned grid.
  return schedule.offsetMs === 0 ? schedule.intervalMs : schedule.offsetMs;
}

/** What Redis holds, as a Schedule; anything not written by us compares unequal and is rewritten. */
function scheduleFromScheduler(scheduler: JobSchedulerJson<Partial<TickData> | TestRunJob>): Schedule {
  const data = scheduler.template?.data as Partial<TickData> | undefined;
  const every = scheduler.every ?? Number.NaN;
  return {
    id: scheduler.key,
    configurationId: data?.configurationId ?? '',
    systemId: data?.systemId ?? '',
    intervalMs: every,
    offsetMs: (scheduler.offset ?? 0) % every,
  };
}

async function inBatches<T>(items: T[], action: (item: T) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < items.length; start += SYNC_BATCH) {
    await Promise.all(items.slice(start, start + SYNC_BATCH).map(action));
  }
}
