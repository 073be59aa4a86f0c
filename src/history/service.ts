import type pg from 'pg';
import { readBuckets, type BucketRow, type BucketSize, type StreamFilter } from '../health/tiers.ts';
import { BUCKET_MS, TIER_OF, bucketStart, chooseBucket, combine, latencyOf, parseRange, toPoint, uptimePercent, type Latency, type Point, type Tier } from './query.ts';

export interface HistoryQuery {
  systemId: string;
  configurationId?: string;
  environmentId?: string;
  source?: string;
  from: Date;
  to: Date;
  bucket: BucketSize | 'auto';
}

export interface HistoryAnswer {
  bucket: BucketSize;
  tier: Tier;
  from: string;
  to: string;
  total: Omit<Point, 'start'>;
  points: Point[];
}

export interface RangeUptime {
  range: string;
  runs: number;
  uptime: number | null;
  latencyAvg: number | null;
}

export interface SystemUptime {
  systemId: string;
  ranges: RangeUptime[];
  /**
   * The last 90 UTC days, oldest first (today last), for 90-day bars, as columns: a thousand
   * systems' series stay about a megabyte. Uptime to 3 decimals; null on a day without runs.
   */
  days: { from: string; runs: number[]; uptime: (number | null)[] };
}

const DAY = BUCKET_MS.day;
const HOUR = BUCKET_MS.hour;
const SERIES_DAYS = 90;

/** History over ranges and uptime for dashboards (SPEC §5.3), answered from the cheapest tier. */
export class HistoryService {
  constructor(
    private readonly pool: pg.Pool,
    private readonly now: () => Date = () => new Date(),
  ) {}

  async history(query: HistoryQuery): Promise<HistoryAnswer> {
    const bucket = chooseBucket(query.from, query.to, query.bucket);
    // Whole buckets only: a range that starts mid-bucket starts at that bucket.
    const from = bucketStart(query.from, bucket);
    const filter: StreamFilter = { systemIds: [query.systemId], configurationId: query.configurationId, environmentId: query.environmentId, source: query.source };
    const rows = await readBuckets(this.pool, filter, bucket, from, query.to);
    const total = combine(rows);
    const { start: _start, ...summary } = toPoint({ ...total, start: from });
    return { bucket, tier: TIER_OF[bucket], from: from.toISOString(), to: query.to.toISOString(), total: summary, points: rows.map(toPoint) };
  }

  /**
   * Uptime of many systems over ranges ending now: ranges in whole hours (up to 48 h) come from
   * the hourly tier over the last N hours, longer ones from whole UTC days (today included). One
   * query per tier for every system together.
   */
  async uptime(systemIds: string[], ranges: string[]): Promise<SystemUptime[]> {
    const now = this.now();
    const spans = ranges.map((range) => ({ range, ms: parseRange(range) }));
    const today = bucketStart(now, 'day');
    const longestDays = Math.max(SERIES_DAYS, ...spans.filter((s) => s.ms > 48 * HOUR).map((s) => Math.ceil(s.ms / DAY)));
    const dayFrom = new Date(today.getTime() - (longestDays - 1) * DAY);
    const end = new Date(today.getTime() + DAY);
    const hourSpans = spans.filter((s) => s.ms <= 48 * HOUR);
    const hourFrom = new Date(bucketStart(now, 'hour').getTime() - (Math.max(0, ...hourSpans.map((s) => Math.ceil(s.ms / HOUR))) - 1) * HOUR);
    const [days, hours] = await Promise.all([
      readBuckets(this.pool, { systemIds }, 'day', dayFrom, end, { perSystem: true, sketches: false }),
      hourSpans.length ? readBuckets(this.pool, { systemIds }, 'hour', hourFrom, end, { perSystem: true, sketches: false }) : Promise.resolve([]),
    ]);
    const bySystem = (rows: BucketRow[]) => {
      const map = new Map<string, BucketRow[]>();
      for (const row of rows) map.set(row.systemId!, [...(map.get(row.systemId!) ?? []), row]);
      return map;
    };
    const daysOf = bySystem(days);
    const hoursOf = bySystem(hours);
    return systemIds.map((systemId) => {
      const ownDays = daysOf.get(systemId) ?? [];
      const ownHours = hoursOf.get(systemId) ?? [];
      const rangeUptime = spans.map(({ range, ms }): RangeUptime => {
        const rows =
          ms <= 48 * HOUR
            ? ownHours.filter((r) => r.start.getTime() > bucketStart(now, 'hour').getTime() - Math.ceil(ms / HOUR) * HOUR)
            : ownDays.filter((r) => r.start.getTime() > today.getTime() - Math.ceil(ms / DAY) * DAY);
        const sums = combine(rows);
        const latency: Latency = latencyOf(sums);
        return { range, runs: sums.runs, uptime: uptimePercent(sums.runs, sums.unhealthy), latencyAvg: latency.avg };
      });
      const byDay = new Map(ownDays.map((r) => [r.start.getTime(), r]));
      const first = today.getTime() - (SERIES_DAYS - 1) * DAY;
      const series: SystemUptime['days'] = { from: new Date(first).toISOString().slice(0, 10), runs: [], uptime: [] };
      for (let day = first; day <= today.getTime(); day += DAY) {
        const row = byDay.get(day);
        const uptime = row ? uptimePercent(row.runs, row.unhealthy) : null;
        series.runs.push(row?.runs ?? 0);
        series.uptime.push(uptime === null ? null : Math.round(uptime * 1000) / 1000);
      }
      return { systemId, ranges: rangeUptime, days: series };
    });
  }
}
