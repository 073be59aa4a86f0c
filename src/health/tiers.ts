import type pg from 'pg';
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
 * Buckets of `size` starting in [from, to): 5-minute buckets from raw runs, hourly from the hourly
 * tier, daily from the daily tier plus the hours not merged into it yet (the two never overlap:
 * an hour leaves the hourly tier in the transaction that adds it to a day).
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
    text = `SELECT ${system}start, ${bucketColumns(sketches)} FROM (
        SELECT system_id, day AS start, run_count, healthy_count, degraded_count, unhealthy_count, latency_count, latency_sum, latency_min, latency_max, latency_sketch
          FROM run_daily WHERE ${where} AND day >= $1 AND day < $2
        UNION ALL
        SELECT system_id, date_bin('1 day', hour, 'epoch'), run_count, healthy_count, degraded_count, unhealthy_count, latency_count, latency_sum, latency_min, latency_max, latency_sketch
          FROM run_hourly WHERE ${where} AND hour >= $1 AND hour < $2
      ) b GROUP BY ${system}start ORDER BY ${system}start`;
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

/** Deletes up to `batch` raw runs older than `before`; answers how many went (0: none left). */
export async function deleteRunsBefore(pool: pg.Pool, stream: Stream, before: Date, batch: number): Promise<number> {
  const { rowCount } = await pool.query(
    `DELETE FROM runs WHERE id IN (
       SELECT id FROM runs WHERE configuration_id = $1 AND system_id = $2 AND created_at < $3 ORDER BY created_at LIMIT $4)`,
    [stream.configurationId, stream.systemId, before, batch],
  );
  return rowCount ?? 0;
}

/**
 * Moves up to `batch` hourly buckets older than `before` into their days, in one statement (one
 * transaction): counts and sums added, min/max kept, sketches and collector counts merged, upserted
 * on the day's key. Answers how many hourly rows moved.
 */
export async function mergeHoursIntoDays(pool: pg.Pool, stream: Stream, before: Date, batch: number): Promise<number> {
  const { rows } = await pool.query(
    `WITH moved AS (
       DELETE FROM run_hourly WHERE ctid IN (
         SELECT ctid FROM run_hourly WHERE configuration_id = $1 AND system_id = $2 AND hour < $3 ORDER BY hour LIMIT $4)
       RETURNING *
     ), days AS (
       SELECT system_id, configuration_id, environment_id, source, date_bin('1 day', hour, 'epoch') AS day,
              sum(run_count)::int AS run_count, sum(healthy_count)::int AS healthy_count, sum(degraded_count)::int AS degraded_count,
              sum(unhealthy_count)::int AS unhealthy_count, sum(latency_count)::int AS latency_count, sum(latency_sum)::bigint AS latency_sum,
              min(latency_min) AS latency_min, max(latency_max) AS latency_max, vigil_sum_sketches(latency_sketch) AS latency_sketch,
              vigil_sum_counts(collectors) AS collectors
         FROM moved GROUP BY system_id, configuration_id, environment_id, source, date_bin('1 day', hour, 'epoch')
     ), upserted AS (
       INSERT INTO run_daily AS d (system_id, configuration_id, environment_id, source, day, run_count, healthy_count, degraded_count,
                                   unhealthy_count, latency_count, latency_sum, latency_min, latency_max, latency_sketch, collectors)
       SELECT system_id, configuration_id, environment_id, source, day, run_count, healthy_count, degraded_count,
              unhealthy_count, latency_count, latency_sum, latency_min, latency_max, latency_sketch, collectors FROM days
       ON CONFLICT ON CONSTRAINT run_daily_bucket_key DO UPDATE SET
         run_count = d.run_count + excluded.run_count,
         healthy_count = d.healthy_count + excluded.healthy_count,
         degraded_count = d.degraded_count + excluded.degraded_count,
         unhealthy_count = d.unhealthy_count + excluded.unhealthy_count,
         latency_count = d.latency_count + excluded.latency_count,
         latency_sum = d.latency_sum + excluded.latency_sum,
         latency_min = least(d.latency_min, excluded.latency_min),
         latency_max = greatest(d.latency_max, excluded.latency_max),
         latency_sketch = vigil_add_sketches(d.latency_sketch, excluded.latency_sketch),
         collectors = vigil_merge_counts(d.collectors, excluded.collectors)
       RETURNING 1
     )
     SELECT (SELECT count(*) FROM moved)::int AS moved, (SELECT count(*) FROM upserted)::int AS days`,
    [stream.configurationId, stream.systemId, before, batch],
  );
  return rows[0].moved as number;
}

/** Deletes up to `batch` daily buckets older than `before`. */
export async function deleteDaysBefore(pool: pg.Pool, stream: Stream, before: Date, batch: number): Promise<number> {
  const { rowCount } = await pool.query(
    `DELETE FROM run_daily WHERE ctid IN (
       SELECT ctid FROM run_daily WHERE configuration_id = $1 AND system_id = $2 AND day < $3 LIMIT $4)`,
    [stream.configurationId, stream.systemId, before, batch],
  );
  return rowCount ?? 0;
}

/** How much each step would touch (for a dry run). */
export async function countPastLimits(pool: pg.Pool, stream: Stream, limits: { raw: Date; hourly: Date; daily: Date }): Promise<{ runs: number; hours: number; days: number }> {
  const { rows } = await pool.query(
    `SELECT (SELECT count(*) FROM runs WHERE configuration_id = $1 AND system_id = $2 AND created_at < $3)::int AS runs,
            (SELECT count(*) FROM run_hourly WHERE configuration_id = $1 AND system_id = $2 AND hour < $4)::int AS hours,
            -- Days past the limit once the hours before it have been merged into days.
            (SELECT count(*) FROM (SELECT day FROM run_daily WHERE configuration_id = $1 AND system_id = $2 AND day < $5
                                   UNION SELECT date_bin('1 day', hour, 'epoch') FROM run_hourly
                                          WHERE configuration_id = $1 AND system_id = $2 AND hour < least($4, $5)) d)::int AS days`,
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
