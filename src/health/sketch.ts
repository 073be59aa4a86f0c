/**
 * A mergeable latency sketch with 1 % relative accuracy (logarithmic buckets, as in DDSketch):
 * hourly buckets each keep one, daily buckets merge them, and a percentile over any range comes
 * from the merged sketch rather than from the max of per-bucket percentiles (SPEC §5.3).
 * Stored as JSON `{bucketKey: count}`; a few dozen keys for a typical hour.
 */
export type Sketch = Record<string, number>;

const RELATIVE_ACCURACY = 0.01;
const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);
const ZERO = 'z';

/** The bucket a latency (ms) falls in; the SQL upsert increments this key. */
export function sketchKey(latencyMs: number): string {
  return latencyMs <= 0 ? ZERO : String(Math.ceil(Math.log(latencyMs) / LOG_GAMMA));
}

/** The same key computed in SQL over a latency column, for sketches built from raw runs. */
export const SKETCH_KEY_SQL = (column: string) => `CASE WHEN ${column} <= 0 THEN '${ZERO}' ELSE ceil(ln(${column}) / ${LOG_GAMMA})::int::text END`;

function bucketValue(key: string): number {
  return key === ZERO ? 0 : (2 * GAMMA ** Number(key)) / (GAMMA + 1);
}

export function addToSketch(sketch: Sketch, latencyMs: number): Sketch {
  const key = sketchKey(latencyMs);
  return { ...sketch, [key]: (sketch[key] ?? 0) + 1 };
}

export function mergeSketches(...sketches: Sketch[]): Sketch {
  const merged: Sketch = {};
  for (const sketch of sketches) for (const [key, count] of Object.entries(sketch)) merged[key] = (merged[key] ?? 0) + count;
  return merged;
}

/** The q-quantile (0–1) within 1 % relative error, or null for an empty sketch. */
export function sketchQuantile(sketch: Sketch, q: number): number | null {
  const entries = Object.entries(sketch)
    .map(([key, count]) => ({ value: bucketValue(key), count }))
    .sort((a, b) => a.value - b.value);
  const total = entries.reduce((sum, e) => sum + e.count, 0);
  if (!total) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const entry of entries) {
    seen += entry.count;
    if (seen >= rank) return entry.value;
  }
  return entries.at(-1)!.value;
}
