import type pg from 'pg';
import { membershipIdsSql, systemNameSql } from '../catalog/read.ts';
import { enabledChecksSql, intervalSecondsSql, thresholdsSql, type CheckSources } from '../checks/read.ts';
import type { StateThresholds } from '../checks/model.ts';
import type { Database } from '../db/database.ts';
import { withXactLock } from '../db/locks.ts';
import { effectiveEnvironments } from '../definitions/environments.ts';
import type { EventBus } from '../events/bus.ts';
import { writeOutbox, type OutboxRelay } from '../events/outbox.ts';
import type { Logger } from '../kernel/log.ts';
import { CHECK_FAILED, RUN_COMPLETED, type BusEvent } from '../events/topics.ts';
import { changePayload, planViewChange, type StoredView, type ViewChangePlan } from './changes.ts';
import { DEFAULT_THRESHOLDS, MAX_EVALUATED_RUNS, evaluateStream, evaluateView, isStale, viewId, type CheckState, type Status } from './evaluate.ts';
import { collectorCounts } from './collector-counts.ts';
import { sketchKey } from './sketch.ts';

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

/**
 * The write side of health (SPEC §4.1): a run is stored, aggregated and its view re-evaluated in
 * one transaction holding `health:<viewId>`, so N concurrent evaluations of one view — on any
 * number of processes — record exactly one transition and one change event per real change.
 */
export class HealthRecorder {
  constructor(
    private readonly database: Database,
    private readonly relay: OutboxRelay,
    private readonly bus: EventBus,
    private readonly log: Logger,
  ) {}

  /**
   * Stores one run and re-evaluates the view it belongs to: its environment's view, or for an
   * env-less run the system's rollup. Returns the run's id, or undefined when this tick of this
   * stream was already recorded (nothing is written twice).
   */
  async recordRun(run: RunRecord): Promise<string | undefined> {
    const view = viewId(run.systemId, run.environmentId);
    const { runId, eventIds } = await withXactLock(this.database.lockPool, `health:${view}`, async (client) => {
      const inserted = await insertRun(client, run);
      if (!inserted) return { runId: undefined, eventIds: [] };
      const newRun = { configurationId: run.configurationId, environmentId: run.environmentId, source: run.source, previous: inserted.previous };
      const eventIds = mayChangeView(inserted, run.status, run.at)
        ? await reevaluate(client, run.systemId, run.environmentId ?? undefined, run.configurationId, run.at, newRun)
        : [];
      return { runId: inserted.id, eventIds };
    });
    if (!runId) return undefined;
    // The run first, then what it changed: a live view reads them in the order they happened.
    await this.announceRun(runId, run);
    await this.relay.deliver(eventIds);
    return runId;
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
 * Adds the run (`$1`… of insertRun, from its `run` CTE) to its bucket of one tier: counts and sums
 * added, min/max kept, its sketch key counted, collector counts merged.
 */
function bucketUpsert(table: 'run_hourly' | 'run_daily', column: 'hour' | 'day', bucketOf: string): string {
  return `INSERT INTO ${table} AS b (system_id, configuration_id, environment_id, source, ${column}, run_count, healthy_count, degraded_count,
                                    unhealthy_count, latency_count, latency_sum, latency_min, latency_max, latency_sketch, collectors)
       SELECT $1, $2, $3, $4, ${bucketOf}, 1, ($5 = 'healthy')::int, ($5 = 'degraded')::int, ($5 = 'unhealthy')::int,
              ($6::int IS NOT NULL)::int, coalesce($6::int, 0), $6::int, $6::int,
              CASE WHEN $6::int IS NULL THEN '{}'::jsonb ELSE jsonb_build_object($10::text, 1) END, $13::jsonb
         FROM run
       ON CONFLICT ON CONSTRAINT ${table}_bucket_key DO UPDATE SET
         run_count = b.run_count + 1,
         healthy_count = b.healthy_count + excluded.healthy_count,
         degraded_count = b.degraded_count + excluded.degraded_count,
         unhealthy_count = b.unhealthy_count + excluded.unhealthy_count,
         latency_count = b.latency_count + excluded.latency_count,
         latency_sum = b.latency_sum + excluded.latency_sum,
         latency_min = least(b.latency_min, excluded.latency_min),
         latency_max = greatest(b.latency_max, excluded.latency_max),
         latency_sketch = CASE WHEN $6::int IS NULL THEN b.latency_sketch
           ELSE jsonb_set(coalesce(b.latency_sketch, '{}'::jsonb), ARRAY[$10::text], to_jsonb(coalesce((b.latency_sketch ->> $10::text)::int, 0) + 1)) END,
         collectors = vigil_merge_counts(b.collectors, excluded.collectors)`;
}

/**
 * One statement: the run, its hourly and daily buckets (SPEC §5.1–5.2) and its stream's newest
 * statuses. The daily bucket is kept current with every run rather than merged from hours later:
 * a dashboard's 90 days then read 90 rows per system instead of 2,160, and a run that arrives
 * late (a satellite's buffer) still lands in both tiers. Nothing at all when this stream already
 * has a run for this tick (a retried job): returns undefined.
 */
async function insertRun(client: pg.PoolClient, run: RunRecord): Promise<InsertedRun | undefined> {
  const { rows } = await client.query<InsertedRun>({
    name: 'vigil.insert-run',
    text: `WITH previous AS (
       SELECT recent, last_run_at FROM stream_states
        WHERE system_id = $1 AND configuration_id = $2 AND environment_id IS NOT DISTINCT FROM $3::uuid AND source = $4
     ), run AS (
       INSERT INTO runs (system_id, configuration_id, environment_id, source, status, latency_ms, message, result, scheduled_for, created_at)
       VALUES ($1, $2, $3, $4, $5, $6::int, $7, $8, $12, $9)
       ON CONFLICT ON CONSTRAINT runs_tick_key DO NOTHING RETURNING id
     ), hourly AS (
       ${bucketUpsert('run_hourly', 'hour', "date_trunc('hour', $9::timestamptz)")}
     ), daily AS (
       ${bucketUpsert('run_daily', 'day', "date_bin('1 day', $9::timestamptz, 'epoch')")}
     ), stream AS (
       INSERT INTO stream_states AS s (system_id, configuration_id, environment_id, source, recent, last_run_at)
       SELECT $1, $2, $3, $4, $11, $9 FROM run
       ON CONFLICT ON CONSTRAINT stream_states_stream_key DO UPDATE SET
         recent = left(excluded.recent || s.recent, ${MAX_EVALUATED_RUNS}),
         last_run_at = greatest(s.last_run_at, excluded.last_run_at)
     )
     SELECT run.id, (SELECT recent FROM previous) AS previous, (SELECT last_run_at FROM previous) AS previous_run_at,
            ${thresholdsSql('$1', '$2')} AS thresholds, ${intervalSecondsSql('$2')} AS interval_seconds,
            EXISTS (SELECT 1 FROM health_states WHERE entity_id = $14) AS view_exists
       FROM run`,
    values: [
      run.systemId,
      run.configurationId,
      run.environmentId,
      run.source,
      run.status,
      run.latencyMs,
      run.message,
      run.result,
      run.at,
      run.latencyMs === null ? 'z' : sketchKey(run.latencyMs),
      letter[run.status],
      run.scheduledFor,
      JSON.stringify(collectorCounts(run.result)),
      viewId(run.systemId, run.environmentId),
    ],
  });
  return rows[0];
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

/** The run a re-evaluation follows: its stream, and that stream's statuses before it (null: its first). */
interface NewRun {
  configurationId: string;
  environmentId: string | null;
  source: string;
  previous: string | null;
}

/** Pure: the streams as they were before `run` was stored (its own one run shorter, or not there yet). */
export function streamsBefore(streams: Snapshot['streams'], run: NewRun): Snapshot['streams'] {
  return streams.flatMap((stream) => {
    const isRunStream = stream.configurationId === run.configurationId && stream.environmentId === run.environmentId && stream.source === run.source;
    if (!isRunStream) return [stream];
    return run.previous === null ? [] : [{ ...stream, recent: run.previous }];
  });
}

/**
 * Re-evaluates one view under its lock and writes what changed; returns the outbox ids to publish.
 * `run` is the run just stored, if any: a view with nothing stored is created at its state before it.
 */
async function reevaluate(
  client: pg.PoolClient,
  systemId: string,
  environmentId: string | undefined,
  configurationId: string | null,
  at: Date,
  run?: NewRun,
): Promise<string[]> {
  const view = viewId(systemId, environmentId);
  const snapshot = await loadSnapshot(client, systemId, view);
  if (snapshot.system_name === null) return []; // the system was deleted meanwhile
  const now = new Date();
  const next = evaluateView(checkStates(snapshot, now), environmentId);
  const stored: StoredView | null = snapshot.stored ? { ...snapshot.stored, since: new Date(snapshot.stored.since) } : null;
  const before = stored === null && run ? evaluateView(checkStates({ ...snapshot, streams: streamsBefore(snapshot.streams, run) }, now), environmentId) : next;
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
