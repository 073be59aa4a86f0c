import type pg from 'pg';
import { membershipIdsSql, systemNameSql } from '../catalog/read.ts';
import { enabledChecksSql, intervalSecondsSql, thresholdsSql, type CheckSources } from '../checks/read.ts';
import type { StateThresholds } from '../checks/model.ts';
import type { Database } from '../db/database.ts';
import { isDatabaseUnavailable } from '../db/errors.ts';
import { withXactLock, withXactLocks } from '../db/locks.ts';
import { effectiveEnvironments } from '../definitions/environments.ts';
import type { EventBus } from '../events/bus.ts';
import { writeOutbox, type OutboxRelay } from '../events/outbox.ts';
import type { Logger } from '../kernel/log.ts';
import { CHECK_FAILED, RUN_COMPLETED, type BusEvent } from '../events/topics.ts';
import { changePayload, planViewChange, type StoredView, type ViewChangePlan } from './changes.ts';
import { DEFAULT_THRESHOLDS, MAX_EVALUATED_RUNS, evaluateStream, evaluateView, isStale, viewId, type CheckState, type Status } from './evaluate.ts';
import { collectorCounts } from './collector-counts.ts';
import { sketchKey } from './sketch.ts';
import { takeBatch } from './run-batch.ts';

export interface RunRecord {
  systemId: string;
  configurationId: string;
  environmentId: string | null;
  source: string;
  status: Status;
  latencyMs: number | null;
  message: string;
  result: Record<string, unknown>;
  /** The tick the run was for (a run-now: when it was asked for). */
  scheduledFor: Date;
  at: Date;
}

const letter: Record<Status, string> = { healthy: 'h', degraded: 'd', unhealthy: 'u' };
const fromLetter: Record<string, Status> = { h: 'healthy', d: 'degraded', u: 'unhealthy' };

/** How long the first run of a batch waits for others to join it (group commit). */
const GROUP_COMMIT_MS = 50;
/** The most runs in one batch (one statement, one commit). */
const MAX_BATCH = 250;
/** Batches written at the same time, each on its own connection of the lock pool. */
const MAX_BATCHES_IN_FLIGHT = 2;

/** The most runs held in memory while the database is away; beyond it the oldest are dropped (counted). */
export const MAX_HELD_RUNS = 100_000;
/** How often a held backlog tries the database again. */
const RETRY_HELD_MS = 1_000;

/**
 * How long the runs of a batch are remembered after it committed. A commit that did not wait for the
 * disk is flushed by PostgreSQL within 3 × wal_writer_delay (0.6 s by default); if the server crashes
 * first (its postmaster killed, a backend killed by the OOM killer), it is gone. So when the server
 * drops a connection, the runs committed this recently are written again — a no-op, by the tick key,
 * for each one it kept. Five seconds, not 0.6: on a loaded machine the WAL writer can wait for a core,
 * and this process can hear of the loss late; it costs a few thousand no-op rows once per lost
 * connection, and the memory of those runs.
 */
const UNFLUSHED_MS = 5_000;

/** recordRun's answer for a run held in memory until the database is back (`holdIfDown`). */
export const HELD = Symbol('held');

export interface RecordOptions {
  /** Someone waits on the answer (a heartbeat's ping): write now rather than wait for company. */
  promptly?: boolean;
  /**
   * When the database cannot take the run (down, restarting, disk full), hold it in memory and
   * answer HELD at once; it is written, in order, when the database is back. For the check loop,
   * which must go on checking through an outage; not for callers that keep their own copy until
   * told it is stored (a satellite's upload).
   */
  holdIfDown?: boolean;
}

interface PendingRun {
  run: RunRecord;
  hold: boolean;
  resolve(id: string | undefined | typeof HELD): void;
  reject(error: unknown): void;
}

/** A run's stream (SPEC §1): its system, check, environment and source. */
const streamKey = (run: RunRecord) => `${run.systemId}|${run.configurationId}|${run.environmentId ?? ''}|${run.source}`;
const streamOf = ({ run }: PendingRun) => streamKey(run);

/** What the recorder is holding through an outage (for /readyz and /metrics). */
export interface HeldState {
  held: number;
  dropped: number;
  /** When the database last refused a write; undefined once the backlog is written. */
  since?: Date;
  reason?: string;
}

/**
 * The write side of health (SPEC §4.1): a run is stored, aggregated and its view re-evaluated in
 * one transaction holding `health:<viewId>`, so N concurrent evaluations of one view — on any
 * number of processes — record exactly one transition and one change event per real change.
 *
 * Runs are group-committed (issue 25): those that finish within GROUP_COMMIT_MS of each other are
 * written in one transaction holding every lock they need, as one statement, and committed once.
 * That commit does not wait for the disk unless it recorded a transition: a crash can lose the
 * last fraction of a second of plain runs, never a transition or an event (README, "Durability").
 *
 * Through a database outage the check loop's runs are held in memory, oldest first (bounded by
 * MAX_HELD_RUNS), and written in that order when it is back — each stream's runs in tick order, so
 * every transition that happened meanwhile is recorded, at the time of the run that made it.
 */
export class HealthRecorder {
  private queue: PendingRun[] = [];
  private readonly busy = new Set<string>();
  private inFlight = 0;
  private timer: NodeJS.Timeout | undefined;
  private idle: (() => void)[] = [];
  /** Runs waiting for the database to come back, oldest first. */
  private held: RunRecord[] = [];
  private heldDropped = 0;
  private outage: { since: Date; reason: string } | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private replaying = false;
  private heldUnsorted = false;
  /** The runs of the batches committed in the last UNFLUSHED_MS, oldest first. */
  private unflushed: { at: number; runs: RunRecord[] }[] = [];
  /** How many times a lost connection was told: a batch that sees it change while in flight is written again. */
  private losses = 0;

  constructor(
    private readonly database: Database,
    private readonly relay: OutboxRelay,
    private readonly bus: EventBus,
    private readonly log: Logger,
  ) {
    database.onConnectionLost(() => this.rewriteUnflushed());
  }

  /**
   * Stores one run and re-evaluates the view it belongs to: its environment's view, or for an
   * env-less run the system's rollup. Resolves, once committed, to the run's id, or undefined when
   * this tick of this stream was already recorded (nothing is written twice); with `holdIfDown`,
   * HELD when the database is away and the run waits in memory for it.
   */
  recordRun(run: RunRecord, options?: Omit<RecordOptions, 'holdIfDown'>): Promise<string | undefined>;
  recordRun(run: RunRecord, options: RecordOptions): Promise<string | undefined | typeof HELD>;
  recordRun(run: RunRecord, options: RecordOptions = {}): Promise<string | undefined | typeof HELD> {
    const hold = options.holdIfDown === true;
    if (hold && this.outage) {
      // Behind what is held already: a stream's runs are written in the order they were made.
      this.hold([run]);
      return Promise.resolve(HELD);
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ run, hold, resolve, reject });
      if (options.promptly) this.writeNow();
      else this.writeSoon();
    });
  }

  /** What is held through an outage, if anything. */
  heldState(): HeldState {
    return { held: this.held.length, dropped: this.heldDropped, ...(this.outage ? { since: this.outage.since, reason: this.outage.reason } : {}) };
  }

  /**
   * Resolves once every run handed to recordRun so far is written (or has failed). Runs held through
   * an outage are not waited for: they stay in memory, and are lost if the process stops first.
   */
  async drain(): Promise<void> {
    while (this.queue.length || this.inFlight) {
      if (this.timer) this.writeNow();
      await new Promise<void>((resolve) => this.idle.push(resolve));
    }
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (this.held.length) this.log.error({ held: this.held.length }, 'Stopped with runs still held for the database; they are lost');
  }

  /** What is queued goes at the end of the group-commit window (started now, if none is open). */
  private writeSoon(): void {
    this.timer ??= setTimeout(() => this.writeNow(), GROUP_COMMIT_MS);
  }

  /** The group-commit window ends now: what is queued goes without waiting for its timer. */
  private writeNow(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.writeQueued();
  }

  private writeQueued(): void {
    if (this.outage) {
      // Nothing that may be held overtakes what is: it joins the back of the held runs.
      const holding = this.queue.filter((pending) => pending.hold);
      this.queue = this.queue.filter((pending) => !pending.hold);
      this.hold(holding.map((pending) => pending.run));
      for (const pending of holding) pending.resolve(HELD);
    }
    while (this.inFlight < MAX_BATCHES_IN_FLIGHT && this.queue.length) {
      const { batch, rest } = takeBatch(this.queue, streamOf, this.busy, MAX_BATCH);
      if (!batch.length) break;
      this.queue = rest;
      for (const pending of batch) this.busy.add(streamOf(pending));
      this.inFlight++;
      void this.writeBatch(batch).finally(() => {
        this.inFlight--;
        for (const pending of batch) this.busy.delete(streamOf(pending));
        if (this.queue.length) this.writeQueued();
        if (!this.queue.length && !this.inFlight) for (const resolve of this.idle.splice(0)) resolve();
      });
    }
  }

  /**
   * Writes one batch and settles its runs. A batch that fails is written again one run at a time,
   * so one bad run (its system deleted meanwhile) fails alone. When the database is away, the runs
   * that may be held are held; the others fail.
   */
  private async writeBatch(batch: PendingRun[]): Promise<void> {
    let written: Written;
    const losses = this.losses;
    try {
      written = await writeRuns(this.database, batch.map((pending) => pending.run));
    } catch (error) {
      if (isDatabaseUnavailable(error)) {
        this.enterOutage(error);
        this.hold(batch.filter((pending) => pending.hold).map((pending) => pending.run));
        for (const pending of batch) {
          if (pending.hold) pending.resolve(HELD);
          else pending.reject(error);
        }
        return;
      }
      if (batch.length === 1) {
        batch[0]!.reject(error);
        return;
      }
      for (const pending of batch) await this.writeBatch([pending]);
      return;
    }
    this.committed(batch.map((pending) => pending.run), losses);
    await this.published(batch.map((pending) => pending.run), written);
    for (const [index, pending] of batch.entries()) pending.resolve(written.runIds[index]);
  }

  /**
   * Remembers a committed batch for UNFLUSHED_MS. A batch written while a lost connection was told
   * (`losses` counted before it was sent) may have committed on a server that was already dying —
   * its backend outlives a killed postmaster long enough to answer, and the answer can arrive in
   * the same read as that connection's end — so it is written again now, like the ones before it.
   */
  private committed(runs: RunRecord[], losses: number): void {
    if (losses !== this.losses) {
      this.writeAgain(runs);
      return;
    }
    const now = Date.now();
    while (this.unflushed.length && this.unflushed[0]!.at < now - UNFLUSHED_MS) this.unflushed.shift();
    this.unflushed.push({ at: now, runs });
  }

  /**
   * The server dropped a connection: it may have crashed and lost the commits it had not flushed.
   * The runs committed in the last UNFLUSHED_MS are written again, ahead of anything newer of their
   * streams (and held with the rest if the database is away); a run it kept is not written twice.
   */
  private rewriteUnflushed(): void {
    const since = Date.now() - UNFLUSHED_MS;
    const runs = this.unflushed.filter((entry) => entry.at >= since).flatMap((entry) => entry.runs);
    this.unflushed = [];
    this.losses++;
    if (!runs.length) return;
    this.log.warn({ runs: runs.length }, 'A PostgreSQL connection was lost: writing again the runs committed in the last 5 s, in case the server lost them');
    this.writeAgain(runs);
  }

  /** Runs that may have been lost after their commit go again, ahead of anything newer of their streams. */
  private writeAgain(runs: RunRecord[]): void {
    const again = runs.map((run): PendingRun => ({ run, hold: true, resolve: () => undefined, reject: () => undefined }));
    this.queue.unshift(...again);
    this.writeSoon();
  }

  /** After a commit: the runs first, then what they changed — a live view reads them in the order they happened. */
  private async published(runs: RunRecord[], written: Written): Promise<void> {
    for (const [index, run] of runs.entries()) {
      const runId = written.runIds[index];
      if (runId) await this.announceRun(runId, run);
    }
    try {
      await this.relay.deliver(written.eventIds);
    } catch (error) {
      // Committed in the outbox: the relay's own pass publishes them.
      this.log.warn({ err: error }, 'Could not publish health changes now; the outbox relay will');
    }
  }

  private enterOutage(error: unknown): void {
    const reason = `the database cannot take writes: ${(error as Error)?.message ?? String(error)}`;
    if (!this.outage) this.log.error({ err: error }, 'The database is unavailable: checks go on, their runs are held in memory until it is back');
    this.outage = { since: this.outage?.since ?? new Date(), reason };
    this.retryTimer ??= setTimeout(() => void this.replayHeld(), RETRY_HELD_MS);
  }

  private hold(runs: RunRecord[]): void {
    // A batch that failed late can bring runs older than some held already: replay sorts them first.
    for (const run of runs) {
      const last = this.held[this.held.length - 1];
      if (last && last.scheduledFor > run.scheduledFor) this.heldUnsorted = true;
      this.held.push(run);
    }
    const over = this.held.length - MAX_HELD_RUNS;
    if (over > 0) {
      this.held.splice(0, over);
      this.heldDropped += over;
      this.log.warn({ dropped: over, droppedInAll: this.heldDropped, held: this.held.length }, `More than ${MAX_HELD_RUNS} runs held for the database: dropped the oldest`);
    }
  }

  /**
   * Writes the held runs, oldest first, in batches of one run per stream (so each stream's runs go
   * in tick order), until none are left or the database refuses again (then it tries again later).
   */
  private async replayHeld(): Promise<void> {
    this.retryTimer = undefined;
    if (this.replaying) return;
    this.replaying = true;
    let written = 0;
    try {
      while (this.held.length) {
        if (this.heldUnsorted) {
          // In tick order (a stable sort: a run-now and a tick of one instant keep their order).
          this.held.sort((a, b) => a.scheduledFor.getTime() - b.scheduledFor.getTime());
          this.heldUnsorted = false;
        }
        const { batch } = takeBatch(this.held, streamKey, new Set(), MAX_BATCH);
        const losses = this.losses;
        let answer: Written;
        try {
          answer = await writeRuns(this.database, batch);
        } catch (error) {
          if (isDatabaseUnavailable(error)) {
            this.enterOutage(error);
            return;
          }
          // One of them cannot be stored at all (its system was deleted meanwhile): drop that one.
          answer = { runIds: [], eventIds: [] };
          for (const run of batch) {
            const one = await writeRuns(this.database, [run]).catch((failure: unknown) => {
              if (isDatabaseUnavailable(failure)) throw failure;
              this.log.warn({ err: failure, systemId: run.systemId, configurationId: run.configurationId }, 'Dropped a held run the database refused');
              return { runIds: [undefined], eventIds: [] };
            });
            answer.runIds.push(one.runIds[0]);
            answer.eventIds.push(...one.eventIds);
          }
        }
        const taken = new Set(batch);
        this.held = this.held.filter((run) => !taken.has(run));
        this.committed(batch, losses);
        written += batch.length;
        await this.published(batch, answer);
      }
      this.log.info({ written, since: this.outage?.since }, 'The database is back: wrote the runs held meanwhile');
      this.outage = undefined;
      // What queued meanwhile goes now.
      if (this.queue.length) this.writeQueued();
    } catch (error) {
      this.enterOutage(error);
    } finally {
      this.replaying = false;
    }
  }

  /** Re-evaluates the rollup of a system without a new run (SPEC §4.5: after an environment fan-out). */
  async recomputeRollup(systemId: string, configurationId: string | null): Promise<void> {
    const eventIds = await withXactLock(this.database.lockPool, `health:${systemId}`, (client) =>
      reevaluate(client, systemId, undefined, configurationId, new Date()),
    );
    await this.relay.deliver(eventIds);
  }

  /**
   * Re-evaluates every view of a system without a new run: after a check was added, removed,
   * paused or re-thresholded, the stored health follows now rather than at the next run.
   */
  async recomputeSystem(systemId: string): Promise<void> {
    const { rows } = await this.database.pool.query<{ id: string }>(
      `SELECT value AS id FROM json_array_elements_text(${membershipIdsSql('$1')})
       UNION SELECT environment_id FROM health_states WHERE system_id = $1 AND environment_id IS NOT NULL`,
      [systemId],
    );
    const at = new Date();
    const eventIds: string[] = [];
    for (const environmentId of [...rows.map((r) => r.id), undefined]) {
      eventIds.push(
        ...(await withXactLock(this.database.lockPool, `health:${viewId(systemId, environmentId)}`, (client) =>
          reevaluate(client, systemId, environmentId, null, at),
        )),
      );
    }
    await this.relay.deliver(eventIds);
  }

  /** Live signals that need no durability: a lost one is superseded by the next run. */
  private async announceRun(runId: string, run: RunRecord): Promise<void> {
    const common = {
      systemId: run.systemId,
      configurationId: run.configurationId,
      ...(run.environmentId === null ? {} : { environmentId: run.environmentId }),
    };
    try {
      await this.bus.publish({
        id: runId,
        topic: RUN_COMPLETED,
        payload: { runId, ...common, source: run.source, status: run.status, latencyMs: run.latencyMs, message: run.message, timestamp: run.at.toISOString() },
      });
      if (run.status !== 'healthy') {
        await this.bus.publish({
          id: `${runId}:failed`,
          topic: CHECK_FAILED,
          payload: { ...common, status: run.status, ...(run.latencyMs === null ? {} : { latencyMs: run.latencyMs }), message: run.message, timestamp: run.at.toISOString() },
        });
      }
    } catch (error) {
      this.log.warn({ err: error, runId }, 'Could not publish run events');
    }
  }
}

/**
 * Adds each run of `stored` (insertRuns' CTE) to its bucket of one tier: counts and sums added,
 * min/max kept, its sketch key counted, collector counts merged. A batch holds one run per stream,
 * so no bucket is touched twice by one statement.
 */
function bucketUpsert(table: 'run_hourly' | 'run_daily', column: 'hour' | 'day', bucketOf: string): string {
  return `INSERT INTO ${table} AS b (system_id, configuration_id, environment_id, source, ${column}, run_count, healthy_count, degraded_count,
                                    unhealthy_count, latency_count, latency_sum, latency_min, latency_max, latency_sketch, collectors)
       SELECT system_id, configuration_id, environment_id, source, ${bucketOf}, 1, (status = 'healthy')::int, (status = 'degraded')::int,
              (status = 'unhealthy')::int, (latency_ms IS NOT NULL)::int, coalesce(latency_ms, 0), latency_ms, latency_ms,
              CASE WHEN latency_ms IS NULL THEN '{}'::jsonb ELSE jsonb_build_object(sketch_key, 1) END, collectors
         FROM stored
       ON CONFLICT ON CONSTRAINT ${table}_bucket_key DO UPDATE SET
         run_count = b.run_count + 1,
         healthy_count = b.healthy_count + excluded.healthy_count,
         degraded_count = b.degraded_count + excluded.degraded_count,
         unhealthy_count = b.unhealthy_count + excluded.unhealthy_count,
         latency_count = b.latency_count + excluded.latency_count,
         latency_sum = b.latency_sum + excluded.latency_sum,
         latency_min = least(b.latency_min, excluded.latency_min),
         latency_max = greatest(b.latency_max, excluded.latency_max),
         latency_sketch = CASE WHEN excluded.latency_count = 0 THEN b.latency_sketch
           ELSE (SELECT coalesce(b.latency_sketch, '{}'::jsonb) || jsonb_object_agg(key, coalesce((b.latency_sketch ->> key)::int, 0) + value::int)
                   FROM jsonb_each_text(excluded.latency_sketch)) END,
         collectors = vigil_merge_counts(b.collectors, excluded.collectors)`;
}

/** The same stream: the runs' key columns of `a` and `b` (SQL aliases) are equal, an absent environment included. */
const sameStream = (a: string, b: string) =>
  `${a}.system_id = ${b}.system_id AND ${a}.configuration_id = ${b}.configuration_id AND ${a}.environment_id IS NOT DISTINCT FROM ${b}.environment_id AND ${a}.source = ${b}.source`;

/**
 * One statement for a batch (one run per stream): the runs, their hourly and daily buckets (SPEC
 * §5.1–5.2) and their streams' newest statuses. The daily bucket is kept current with every run
 * rather than merged from hours later: a dashboard's 90 days then read 90 rows per system instead
 * of 2,160, and a run that arrives late (a satellite's buffer) still lands in both tiers. A run
 * whose stream already has a run for its tick (a retried job) writes nothing and has no row in the
 * answer; the rest answer with their place in the batch (`n`, from 1).
 */
async function insertRuns(client: pg.PoolClient, runs: RunRecord[]): Promise<InsertedRun[]> {
  const { rows } = await client.query<InsertedRun & { n: number }>({
    name: 'vigil.insert-runs',
    text: `WITH input AS (
       SELECT n::int AS n, system_id, configuration_id, environment_id, source, status, latency_ms, message, result::jsonb AS result, at,
              sketch_key, letter, scheduled_for, collectors::jsonb AS collectors, view_id
         FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::int[], $7::text[], $8::text[], $9::timestamptz[],
                     $10::text[], $11::text[], $12::timestamptz[], $13::text[], $14::text[])
              WITH ORDINALITY AS u(system_id, configuration_id, environment_id, source, status, latency_ms, message, result, at,
                                   sketch_key, letter, scheduled_for, collectors, view_id, n)
     ), run AS (
       INSERT INTO runs (system_id, configuration_id, environment_id, source, status, latency_ms, message, result, scheduled_for, created_at)
       SELECT system_id, configuration_id, environment_id, source, status, latency_ms, message, result, scheduled_for, at FROM input ORDER BY n
       ON CONFLICT ON CONSTRAINT runs_tick_key DO NOTHING
       RETURNING id, system_id, configuration_id, environment_id, source
     ), stored AS (
       SELECT input.*, run.id AS run_id FROM input JOIN run ON ${sameStream('run', 'input')}
     ), hourly AS (
       ${bucketUpsert('run_hourly', 'hour', "date_trunc('hour', at)")}
     ), daily AS (
       ${bucketUpsert('run_daily', 'day', "date_bin('1 day', at, 'epoch')")}
     ), stream AS (
       INSERT INTO stream_states AS s (system_id, configuration_id, environment_id, source, recent, last_run_at)
       SELECT system_id, configuration_id, environment_id, source, letter, at FROM stored
       ON CONFLICT ON CONSTRAINT stream_states_stream_key DO UPDATE SET
         recent = left(excluded.recent || s.recent, ${MAX_EVALUATED_RUNS}),
         last_run_at = greatest(s.last_run_at, excluded.last_run_at)
     )
     -- The main query sees the tables as they were before this statement: stream_states is each stream before its run.
     SELECT stored.n, stored.run_id AS id, previous.recent AS previous, previous.last_run_at AS previous_run_at,
            ${thresholdsSql('stored.system_id', 'stored.configuration_id')} AS thresholds,
            ${intervalSecondsSql('stored.configuration_id')} AS interval_seconds,
            EXISTS (SELECT 1 FROM health_states WHERE entity_id = stored.view_id) AS view_exists
       FROM stored LEFT JOIN stream_states previous ON ${sameStream('previous', 'stored')}`,
    values: [
      runs.map((run) => run.systemId),
      runs.map((run) => run.configurationId),
      runs.map((run) => run.environmentId),
      runs.map((run) => run.source),
      runs.map((run) => run.status),
      runs.map((run) => run.latencyMs),
      runs.map((run) => run.message),
      runs.map((run) => JSON.stringify(run.result)),
      runs.map((run) => run.at.toISOString()),
      runs.map((run) => (run.latencyMs === null ? 'z' : sketchKey(run.latencyMs))),
      runs.map((run) => letter[run.status]),
      runs.map((run) => run.scheduledFor.toISOString()),
      runs.map((run) => JSON.stringify(collectorCounts(run.result))),
      runs.map((run) => viewId(run.systemId, run.environmentId)),
    ],
  });
  const byPlace: InsertedRun[] = [];
  for (const { n, ...row } of rows) byPlace[n - 1] = row;
  return byPlace;
}

/** What writing a batch answers: each run's id (undefined: its tick was recorded already) and the outbox ids to publish. */
interface Written {
  runIds: (string | undefined)[];
  eventIds: string[];
}

/**
 * Writes a batch of runs (one per stream) in one transaction holding the locks of all their views,
 * then re-evaluates each view that one of them can change — once, seeing all of the batch's runs:
 * runs committed together are one moment for their view. Returns each run's id (undefined: its
 * tick was recorded already) and the outbox ids to publish.
 */
async function writeRuns(database: Database, runs: RunRecord[]): Promise<Written> {
  const views = runs.map((run) => viewId(run.systemId, run.environmentId));
  return withXactLocks(
    database.lockPool,
    views.map((view) => `health:${view}`),
    async (client) => {
      const inserted = await insertRuns(client, runs);
      const changed = new Map<string, { run: RunRecord; newRuns: NewRun[]; evaluate: boolean }>();
      for (const [index, run] of runs.entries()) {
        const row = inserted[index];
        if (!row) continue;
        const view = views[index]!;
        const entry = changed.get(view) ?? { run, newRuns: [], evaluate: false };
        entry.newRuns.push({ configurationId: run.configurationId, environmentId: run.environmentId, source: run.source, previous: row.previous });
        if (mayChangeView(row, run.status, run.at)) Object.assign(entry, { run, evaluate: true });
        changed.set(view, entry);
      }
      const eventIds: string[] = [];
      for (const { run, newRuns, evaluate } of changed.values()) {
        if (evaluate) eventIds.push(...(await reevaluate(client, run.systemId, run.environmentId ?? undefined, run.configurationId, run.at, newRuns)));
      }
      return { runIds: runs.map((_, index) => inserted[index]?.id), eventIds };
    },
    { asyncCommit: true },
  );
}

interface InsertedRun {
  id: string;
  /** The stream's newest statuses before this run (h/d/u letters, newest first); null for its first run. */
  previous: string | null;
  /** When the stream's newest run before this one was (null for its first run). */
  previous_run_at: Date | null;
  thresholds: StateThresholds | null;
  interval_seconds: number | null;
  view_exists: boolean;
}

/**
 * Pure: whether this run can change its view at all. A view is the worst of its checks, each the
 * worst of its streams; if this stream's own status stays the same, nothing above it moves — so
 * the (comparatively costly) re-evaluation is skipped for most runs. A stream's first run, a view
 * not stored yet, or a stream that may have been stale (SPEC §3.6: it counts again now) is always
 * evaluated.
 */
export function mayChangeView(
  inserted: Pick<InsertedRun, 'previous' | 'thresholds' | 'view_exists'> & Partial<Pick<InsertedRun, 'previous_run_at' | 'interval_seconds'>>,
  status: Status,
  at = new Date(),
): boolean {
  if (inserted.previous === null || !inserted.view_exists) return true;
  if (inserted.previous_run_at && inserted.interval_seconds && isStale(new Date(inserted.previous_run_at), inserted.interval_seconds, at)) return true;
  const thresholds = inserted.thresholds ?? DEFAULT_THRESHOLDS;
  const before = decodeRecent(inserted.previous);
  const after = [status, ...before].slice(0, MAX_EVALUATED_RUNS);
  return evaluateStream(before, thresholds) !== evaluateStream(after, thresholds);
}

function decodeRecent(recent: string): Status[] {
  return [...recent].map((c) => fromLetter[c] ?? 'unhealthy');
}

interface Snapshot {
  system_name: string | null;
  checks: { configurationId: string; environmentIds: string[] | null; thresholds: StateThresholds | null; sources?: CheckSources }[];
  streams: { configurationId: string; environmentId: string | null; source: string; recent: string; lastRunAt?: string }[];
  membership: string[];
  stored: { status: Status; healthyChecks: number; totalChecks: number; since: string } | null;
}

/** Everything one view's evaluation needs, in one round trip. */
async function loadSnapshot(client: pg.PoolClient, systemId: string, view: string): Promise<Snapshot> {
  const { rows } = await client.query<Snapshot>({
    name: 'vigil.snapshot',
    text: `SELECT
       ${systemNameSql('$1')} AS system_name,
       ${enabledChecksSql('$1')} AS checks,
       (SELECT coalesce(json_agg(json_build_object('configurationId', configuration_id, 'environmentId', environment_id,
                                                   'source', source, 'recent', recent, 'lastRunAt', last_run_at)), '[]')
          FROM stream_states WHERE system_id = $1) AS streams,
       ${membershipIdsSql('$1')} AS membership,
       (SELECT json_build_object('status', status, 'healthyChecks', healthy_checks, 'totalChecks', total_checks, 'since', since)
          FROM health_states WHERE entity_id = $2) AS stored`,
    values: [systemId, view],
  });
  return rows[0]!;
}

/**
 * Pure: the snapshot as the evaluator's check states at `now`. A satellite's stream counts while
 * the assignment lists it (a removed satellite's history stays, its verdict does not); the central
 * workers' (`Local`) always does, as run-now and heartbeats record there. A check that runs from
 * several sources gets its quorum, and its silent sources are stale (SPEC §3.6).
 */
export function checkStates(snapshot: Pick<Snapshot, 'checks' | 'streams' | 'membership'>, now = new Date()): CheckState[] {
  return snapshot.checks.map((check) => {
    const sources = check.sources;
    const counted = (source: string) => !sources || source === LOCAL_SOURCE || sources.satelliteIds.includes(source);
    const several = sources !== undefined && (sources.includeLocal ? 1 : 0) + new Set(sources.satelliteIds).size >= 2;
    return {
      configurationId: check.configurationId,
      environmentIds: effectiveEnvironments(check.environmentIds, snapshot.membership),
      streams: snapshot.streams
        .filter((s) => s.configurationId === check.configurationId && counted(s.source))
        .map((s) => ({
          environmentId: s.environmentId,
          source: s.source,
          status: evaluateStream(decodeRecent(s.recent), check.thresholds ?? DEFAULT_THRESHOLDS),
          ...(several && s.lastRunAt && isStale(new Date(s.lastRunAt), sources.intervalSeconds, now) ? { stale: true } : {}),
        })),
      ...(several && sources.quorum ? { quorum: sources.quorum.min } : {}),
    };
  });
}

/** The source of runs made by the central workers (SPEC §1). */
export const LOCAL_SOURCE = 'Local';

/** A run a re-evaluation follows: its stream, and that stream's statuses before it (null: its first). */
interface NewRun {
  configurationId: string;
  environmentId: string | null;
  source: string;
  previous: string | null;
}

/** Pure: the streams as they were before `runs` were stored (each its own one run shorter, or not there yet). */
export function streamsBefore(streams: Snapshot['streams'], runs: readonly NewRun[]): Snapshot['streams'] {
  return streams.flatMap((stream) => {
    const run = runs.find((r) => stream.configurationId === r.configurationId && stream.environmentId === r.environmentId && stream.source === r.source);
    if (!run) return [stream];
    return run.previous === null ? [] : [{ ...stream, recent: run.previous }];
  });
}

/**
 * Re-evaluates one view under its lock and writes what changed; returns the outbox ids to publish.
 * `runs` are the runs just stored, if any: a view with nothing stored is created at its state before them.
 */
async function reevaluate(
  client: pg.PoolClient,
  systemId: string,
  environmentId: string | undefined,
  configurationId: string | null,
  at: Date,
  runs: readonly NewRun[] = [],
): Promise<string[]> {
  const view = viewId(systemId, environmentId);
  const snapshot = await loadSnapshot(client, systemId, view);
  if (snapshot.system_name === null) return []; // the system was deleted meanwhile
  const now = new Date();
  const next = evaluateView(checkStates(snapshot, now), environmentId);
  const stored: StoredView | null = snapshot.stored ? { ...snapshot.stored, since: new Date(snapshot.stored.since) } : null;
  const before = stored === null && runs.length ? evaluateView(checkStates({ ...snapshot, streams: streamsBefore(snapshot.streams, runs) }, now), environmentId) : next;
  const plan = planViewChange({ stored, before, next }, at);
  return applyPlan(client, plan, { view, systemId, environmentId, configurationId, systemName: snapshot.system_name, at });
}

interface PlanContext {
  view: string;
  systemId: string;
  environmentId: string | undefined;
  configurationId: string | null;
  systemName: string;
  at: Date;
}

async function applyPlan(client: pg.PoolClient, plan: ViewChangePlan, ctx: PlanContext): Promise<string[]> {
  if (plan.write === null) {
    await client.query('DELETE FROM health_states WHERE entity_id = $1', [ctx.view]);
    return [];
  }
  if (plan.write) {
    await client.query(
      `INSERT INTO health_states (entity_id, system_id, environment_id, status, healthy_checks, total_checks, since, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, now())
       ON CONFLICT (entity_id) DO UPDATE SET status = excluded.status, healthy_checks = excluded.healthy_checks,
         total_checks = excluded.total_checks, since = excluded.since, updated_at = now()`,
      [ctx.view, ctx.systemId, ctx.environmentId ?? null, plan.write.status, plan.write.healthyChecks, plan.write.totalChecks, plan.write.since],
    );
  }
  // A transition (and its events) must outlive a crash: this commit waits for the disk, whatever
  // the transaction began with (a batch of runs commits asynchronously).
  if (plan.transitions.length) await client.query('SET LOCAL synchronous_commit TO on');
  for (const transition of plan.transitions) {
    await client.query(
      `INSERT INTO transitions (system_id, configuration_id, environment_id, from_status, to_status, transitioned_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [ctx.systemId, ctx.configurationId, ctx.environmentId ?? null, transition.from, transition.to, ctx.at],
    );
  }
  // The change that fires is the last transition: after a created view's own null → status, if any.
  const previous = plan.transitions[plan.transitions.length - 1]?.from;
  if (!plan.triggers.length || !plan.write || !previous) return [];
  const change = { systemId: ctx.systemId, environmentId: ctx.environmentId, systemName: ctx.systemName, previous, next: plan.write, at: ctx.at };
  const events = plan.triggers.map((trigger) => ({ topic: trigger, payload: changePayload(trigger, change) }));
  return writeOutbox(client, events as Omit<BusEvent, 'id'>[]);
}
