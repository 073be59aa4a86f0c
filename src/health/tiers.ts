import type pg from 'pg';
import { systemExistsSql } from '../catalog/read.ts';
import { configurationExistsSql } from '../checks/read.ts';
import { SKETCH_KEY_SQL, type Sketch } from './sketch.ts';

/**
 * The tiers of run history as other domains use them (history/ reads ranges and runs retention):
 * raw runs, hourly buckets, daily buckets (SPEC §5). The tables stay health's, written with every
 * run; these are the only other ways into them.
 */

/** Which streams: one system or many, and optionally one configuration, environment, source. */
export interface StreamFilter {
  systemIds: string[];
  configurationId?: string;
  environmentId?: string;
  source?: string;
}

export type BucketSize = '5m' | 'hour' | 'day';

/** One bucket's sums over every stream the filter takes in (per system when asked). */
export interface BucketRow {
  systemId?: string;
  start: Date;
  runs: number;
  healthy: number;
  degraded: number;
  unhealthy: number;
  latencyCount: number;
  latencySum: number;
  latencyMin: number | null;
  latencyMax: number | null;
  sketch: Sketch;
}

const COUNT_COLUMNS = `sum(run_count)::int AS runs, sum(healthy_count)::int AS healthy, sum(degraded_count)::int AS degraded,
  sum(unhealthy_count)::int AS unhealthy, sum(latency_count)::int AS latency_count, sum(latency_sum)::float8 AS latency_sum,
  min(latency_min) AS latency_min, max(latency_max) AS latency_max`;
const bucketColumns = (sketches: boolean) => `${COUNT_COLUMNS}, ${sketches ? 'vigil_sum_sketches(latency_sketch)' : 'NULL::jsonb'} AS sketch`;

function streamConditions(filter: StreamFilter, values: unknown[]): string {
  values.push(filter.systemIds);
  const conditions = [`system_id = ANY($${values.length}::uuid[])`];
  if (filter.configurationId) conditions.push(`configuration_id = $${values.push(filter.configurationId)}`);
  if (filter.environmentId) conditions.push(`environment_id = $${values.push(filter.environmentId)}`);
  if (filter.source) conditions.push(`source = $${values.push(filter.source)}`);
  return conditions.join(' AND ');
}

/**
 * Buckets of `size` starting in [from, to): 5-minute buckets from raw runs, hourly and daily from
 * their tiers (both written with every run).
 */
export async function readBuckets(
  pool: pg.Pool,
  filter: StreamFilter,
  size: BucketSize,
  from: Date,
  to: Date,
  options: { perSystem?: boolean; sketches?: boolean } = {},
): Promise<BucketRow[]> {
  const perSystem = options.perSystem ?? false;
  // Merging sketches is the costly part; counts and averages (uptime) need none.
  const sketches = options.sketches ?? true;
  const values: unknown[] = [from, to];
  const where = streamConditions(filter, values);
  const system = perSystem ? 'system_id, ' : '';
  let text: string;
  if (size === '5m') {
    text = `WITH r AS (
        SELECT ${system}date_bin('5 minutes', created_at, 'epoch') AS start, status, latency_ms
          FROM runs WHERE ${where} AND created_at >= $1 AND created_at < $2
      ), keys AS (
        SELECT ${system}start, ${SKETCH_KEY_SQL('latency_ms')} AS k, count(*) AS n FROM r WHERE latency_ms IS NOT NULL GROUP BY ${system}start, k
      ), sketches AS (
        SELECT ${system}start, jsonb_object_agg(k, n) AS sketch FROM keys GROUP BY ${system}start
      )
      SELECT ${perSystem ? 'r.system_id, ' : ''}r.start, count(*)::int AS runs, count(*) FILTER (WHERE status = 'healthy')::int AS healthy,
             count(*) FILTER (WHERE status = 'degraded')::int AS degraded, count(*) FILTER (WHERE status = 'unhealthy')::int AS unhealthy,
             count(latency_ms)::int AS latency_count, coalesce(sum(latency_ms), 0)::float8 AS latency_sum, min(latency_ms) AS latency_min,
             max(latency_ms) AS latency_max, coalesce(min(s.sketch::text), '{}')::jsonb AS sketch
        FROM r LEFT JOIN sketches s ON s.start = r.start${perSystem ? ' AND s.system_id = r.system_id' : ''}
       GROUP BY ${perSystem ? 'r.system_id, ' : ''}r.start ORDER BY ${perSystem ? 'r.system_id, ' : ''}r.start`;
  } else if (size === 'hour') {
    text = `SELECT ${system}hour AS start, ${bucketColumns(sketches)} FROM run_hourly
             WHERE ${where} AND hour >= $1 AND hour < $2 GROUP BY ${system}hour ORDER BY ${system}hour`;
  } else {
    text = `SELECT ${system}day AS start, ${bucketColumns(sketches)} FROM run_daily
             WHERE ${where} AND day >= $1 AND day < $2 GROUP BY ${system}day ORDER BY ${system}day`;
  }
  const { rows } = await pool.query(text, values);
  return rows.map((row) => ({
    ...(perSystem ? { systemId: row.system_id as string } : {}),
    start: row.start as Date,
    runs: row.runs,
    healthy: row.healthy,
    degraded: row.degraded,
    unhealthy: row.unhealthy,
    latencyCount: row.latency_count,
    latencySum: Number(row.latency_sum),
    latencyMin: row.latency_min,
    latencyMax: row.latency_max,
    sketch: (row.sketch ?? {}) as Sketch,
  }));
}

// ── retention (SPEC §5.2) ───────────────────────────────────────────────────

/** One (system, configuration) pair's history: what an assignment's retention applies to. */
export interface Stream {
  systemId: string;
  configurationId: string;
}

/** Every stream that has aggregated history (raw runs always have their hour). */
export async function readHistoryStreams(pool: pg.Pool): Promise<Stream[]> {
  const { rows } = await pool.query(
    `SELECT DISTINCT system_id, configuration_id FROM run_hourly UNION SELECT DISTINCT system_id, configuration_id FROM run_daily`,
  );
  return rows.map((row) => ({ systemId: row.system_id, configurationId: row.configuration_id }));
}

/** Deletes up to `batch` rows of one stream older than `before` from a tier; answers how many went (short of `batch`: none left). */
async function deleteBefore(pool: pg.Pool, table: 'runs' | 'run_hourly' | 'run_daily', column: 'created_at' | 'hour' | 'day', stream: Stream, before: Date, batch: number): Promise<number> {
  const { rowCount } = await pool.query(
    `DELETE FROM ${table} WHERE ctid IN (
       SELECT ctid FROM ${table} WHERE configuration_id = $1 AND system_id = $2 AND ${column} < $3 LIMIT $4)`,
    [stream.configurationId, stream.systemId, before, batch],
  );
  return rowCount ?? 0;
}

export const deleteRunsBefore = (pool: pg.Pool, stream: Stream, before: Date, batch: number) => deleteBefore(pool, 'runs', 'created_at', stream, before, batch);
/** Hourly buckets past their days (their runs are in the daily tier already). */
export const deleteHoursBefore = (pool: pg.Pool, stream: Stream, before: Date, batch: number) => deleteBefore(pool, 'run_hourly', 'hour', stream, before, batch);
export const deleteDaysBefore = (pool: pg.Pool, stream: Stream, before: Date, batch: number) => deleteBefore(pool, 'run_daily', 'day', stream, before, batch);

/** How much each step would touch (for a dry run). */
export async function countPastLimits(pool: pg.Pool, stream: Stream, limits: { raw: Date; hourly: Date; daily: Date }): Promise<{ runs: number; hours: number; days: number }> {
  const { rows } = await pool.query(
    `SELECT (SELECT count(*) FROM runs WHERE configuration_id = $1 AND system_id = $2 AND created_at < $3)::int AS runs,
            (SELECT count(*) FROM run_hourly WHERE configuration_id = $1 AND system_id = $2 AND hour < $4)::int AS hours,
            (SELECT count(*) FROM run_daily WHERE configuration_id = $1 AND system_id = $2 AND day < $5)::int AS days`,
    [stream.configurationId, stream.systemId, limits.raw, limits.hourly, limits.daily],
  );
  return rows[0];
}

/**
 * Deletes a system's transitions older than `before`, always keeping its newest one (SPEC §5.2);
 * up to `batch` at a time. Answers how many went.
 */
export async function pruneTransitions(pool: pg.Pool, systemId: string, before: Date, batch: number, dryRun = false): Promise<number> {
  const candidates = `SELECT id FROM transitions t WHERE t.system_id = $1 AND t.transitioned_at < $2
      AND t.id <> (SELECT id FROM transitions n WHERE n.system_id = $1 ORDER BY n.transitioned_at DESC, n.seq DESC LIMIT 1)`;
  if (dryRun) {
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM (${candidates}) c`, [systemId, before]);
    return rows[0].n;
  }
  const { rowCount } = await pool.query(`DELETE FROM transitions WHERE id IN (${candidates} LIMIT $3)`, [systemId, before, batch]);
  return rowCount ?? 0;
}

/** Status counts of the newest raw runs over several windows ending at `now` (one index walk). */
export async function countRecentRuns(pool: pg.Pool, filter: StreamFilter, now: Date, windowsMs: number[]): Promise<{ runs: number; healthy: number; degraded: number }[]> {
  const values: unknown[] = [now, Math.max(...windowsMs)];
  const where = streamConditions(filter, values);
  const columns = windowsMs.map((ms) => {
    const since = `$1::timestamptz - make_interval(secs => ${ms / 1000})`;
    return `count(*) FILTER (WHERE created_at >= ${since})::int AS runs_${ms}, count(*) FILTER (WHERE created_at >= ${since} AND status = 'healthy')::int AS healthy_${ms},
            count(*) FILTER (WHERE created_at >= ${since} AND status = 'degraded')::int AS degraded_${ms}`;
  });
  const { rows } = await pool.query(
    `SELECT ${columns.join(', ')} FROM runs WHERE ${where} AND created_at >= $1::timestamptz - make_interval(secs => $2::float8 / 1000) AND created_at < $1`,
    values,
  );
  const row = rows[0] ?? {};
  return windowsMs.map((ms) => ({ runs: row[`runs_${ms}`] ?? 0, healthy: row[`healthy_${ms}`] ?? 0, degraded: row[`degraded_${ms}`] ?? 0 }));
}

/**
 * Streams whose system or configuration was deleted (SPEC §6.3): their history stays until
 * purgeStream removes it. Every stream with history has daily buckets (written with every run).
 */
export async function readOrphanStreams(pool: pg.Pool): Promise<Stream[]> {
  const { rows } = await pool.query(
    `SELECT DISTINCT system_id, configuration_id FROM run_daily d
      WHERE NOT ${systemExistsSql('d.system_id')} OR NOT ${configurationExistsSql('d.configuration_id')}`,
  );
  return rows.map((row) => ({ systemId: row.system_id, configurationId: row.configuration_id }));
}

/** Deletes up to `batch` rows of each tier of the stream; answers how many went in all. */
export async function purgeStream(pool: pg.Pool, stream: Stream, batch: number): Promise<number> {
  const everything = new Date(8.64e15);
  let deleted = 0;
  for (const [table, column] of [['runs', 'created_at'], ['run_hourly', 'hour'], ['run_daily', 'day']] as const) {
    deleted += await deleteBefore(pool, table, column, stream, everything, batch);
  }
  return deleted;
}
