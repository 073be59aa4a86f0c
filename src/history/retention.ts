import type pg from 'pg';
import { readAssignmentRetention } from '../checks/read.ts';
import { advisoryKey } from '../db/locks.ts';
import { countPastLimits, deleteDaysBefore, deleteHoursBefore, deleteRunsBefore, pruneTransitions, readHistoryStreams, type Stream } from '../health/tiers.ts';
import type { Logger } from '../kernel/log.ts';

/**
 * Tiered retention (SPEC §5.2): raw runs → hourly buckets → daily buckets, per assignment, once a
 * day across every process. Every run is added to its hour and its day when it is recorded (the
 * merge of hours into days happens there, with the same sums, min/max and sketches), so this job
 * only deletes: each tier past its limit, in bounded batches (short statements, so the check loop
 * never waits long on a lock). One stream's error is logged and the job goes on.
 */

export interface RetentionDays {
  rawDays: number;
  hourlyDays: number;
  dailyDays: number;
}

export const DEFAULT_RETENTION: RetentionDays = { rawDays: 7, hourlyDays: 30, dailyDays: 365 };

const DAY = 86_400_000;
const HOUR = 3_600_000;
const JOB = 'retention';

/**
 * An assignment's days over the platform's: a tier never keeps less than the finer one before it
 * (raw ≤ hourly ≤ daily), or history would have a hole between them.
 */
export function effectiveRetention(own: Partial<RetentionDays> | null | undefined, platform: RetentionDays): RetentionDays {
  const rawDays = own?.rawDays ?? platform.rawDays;
  const hourlyDays = Math.max(own?.hourlyDays ?? platform.hourlyDays, rawDays);
  const dailyDays = Math.max(own?.dailyDays ?? platform.dailyDays, hourlyDays);
  return { rawDays, hourlyDays, dailyDays };
}

/** Where each tier ends for these days at `now`: hours and days stay whole. */
export function cutoffs(days: RetentionDays, now: Date): { raw: Date; hourly: Date; daily: Date } {
  const at = (n: number, unit: number) => new Date(Math.floor((now.getTime() - n * DAY) / unit) * unit);
  return { raw: at(days.rawDays, 1), hourly: at(days.hourlyDays, HOUR), daily: at(days.dailyDays, DAY) };
}

export interface RetentionReport {
  ran: boolean;
  /** Why it did not run (another process has it, or it ran less than a day ago). */
  skipped?: string;
  dryRun: boolean;
  streams: number;
  runsDeleted: number;
  hoursDeleted: number;
  daysDeleted: number;
  transitionsDeleted: number;
  errors: { systemId: string; configurationId?: string; message: string }[];
  durationMs: number;
}

export interface RetentionOptions {
  platform: RetentionDays;
  /** Rows per statement. */
  batch?: number;
  /**
   * After each batch, rest this many times as long as it took (default 1: at most half of one
   * core, so checks keep their schedule while history is deleted; 0: as fast as it can).
   */
  restRatio?: number;
  now?: () => Date;
  log: Logger;
}

export class RetentionJob {
  private readonly batch: number;
  private readonly now: () => Date;

  constructor(
    private readonly pool: pg.Pool,
    /** A pool of its own for the session lock (see db/locks.ts). */
    private readonly lockPool: pg.Pool,
    private readonly options: RetentionOptions,
  ) {
    this.batch = options.batch ?? 5_000;
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Runs when the last run finished a day ago or more (or `force`), on one process at a time:
   * the others skip. A dry run only counts, and may run anywhere at any time.
   */
  async run(options: { dryRun?: boolean; force?: boolean } = {}): Promise<RetentionReport> {
    const dryRun = options.dryRun ?? false;
    if (dryRun) return this.work(true);
    const client = await this.lockPool.connect();
    try {
      const { rows } = await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(${advisoryKey(`history:${JOB}`)}) AS locked`);
      if (!rows[0]!.locked) return skipped('another process is running it');
      try {
        const last = await client.query<{ at: Date }>('SELECT last_finished_at AS at FROM history_jobs WHERE job = $1', [JOB]);
        const lastAt = last.rows[0]?.at;
        if (!options.force && lastAt && this.now().getTime() - lastAt.getTime() < DAY - HOUR) return skipped(`it ran at ${lastAt.toISOString()}`);
        const report = await this.work(false);
        await client.query(
          `INSERT INTO history_jobs (job, last_finished_at) VALUES ($1, $2) ON CONFLICT (job) DO UPDATE SET last_finished_at = excluded.last_finished_at`,
          [JOB, this.now()],
        );
        return report;
      } finally {
        await client.query(`SELECT pg_advisory_unlock(${advisoryKey(`history:${JOB}`)})`);
      }
    } finally {
      client.release();
    }
  }

  private async work(dryRun: boolean): Promise<RetentionReport> {
    const started = Date.now();
    const now = this.now();
    const report: RetentionReport = { ran: true, dryRun, streams: 0, runsDeleted: 0, hoursDeleted: 0, daysDeleted: 0, transitionsDeleted: 0, errors: [], durationMs: 0 };
    // Every assignment, and history whose assignment is gone (kept by the platform's days).
    const [assigned, stored] = await Promise.all([readAssignmentRetention(this.pool), readHistoryStreams(this.pool)]);
    const key = (s: Stream) => `${s.systemId}:${s.configurationId}`;
    const known = new Set(assigned.map(key));
    const streams = [...assigned, ...stored.filter((s) => !known.has(key(s))).map((s) => ({ ...s, retention: null }))];
    /** The largest raw limit among each system's streams: its transitions are kept that long. */
    const rawDaysOfSystem = new Map<string, number>();
    for (const stream of streams) {
      const days = effectiveRetention(stream.retention, this.options.platform);
      rawDaysOfSystem.set(stream.systemId, Math.max(rawDaysOfSystem.get(stream.systemId) ?? 0, days.rawDays));
      report.streams += 1;
      try {
        await this.stream(stream, cutoffs(days, now), dryRun, report);
      } catch (error) {
        report.errors.push({ systemId: stream.systemId, configurationId: stream.configurationId, message: (error as Error).message });
        this.options.log.error({ err: error, systemId: stream.systemId, configurationId: stream.configurationId }, 'Retention failed for one check; going on with the others');
      }
    }
    for (const [systemId, rawDays] of rawDaysOfSystem) {
      try {
        const before = new Date(now.getTime() - rawDays * DAY);
        report.transitionsDeleted += dryRun ? await pruneTransitions(this.pool, systemId, before, this.batch, true) : await this.drain(() => pruneTransitions(this.pool, systemId, before, this.batch));
      } catch (error) {
        report.errors.push({ systemId, message: (error as Error).message });
        this.options.log.error({ err: error, systemId }, 'Pruning transitions failed for one system; going on');
      }
    }
    report.durationMs = Date.now() - started;
    this.options.log[report.errors.length ? 'warn' : 'info']({ ...report, errors: report.errors.length }, dryRun ? 'Retention dry run' : 'Retention done');
    return report;
  }

  private async stream(stream: Stream, limits: ReturnType<typeof cutoffs>, dryRun: boolean, report: RetentionReport): Promise<void> {
    if (dryRun) {
      const counts = await countPastLimits(this.pool, stream, limits);
      report.runsDeleted += counts.runs;
      report.hoursDeleted += counts.hours;
      report.daysDeleted += counts.days;
      return;
    }
    report.runsDeleted += await this.drain(() => deleteRunsBefore(this.pool, stream, limits.raw, this.batch));
    report.hoursDeleted += await this.drain(() => deleteHoursBefore(this.pool, stream, limits.hourly, this.batch));
    report.daysDeleted += await this.drain(() => deleteDaysBefore(this.pool, stream, limits.daily, this.batch));
  }

  /** Repeats a batch until it comes back short, resting between batches; answers the total. */
  private async drain(step: () => Promise<number>): Promise<number> {
    let total = 0;
    const rest = this.options.restRatio ?? 1;
    for (;;) {
      const started = performance.now();
      const done = await step();
      total += done;
      if (done < this.batch) return total;
      if (rest > 0) await new Promise((resolve) => setTimeout(resolve, (performance.now() - started) * rest));
    }
  }
}

function skipped(reason: string): RetentionReport {
  return { ran: false, skipped: reason, dryRun: false, streams: 0, runsDeleted: 0, hoursDeleted: 0, daysDeleted: 0, transitionsDeleted: 0, errors: [], durationMs: 0 };
}
