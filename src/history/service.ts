import type pg from 'pg';
import { readBuckets, type BucketRow, type BucketSize, type StreamFilter } from '../health/tiers.ts';
import { ClosedBuckets } from './closed-buckets.ts';

type BucketSums = Omit<BucketRow, 'systemId' | 'start' | 'sketch'>;
import { BUCKET_MS, TIER_OF, bucketStart, chooseBucket, combine, parseRange, toPoint, uptimePercent, type Point, type Tier } from './query.ts';

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
  private readonly closedDays: ClosedBuckets;
  private readonly closedHours: ClosedBuckets;

  constructor(
    private readonly pool: pg.Pool,
    private readonly now: () => Date = () => new Date(),
  ) {
    const clock = { now: () => this.now().getTime() };
    this.closedDays = new ClosedBuckets(pool, 'day', clock);
    this.closedHours = new ClosedBuckets(pool, 'hour', clock);
  }

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
   * the hourly tier over the last N hours, longer ones from whole UTC days (today included).
   * Closed hours and days come from this process's ClosedBuckets; only the open hour and today,
   * and closed buckets not seen yet, are read.
   */
  async uptime(systemIds: string[], ranges: string[]): Promise<SystemUptime[]> {
    const now = this.now();
    const spans = ranges.map((range) => ({ range, ms: parseRange(range) }));
    const today = bucketStart(now, 'day').getTime();
    const hour = bucketStart(now, 'hour').getTime();
    const dayCount = Math.max(SERIES_DAYS, ...spans.filter((s) => s.ms > 48 * HOUR).map((s) => Math.ceil(s.ms / DAY)));
    const hourCount = Math.max(0, ...spans.filter((s) => s.ms <= 48 * HOUR).map((s) => Math.ceil(s.ms / HOUR)));
    const [closedDays, openDays, closedHours, openHours] = await Promise.all([
      this.closedDays.read(systemIds, today - (dayCount - 1) * DAY, today),
      readBuckets(this.pool, { systemIds }, 'day', new Date(today), new Date(today + DAY), { perSystem: true, sketches: false }),
      hourCount ? this.closedHours.read(systemIds, hour - (hourCount - 1) * HOUR, hour) : Promise.resolve(new Map<string, Map<number, BucketSums>>()),
      hourCount ? readBuckets(this.pool, { systemIds }, 'hour', new Date(hour), new Date(hour + HOUR), { perSystem: true, sketches: false }) : Promise.resolve([]),
    ]);
    const openDay = new Map(openDays.map((row) => [row.systemId!, row]));
    const openHour = new Map(openHours.map((row) => [row.systemId!, row]));
    const seriesFrom = new Date(today - (SERIES_DAYS - 1) * DAY).toISOString().slice(0, 10);
    return systemIds.map((systemId) => {
      const days = closedDays.get(systemId) ?? new Map<number, BucketSums>();
      const hours = closedHours.get(systemId) ?? new Map<number, BucketSums>();
      const rangeUptime = spans.map(({ range, ms }): RangeUptime => {
        const byHour = ms <= 48 * HOUR;
        const [buckets, open, unit, openStart] = byHour ? [hours, openHour.get(systemId), HOUR, hour] : [days, openDay.get(systemId), DAY, today];
        // A plain loop over the window's bucket starts: a thousand systems × four ranges stay cheap.
        let runs = open?.runs ?? 0;
        let unhealthy = open?.unhealthy ?? 0;
        let latencyCount = open?.latencyCount ?? 0;
        let latencySum = open?.latencySum ?? 0;
        for (let start = openStart - (Math.ceil(ms / unit) - 1) * unit; start < openStart; start += unit) {
          const sums = buckets.get(start);
          if (!sums) continue;
          runs += sums.runs;
          unhealthy += sums.unhealthy;
          latencyCount += sums.latencyCount;
          latencySum += sums.latencySum;
        }
        return { range, runs, uptime: uptimePercent(runs, unhealthy), latencyAvg: latencyCount ? Math.round((latencySum / latencyCount) * 1000) / 1000 : null };
      });
      const first = today - (SERIES_DAYS - 1) * DAY;
      const series: SystemUptime['days'] = { from: seriesFrom, runs: [], uptime: [] };
      for (let day = first; day <= today; day += DAY) {
        const sums = day === today ? openDay.get(systemId) : days.get(day);
        const uptime = sums ? uptimePercent(sums.runs, sums.unhealthy) : null;
        series.runs.push(sums?.runs ?? 0);
        series.uptime.push(uptime === null ? null : Math.round(uptime * 1000) / 1000);
      }
      return { systemId, ranges: rangeUptime, days: series };
    });
  }

  /** A run was recorded (any process): closed buckets it landed in are read again. */
  forget(systemId: string, at: Date): void {
    this.closedDays.forget(systemId, at);
    this.closedHours.forget(systemId, at);
  }
}
