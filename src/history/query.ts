import type { BucketRow, BucketSize } from '../health/tiers.ts';
import { mergeSketches, sketchQuantile } from '../health/sketch.ts';
import { ValidationError } from '../kernel/errors.ts';

/**
 * Pure decisions of history queries (SPEC §5.3): which tier answers a range, and how bucket sums
 * become the numbers people read. Counts, uptime and average latency are sums, so they are exact
 * over any union of buckets; percentiles come from the merged sketch of the whole bucket, never
 * from the largest of the parts' percentiles.
 */

export const BUCKET_MS: Record<BucketSize, number> = { '5m': 300_000, hour: 3_600_000, day: 86_400_000 };
/** `auto` picks the coarsest tier that still gives at least this many points. */
export const AUTO_MIN_POINTS = 50;
/** No answer has more points than this (5-minute buckets over a year would be 105,120). */
export const MAX_POINTS = 5_000;

export type Tier = 'raw' | 'hourly' | 'daily';
export const TIER_OF: Record<BucketSize, Tier> = { '5m': 'raw', hour: 'hourly', day: 'daily' };

/** The bucket size for [from, to): the one asked, or with `auto` the coarsest giving ≥ 50 points. */
export function chooseBucket(from: Date, to: Date, requested: BucketSize | 'auto'): BucketSize {
  const span = to.getTime() - from.getTime();
  if (span <= 0) throw new ValidationError([{ path: 'to', message: 'expected a time after from' }]);
  const size = requested !== 'auto' ? requested : (['day', 'hour'] as const).find((s) => span / BUCKET_MS[s] >= AUTO_MIN_POINTS) ?? '5m';
  const points = Math.ceil(span / BUCKET_MS[size]);
  if (points > MAX_POINTS) {
    throw new ValidationError([{ path: 'bucket', message: `${size} buckets over this range would be ${points} points; expected at most ${MAX_POINTS} (use a larger bucket or a shorter range)` }]);
  }
  return size;
}

/** The start of the bucket `at` falls in (buckets are aligned to the Unix epoch, in UTC). */
export function bucketStart(at: Date, size: BucketSize): Date {
  return new Date(Math.floor(at.getTime() / BUCKET_MS[size]) * BUCKET_MS[size]);
}

export interface Latency {
  avg: number | null;
  min: number | null;
  max: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
}

export interface Point {
  start: string;
  runs: number;
  healthy: number;
  degraded: number;
  unhealthy: number;
  /** Runs that were not unhealthy, in % of runs (degraded is up, but degraded); null with no runs. */
  uptime: number | null;
  latency: Latency;
}

/** Sums of several buckets (a range, a total). */
export function combine(rows: readonly BucketRow[]): Omit<BucketRow, 'start' | 'systemId'> {
  const total = { runs: 0, healthy: 0, degraded: 0, unhealthy: 0, latencyCount: 0, latencySum: 0, latencyMin: null as number | null, latencyMax: null as number | null };
  for (const row of rows) {
    total.runs += row.runs;
    total.healthy += row.healthy;
    total.degraded += row.degraded;
    total.unhealthy += row.unhealthy;
    total.latencyCount += row.latencyCount;
    total.latencySum += row.latencySum;
    if (row.latencyMin !== null) total.latencyMin = total.latencyMin === null ? row.latencyMin : Math.min(total.latencyMin, row.latencyMin);
    if (row.latencyMax !== null) total.latencyMax = total.latencyMax === null ? row.latencyMax : Math.max(total.latencyMax, row.latencyMax);
  }
  return { ...total, sketch: mergeSketches(...rows.map((row) => row.sketch)) };
}

export function uptimePercent(runs: number, unhealthy: number): number | null {
  return runs ? ((runs - unhealthy) / runs) * 100 : null;
}

export function latencyOf(sums: Pick<BucketRow, 'latencyCount' | 'latencySum' | 'latencyMin' | 'latencyMax' | 'sketch'>): Latency {
  const quantile = (q: number) => {
    const value = sketchQuantile(sums.sketch, q);
    return value === null ? null : round(value);
  };
  return {
    avg: sums.latencyCount ? round(sums.latencySum / sums.latencyCount) : null,
    min: sums.latencyMin,
    max: sums.latencyMax,
    p50: quantile(0.5),
    p95: quantile(0.95),
    p99: quantile(0.99),
  };
}

export function toPoint(row: BucketRow): Point {
  return {
    start: row.start.toISOString(),
    runs: row.runs,
    healthy: row.healthy,
    degraded: row.degraded,
    unhealthy: row.unhealthy,
    uptime: uptimePercent(row.runs, row.unhealthy),
    latency: latencyOf(row),
  };
}

/** Three decimals: a latency in ms or a percentage needs no more. */
function round(value: number): number {
  return Math.round(value * 1000) / 1000;
}

const RANGE = /^(\d{1,3})(h|d)$/;

/** `24h`, `7d`… → milliseconds; at most 365 days. */
export function parseRange(range: string, path = 'ranges'): number {
  const match = RANGE.exec(range);
  const ms = match ? Number(match[1]) * (match[2] === 'h' ? 3_600_000 : 86_400_000) : 0;
  if (!ms || ms > 365 * 86_400_000) throw new ValidationError([{ path, message: `expected ranges like 24h, 7d, 30d, 90d (at most 365d), got "${range}"` }]);
  return ms;
}
