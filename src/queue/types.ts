/**
 * The seam between scheduling and execution. A job carries ids only (SPEC §2.2): everything else
 * is read fresh when it runs. Two implementations: in-process (embedded default, one process) and
 * BullMQ on Redis (any number of scheduler and worker processes).
 */

export interface CheckJob {
  configurationId: string;
  systemId: string;
  /** When the tick was due (ms since epoch); `Date.now()` for a run-now job. Lag = start − this. */
  scheduledFor: number;
  /** Set on a run-now job: whoever asked waits for the `job.completed` event with this id. */
  requestId?: string;
}

/** One live schedule: an enabled assignment of an enabled, unpaused configuration (SPEC §2.1). */
export interface Schedule {
  /** Stable identity of the schedule: the assignment id. */
  id: string;
  configurationId: string;
  systemId: string;
  intervalMs: number;
  /** Stable per-assignment jitter in [0, intervalMs): ticks fall at offsetMs + k·intervalMs. */
  offsetMs: number;
}

/** A schedule's latest tick before its queue started, which nobody may have run (the process was down). */
export interface DueTick {
  scheduleId: string;
  configurationId: string;
  systemId: string;
  scheduledFor: number;
}

/**
 * A test run (SPEC §7.3): a draft check or a shell script run once by a worker, whose outcome goes
 * back to the waiting request over the event bus and is recorded nowhere. Unlike a CheckJob it
 * carries what it runs, since a draft is stored nowhere; the queue passes `spec` through unread.
 */
export interface TestRunJob {
  requestId: string;
  /** After this (ms since epoch) nobody waits for the answer any more: a worker skips the job. */
  notAfter: number;
  spec: Record<string, unknown>;
}

export type QueuedJob = CheckJob | TestRunJob;

export function isTestRunJob(job: QueuedJob): job is TestRunJob {
  return 'spec' in job;
}

/** What a log line may say about a job: its ids, never a test run's draft. */
export function jobIds(job: QueuedJob): Record<string, unknown> {
  if (isTestRunJob(job)) return { testRunRequestId: job.requestId };
  return { ...job };
}

export type JobHandler = (job: QueuedJob) => Promise<void>;

export interface CheckQueue {
  /**
   * Makes the live schedules equal to `schedules`: adds new ones, re-times changed ones, removes
   * the rest. Idempotent; several schedulers may call it concurrently with the same list and
   * still produce one job per tick per schedule. Rejects with a RangeError naming the schedule if
   * one is invalid (see `invalidScheduleReason`), changing nothing; the scheduler filters them out.
   */
  sync(schedules: Schedule[]): Promise<void>;
  /** Enqueues one job to run as soon as a worker is free (run now, test run), ahead of scheduled ticks. */
  enqueue(job: QueuedJob): Promise<void>;
  /** Starts consuming jobs with at most `concurrency` at a time. Call once per worker process. */
  work(handler: JobHandler, concurrency: number): void;
  /**
   * Stops this process producing and consuming; waits for in-flight jobs up to a grace period.
   * In-process, the schedules die with it; on BullMQ they stay in Redis for the other processes.
   */
  close(): Promise<void>;
}
