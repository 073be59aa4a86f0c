import type { Logger } from '../kernel/log.ts';
import type { CheckQueue, Schedule } from '../queue/types.ts';
import { invalidScheduleReason } from '../queue/schedule.ts';

/**
 * The reconciler of SPEC §2.1: every `reconcileMs` (and whenever something changed) it makes the
 * queue's live schedules equal to the enabled assignments of enabled, unpaused configurations. It
 * repairs drift (a missed change, a restarted Redis) by simply converging again; with BullMQ any
 * number of schedulers may run it, because `sync` is idempotent.
 */

export interface SchedulerOptions {
  /** The desired schedules, read fresh from the database each time. */
  loadSchedules: () => Promise<Schedule[]>;
  queue: CheckQueue;
  log: Logger;
  reconcileMs?: number;
}

export interface Scheduler {
  /** Reconciles now, then every `reconcileMs`. */
  start(): void;
  /**
   * Reconciles as soon as possible, e.g. after an assignment was created, edited or paused. Calls made
   * while one is running share a single follow-up run, so a burst of edits costs at most two loads.
   * Resolves once a reconcile that started after this call has finished; never rejects.
   */
  reconcileNow(): Promise<void>;
  /** Stops the periodic reconcile and waits for a running one; leaves the queue's schedules live. */
  stop(): Promise<void>;
}

export function createScheduler(options: SchedulerOptions): Scheduler {
  const { loadSchedules, queue, log } = options;
  const reconcileMs = options.reconcileMs ?? 5_000;
  let started = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let followUp: Promise<void> | undefined;
  // A bad row is reported once, not every few seconds.
  const reportedInvalid = new Set<string>();

  async function reconcile(): Promise<void> {
    let desired: Schedule[];
    try {
      desired = await loadSchedules();
    } catch (error) {
      // Database down: the live schedules are the best knowledge there is, so they keep running.
      log.error({ err: error }, 'could not load the schedules; keeping the live ones and retrying at the next reconcile');
      return;
    }
    try {
      await queue.sync(desired.filter(isRunnable));
    } catch (error) {
      log.error({ err: error }, 'could not sync the schedules; retrying at the next reconcile');
    }
  }

  function isRunnable(schedule: Schedule): boolean {
    const reason = invalidScheduleReason(schedule);
    if (!reason) return true;
    const key = `${schedule.id}:${reason}`;
    if (!reportedInvalid.has(key)) {
      reportedInvalid.add(key);
      log.warn({ assignmentId: schedule.id, reason }, 'assignment not scheduled: invalid schedule');
    }
    return false;
  }

  function reconcileNow(): Promise<void> {
    if (stopped) return Promise.resolve();
    if (!running) {
      running = reconcile().finally(() => {
        running = undefined;
      });
      return running;
    }
    // The running reconcile may have read the database before the change that prompted this call.
    followUp ??= running.then(() => {
      followUp = undefined;
      return reconcileNow();
    });
    return followUp;
  }

  async function periodically(): Promise<void> {
    await reconcileNow();
    if (!stopped) timer = setTimeout(periodically, reconcileMs);
  }

  return {
    start() {
      if (started || stopped) return;
      started = true;
      void periodically();
    },
    reconcileNow,
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await followUp;
      await running;
    },
  };
}
