import type pg from 'pg';
import { readBuckets, type BucketRow, type BucketSize } from '../health/tiers.ts';

/**
 * Count sums of closed buckets (hours and days that have ended), kept per process for dashboards:
 * a closed bucket only changes when a run arrives late for it, and the process hears of every run
 * on the event bus (`forget`). So a dashboard of a thousand systems reads the buckets still open
 * (this hour, today) and only the closed buckets it has not seen, instead of 90 days × 1,000
 * systems each time. Entries also expire after `ttlMs`, in case a bus message was lost.
 */

type Sums = Omit<BucketRow, 'systemId' | 'start' | 'sketch'>;

interface Entry {
  /** The closed buckets held: every bucket starting in [from, to) is known (absent = no runs). */
  from: number;
  to: number;
  buckets: Map<number, Sums>;
  loadedAt: number;
}

export class ClosedBuckets {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly pool: pg.Pool,
    private readonly size: BucketSize,
    private readonly options: { ttlMs?: number; maxSystems?: number; now?: () => number } = {},
  ) {}

  /** A run for this system landed in a bucket that may be closed: read its buckets again. */
  forget(systemId: string, at: Date): void {
    const entry = this.entries.get(systemId);
    if (entry && at.getTime() < entry.to) this.entries.delete(systemId);
  }

  /**
   * The closed buckets in [from, to) of each system (to: the start of the bucket still open),
   * reading from the database only those this process does not hold yet.
   */
  async read(systemIds: string[], from: number, to: number): Promise<Map<string, Map<number, Sums>>> {
    const now = (this.options.now ?? Date.now)();
    const ttl = this.options.ttlMs ?? 600_000;
    // Systems needing the same range are read together: after the first call, usually all of them need just the newest bucket.
    const wanted = new Map<string, { from: number; to: number; systemIds: string[] }>();
    for (const systemId of systemIds) {
      let entry = this.entries.get(systemId);
      if (entry && (now - entry.loadedAt > ttl || entry.from > from || entry.to > to)) {
        this.entries.delete(systemId);
        entry = undefined;
      }
      const need = entry ? { from: entry.to, to } : { from, to };
      if (need.from >= need.to) continue;
      const key = `${need.from}:${need.to}`;
      const group = wanted.get(key) ?? { ...need, systemIds: [] };
      group.systemIds.push(systemId);
      wanted.set(key, group);
    }
    await Promise.all(
      [...wanted.values()].map(async (group) => {
        const rows = await readBuckets(this.pool, { systemIds: group.systemIds }, this.size, new Date(group.from), new Date(group.to), { perSystem: true, sketches: false });
        for (const systemId of group.systemIds) {
          const entry = this.entries.get(systemId) ?? { from: group.from, to: group.from, buckets: new Map(), loadedAt: now };
          entry.to = group.to;
          this.entries.set(systemId, entry);
        }
        for (const { systemId, start, sketch: _sketch, ...sums } of rows) this.entries.get(systemId!)!.buckets.set(start.getTime(), sums);
      }),
    );
    const answer = new Map<string, Map<number, Sums>>();
    for (const systemId of systemIds) {
      const entry = this.entries.get(systemId)!;
      // Buckets that slid out of the window are dropped, so memory stays one window per system.
      for (const start of entry.buckets.keys()) if (start < from) entry.buckets.delete(start);
      entry.from = Math.max(entry.from, from);
      answer.set(systemId, entry.buckets);
    }
    if (this.entries.size > (this.options.maxSystems ?? 50_000)) this.entries.clear();
    return answer;
  }
}
