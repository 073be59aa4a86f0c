import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBuckets } from '../src/health/tiers.ts';
import type { Status } from '../src/kernel/status.ts';
import { createTestApi, type TestApi } from './support/api.ts';

/**
 * History over ranges (SPEC §5.3) against runs recorded through the real write path: counts,
 * uptime and average latency from the buckets equal a computation over the raw runs exactly;
 * percentiles from merged sketches are within 1 % of the exact percentile of the raw runs.
 */

let api: TestApi;
let systemId: string;
let configurationId: string;
const HOUR = 3_600_000;
// Three whole UTC days ending at the start of the current hour, so nothing lies in the future.
const end = Math.floor(Date.now() / HOUR) * HOUR;
const start = end - 72 * HOUR;
interface Generated { at: number; status: Status; latencyMs: number | null }
const runs: Generated[] = [];

/** A seeded generator: the same runs every time, with a long-tailed latency distribution. */
function random(seed: number) {
  let state = seed;
  return () => ((state = (state * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
}

beforeAll(async () => {
  api = await createTestApi();
  systemId = (await api.call('POST', '/api/v1/systems', { name: 'measured' })).body.id;
  configurationId = (await api.call('POST', '/api/v1/configurations', { name: 'measured-tcp', strategy: 'tcp', config: { host: '127.0.0.1', port: 9 }, intervalSeconds: 60, enabled: false })).body.id;
  const next = random(42);
  const count = 2400;
  for (let i = 0; i < count; i += 1) {
    const roll = next();
    const status: Status = roll < 0.9 ? 'healthy' : roll < 0.95 ? 'degraded' : 'unhealthy';
    // Exponential with a 120 ms mean plus 5 ms, and now and then no latency at all (a refused connection).
    const latencyMs = roll > 0.98 ? null : Math.round(5 - 120 * Math.log(1 - next()));
    runs.push({ at: start + Math.floor((i * (end - start)) / count) + 17, status, latencyMs });
  }
  for (const run of runs) {
    await api.services.recorder.recordRun({
      systemId, configurationId, environmentId: null, source: 'Local', status: run.status, latencyMs: run.latencyMs,
      message: '', result: {}, scheduledFor: new Date(run.at), at: new Date(run.at),
    });
  }
}, 120_000);
afterAll(() => api.close());

/** The exact answer over raw runs in [from, to). */
function exact(from: number, to: number) {
  const inside = runs.filter((r) => r.at >= from && r.at < to);
  const latencies = inside.flatMap((r) => (r.latencyMs === null ? [] : [r.latencyMs])).sort((a, b) => a - b);
  const rank = (q: number) => latencies[Math.max(1, Math.ceil(q * latencies.length)) - 1]!;
  const unhealthy = inside.filter((r) => r.status === 'unhealthy').length;
  return {
    runs: inside.length,
    healthy: inside.filter((r) => r.status === 'healthy').length,
    degraded: inside.filter((r) => r.status === 'degraded').length,
    unhealthy,
    uptime: inside.length ? ((inside.length - unhealthy) / inside.length) * 100 : null,
    avg: latencies.length ? latencies.reduce((s, v) => s + v, 0) / latencies.length : null,
    min: latencies[0] ?? null,
    max: latencies.at(-1) ?? null,
    p50: rank(0.5), p95: rank(0.95), p99: rank(0.99),
  };
}

type Answer = { runs: number; healthy: number; degraded: number; unhealthy: number; uptime: number | null; latency: Record<string, number | null> };
function expectExact(answer: Answer, from: number, to: number, label: string) {
  const want = exact(from, to);
  expect({ runs: answer.runs, healthy: answer.healthy, degraded: answer.degraded, unhealthy: answer.unhealthy }, label).toEqual({ runs: want.runs, healthy: want.healthy, degraded: want.degraded, unhealthy: want.unhealthy });
  expect(answer.uptime, label).toBeCloseTo(want.uptime!, 9);
  expect(answer.latency.avg, label).toBeCloseTo(want.avg!, 2);
  expect([answer.latency.min, answer.latency.max], label).toEqual([want.min, want.max]);
  for (const q of ['p50', 'p95', 'p99'] as const) {
    const relative = Math.abs(answer.latency[q]! - want[q]) / want[q];
    expect(relative, `${label} ${q}: ${answer.latency[q]} vs exact ${want[q]}`).toBeLessThanOrEqual(0.01);
  }
}

const query = async (params: Record<string, string>) => {
  const response = await api.call('GET', `/api/v1/history?${new URLSearchParams({ systemId, ...params })}`);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
};
const iso = (ms: number) => new Date(ms).toISOString();

describe('GET /api/v1/history', () => {
  it('answers hourly buckets that equal the raw runs of each hour, and the total of the range', async () => {
    const answer = await query({ from: iso(start), to: iso(end), bucket: 'hour' });
    expect(answer).toMatchObject({ bucket: 'hour', tier: 'hourly', from: iso(start) });
    expect(answer.points).toHaveLength(72);
    for (const point of answer.points) {
      const from = Date.parse(point.start);
      expectExact(point, from, from + HOUR, point.start);
    }
    expectExact(answer.total, start, end, 'total');
  });

  it('answers daily buckets (hours not merged yet) and 5-minute buckets from raw runs the same way', async () => {
    const days = await query({ from: iso(start), to: iso(end), bucket: 'day' });
    expect(days.tier).toBe('daily');
    for (const point of days.points) {
      const from = Math.max(Date.parse(point.start), start);
      expectExact(point, from, Math.min(Date.parse(point.start) + 24 * HOUR, end), point.start);
    }
    expectExact(days.total, start, end, 'daily total');
    const recent = await query({ from: iso(end - 6 * HOUR), to: iso(end), bucket: '5m' });
    expect(recent.tier).toBe('raw');
    expect(recent.points).toHaveLength(72);
    for (const point of recent.points) {
      const from = Date.parse(point.start);
      expect(point.runs).toBe(exact(from, from + 300_000).runs);
    }
    expectExact(recent.total, end - 6 * HOUR, end, '5m total');
  });

  it('picks the coarsest bucket that still gives 50 points with bucket=auto', async () => {
    expect((await query({ from: iso(end - 72 * HOUR), to: iso(end) })).bucket).toBe('hour');
    expect((await query({ from: iso(end - 3 * HOUR), to: iso(end) })).bucket).toBe('5m');
    expect((await query({ from: iso(end - 60 * 24 * HOUR), to: iso(end) })).bucket).toBe('day');
  });

  it('filters by check and refuses what it cannot answer with the field named', async () => {
    const other = await query({ configurationId: '00000000-0000-4000-8000-000000000000', from: iso(start), to: iso(end), bucket: 'hour' });
    expect(other.total.runs).toBe(0);
    const many = await api.call('GET', `/api/v1/history?systemId=${systemId}&bucket=5m&from=${iso(end - 365 * 24 * HOUR)}&to=${iso(end)}`);
    expect(many.status).toBe(400);
    expect(many.body.error.details[0].path).toBe('bucket');
    const backwards = await api.call('GET', `/api/v1/history?systemId=${systemId}&from=${iso(end)}&to=${iso(start)}`);
    expect(backwards.body.error.details[0]).toEqual({ path: 'to', message: 'expected a time after from' });
    const unknown = await api.call('GET', '/api/v1/history?systemId=00000000-0000-4000-8000-000000000000');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details[0].path).toBe('systemId');
  });
});

describe('GET /api/v1/uptime', () => {
  it('answers each range and a 90-day series equal to the raw runs', async () => {
    const response = await api.call('GET', `/api/v1/uptime?systemIds=${systemId}&ranges=24h,48h,7d,90d`);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    const [system] = response.body.items;
    const now = Date.now();
    const hourStart = Math.floor(now / HOUR) * HOUR;
    const today = Math.floor(now / (24 * HOUR)) * 24 * HOUR;
    const [h24, h48, d7, d90] = system.ranges;
    expect(h24.runs).toBe(exact(hourStart - 23 * HOUR, hourStart + HOUR).runs);
    expect(h24.uptime).toBeCloseTo(exact(hourStart - 23 * HOUR, hourStart + HOUR).uptime!, 9);
    expect(h48.runs).toBe(exact(hourStart - 47 * HOUR, hourStart + HOUR).runs);
    expect(d7.runs).toBe(exact(today - 6 * 24 * HOUR, today + 24 * HOUR).runs);
    expect(d90.runs).toBe(runs.length);
    expect(d90.latencyAvg).toBeCloseTo(exact(0, end).avg!, 2);
    expect(system.days.runs).toHaveLength(90);
    expect(system.days.uptime).toHaveLength(90);
    expect(system.days.from).toBe(new Date(today - 89 * 24 * HOUR).toISOString().slice(0, 10));
    expect(system.days.runs.reduce((sum: number, n: number) => sum + n, 0)).toBe(runs.length);
    expect(system.days.runs.at(-1)).toBe(exact(today, today + 24 * HOUR).runs);
  });

  it('counts a run that arrives late for a closed day and hour (dashboards keep closed buckets per process)', async () => {
    const ask = async () => (await api.call('GET', `/api/v1/uptime?systemIds=${systemId}&ranges=24h,7d`)).body.items[0];
    const before = await ask();
    const late = Math.floor(Date.now() / HOUR) * HOUR - 2 * HOUR + 123; // two hours ago, in a closed hour
    await api.services.recorder.recordRun({ systemId, configurationId, environmentId: null, source: 'late-satellite', status: 'unhealthy', latencyMs: 5, message: '', result: {}, scheduledFor: new Date(late), at: new Date(late) });
    const after = await ask();
    expect(after.ranges[0].runs).toBe(before.ranges[0].runs + 1);
    expect(after.ranges[1].runs).toBe(before.ranges[1].runs + 1);
    for (const table of ['runs', 'run_hourly', 'run_daily']) await api.database.pool.query(`DELETE FROM ${table} WHERE source = 'late-satellite'`);
  });

  it('answers the systems of a group, and every system without a filter', async () => {
    const group = await api.call('POST', '/api/v1/groups', { name: 'measured-group', systemIds: [systemId] });
    const byGroup = await api.call('GET', `/api/v1/uptime?groupId=${group.body.id}&ranges=7d`);
    expect(byGroup.body.items.map((i: { systemId: string }) => i.systemId)).toEqual([systemId]);
    const all = await api.call('GET', '/api/v1/uptime?ranges=7d');
    expect(all.body.items.map((i: { systemId: string }) => i.systemId)).toContain(systemId);
    const bad = await api.call('GET', `/api/v1/uptime?systemIds=${systemId}&ranges=5y`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('ranges');
  });
});

describe('the dashboard query', () => {
  it('walks the per-system index of its tier and never touches a finer one', async () => {
    // The tables here are small enough for a sequential scan to win; with it off the planner shows
    // whether an index serves the query at all (at dashboard scale it is the cheaper plan anyway).
    const client = await api.database.pool.connect();
    try {
      await client.query('BEGIN; SET LOCAL enable_seqscan = off');
      const explained = async (size: 'hour' | 'day') => {
        const plans: string[] = [];
        const spy = { query: async (text: string, values: unknown[]) => {
          const { rows } = await client.query(`EXPLAIN ${text}`, values);
          plans.push(rows.map((r) => r['QUERY PLAN']).join('\n'));
          return { rows: [] };
        } } as unknown as import('pg').Pool;
        await readBuckets(spy, { systemIds: [systemId] }, size, new Date(start), new Date(end), { perSystem: true, sketches: false });
        return plans.join('\n');
      };
      const day = await explained('day');
      // A plain or a bitmap walk of the per-system index: the planner picks either by its estimates.
      expect(day).toMatch(/Index (Only )?Scan (using|on) run_daily_system_day_idx/);
      expect(day).not.toMatch(/on (runs|run_hourly)\b/);
      expect(await explained('hour')).toMatch(/Index (Only )?Scan (using|on) run_hourly_system_hour_idx/);
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});
