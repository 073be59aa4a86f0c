import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HistoryPurge } from '../src/history/purge.ts';
import { DEFAULT_RETENTION, RetentionJob } from '../src/history/retention.ts';
import { silentLogger } from '../src/kernel/log.ts';
import type { Status } from '../src/kernel/status.ts';
import { createTestApi, type TestApi } from './support/api.ts';

/**
 * Tiered retention (SPEC §5.2) over 400 days of history recorded through the real write path, with
 * an injected clock: tier boundaries, days that equal the merge of their hours and runs (nothing
 * counted twice, sketches merged), batched deletes, transition pruning that keeps each system's
 * newest, and once-only runs.
 */

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const end = Math.floor(Date.now() / DAY) * DAY - 5 * HOUR; // a fixed "now", 19:00 UTC yesterday
let api: TestApi;
let systemId: string;
let quietSystemId: string;
let defaultConfig: string;
let customConfig: string;
type Generated = { configurationId: string; at: number; status: Status; latencyMs: number };
const generated: Generated[] = [];
let clock = new Date(end);
const job = (batch = 100) => new RetentionJob(api.database.pool, api.database.lockPool, { platform: DEFAULT_RETENTION, batch, now: () => clock, log: silentLogger() });

async function record(system: string, run: Generated) {
  await api.services.recorder.recordRun({ systemId: system, configurationId: run.configurationId, environmentId: null, source: 'Local', status: run.status, latencyMs: run.latencyMs, message: '', result: {}, scheduledFor: new Date(run.at), at: new Date(run.at) });
}

beforeAll(async () => {
  api = await createTestApi();
  systemId = (await api.call('POST', '/api/v1/systems', { name: 'kept-long' })).body.id;
  quietSystemId = (await api.call('POST', '/api/v1/systems', { name: 'quiet' })).body.id;
  const make = async (name: string) => (await api.call('POST', '/api/v1/configurations', { name, strategy: 'tcp', config: { host: '127.0.0.1', port: 9 }, intervalSeconds: 60 })).body.id;
  defaultConfig = await make('default-days');
  customConfig = await make('custom-days');
  expect((await api.call('POST', '/api/v1/assignments', { systemId, configurationId: defaultConfig })).status).toBe(201);
  const custom = await api.call('POST', '/api/v1/assignments', { systemId, configurationId: customConfig, retention: { rawDays: 2, hourlyDays: 10, dailyDays: 100 } });
  expect(custom.status, JSON.stringify(custom.body)).toBe(201);
  expect((await api.call('POST', '/api/v1/assignments', { systemId: quietSystemId, configurationId: defaultConfig })).status).toBe(201);

  // 400 days: the default check every 6 hours, the custom one every 12; every 10th run fails.
  for (let at = end - 400 * DAY + 7 * 60_000, i = 0; at < end; at += 6 * HOUR, i += 1) {
    const run = { configurationId: defaultConfig, at, status: (i % 10 === 9 ? 'unhealthy' : 'healthy') as Status, latencyMs: 20 + ((i * 37) % 400) };
    generated.push(run);
    await record(systemId, run);
    if (i % 2 === 0) {
      const other = { ...run, configurationId: customConfig, latencyMs: 50 + ((i * 11) % 90) };
      generated.push(other);
      await record(systemId, other);
    }
  }
  // A system whose last change was 200 days ago (its transitions written as such): its newest must stay.
  await record(quietSystemId, { configurationId: defaultConfig, at: end - 210 * DAY, status: 'healthy', latencyMs: 10 });
  await api.database.pool.query('DELETE FROM transitions WHERE system_id = $1', [quietSystemId]);
  for (const [days, from, to] of [[210, null, 'healthy'], [205, 'healthy', 'unhealthy'], [200, 'unhealthy', 'healthy']] as const) {
    await api.database.pool.query('INSERT INTO transitions (system_id, environment_id, from_status, to_status, transitioned_at) VALUES ($1, NULL, $2, $3, $4)', [quietSystemId, from, to, new Date(end - days * DAY)]);
  }
}, 180_000);
afterAll(() => api.close());

const count = async (sql: string, values: unknown[]) => Number((await api.database.pool.query(sql, values)).rows[0].n);
const exactRuns = (configurationId: string, from: number, to: number) => generated.filter((r) => r.configurationId === configurationId && r.at >= from && r.at < to);

async function dayHistory(configurationId: string, from: number, to: number) {
  const query = new URLSearchParams({ systemId, configurationId, bucket: 'day', from: new Date(from).toISOString(), to: new Date(to).toISOString() });
  const response = await api.call('GET', `/api/v1/history?${query}`);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body.points as { start: string; runs: number; unhealthy: number; latency: { p95: number; min: number; max: number } }[];
}

/** Every day in [from, to) answers exactly the runs generated that day (merged days and hours not merged alike). */
async function expectDaysExact(configurationId: string, from: number, to: number) {
  const points = await dayHistory(configurationId, from, to);
  const byDay = new Map(points.map((p) => [Date.parse(p.start), p]));
  for (let day = from; day < to; day += DAY) {
    const runs = exactRuns(configurationId, day, day + DAY);
    const point = byDay.get(day);
    expect(point?.runs ?? 0, new Date(day).toISOString()).toBe(runs.length);
    expect(point?.unhealthy ?? 0).toBe(runs.filter((r) => r.status === 'unhealthy').length);
    if (runs.length) expect([point!.latency.min, point!.latency.max]).toEqual([Math.min(...runs.map((r) => r.latencyMs)), Math.max(...runs.map((r) => r.latencyMs))]);
  }
}

describe('retention over 400 days', () => {
  let dry: Awaited<ReturnType<RetentionJob['run']>>;

  it('says in a dry run what it would do, and changes nothing', async () => {
    const before = await count('SELECT count(*) AS n FROM runs', []);
    dry = await job().run({ dryRun: true });
    expect(dry).toMatchObject({ ran: true, dryRun: true });
    expect(dry.runsDeleted).toBeGreaterThan(0);
    expect(await count('SELECT count(*) AS n FROM runs', [])).toBe(before);
  });

  it('keeps raw runs, hours and days each to their limit, per assignment, and did what the dry run said', async () => {
    const report = await job().run();
    expect(report).toMatchObject({ ran: true, errors: [] });
    expect({ runs: report.runsDeleted, hours: report.hoursDeleted, days: report.daysDeleted, transitions: report.transitionsDeleted }).toEqual({
      runs: dry.runsDeleted, hours: dry.hoursDeleted, days: dry.daysDeleted, transitions: dry.transitionsDeleted,
    });
    for (const [configurationId, days] of [[defaultConfig, DEFAULT_RETENTION], [customConfig, { rawDays: 2, hourlyDays: 10, dailyDays: 100 }]] as const) {
      const where = 'WHERE system_id = $1 AND configuration_id = $2';
      const rawLimit = end - days.rawDays * DAY;
      expect(await count(`SELECT count(*) AS n FROM runs ${where} AND created_at < $3`, [systemId, configurationId, new Date(rawLimit)])).toBe(0);
      expect(await count(`SELECT count(*) AS n FROM runs ${where}`, [systemId, configurationId])).toBe(exactRuns(configurationId, rawLimit, end).length);
      const hourLimit = Math.floor((end - days.hourlyDays * DAY) / HOUR) * HOUR;
      expect(await count(`SELECT count(*) AS n FROM run_hourly ${where} AND hour < $3`, [systemId, configurationId, new Date(hourLimit)])).toBe(0);
      expect(await count(`SELECT count(*) AS n FROM run_hourly ${where} AND hour >= $3`, [systemId, configurationId, new Date(hourLimit)])).toBeGreaterThan(0);
      const dayLimit = Math.floor((end - days.dailyDays * DAY) / DAY) * DAY;
      expect(await count(`SELECT count(*) AS n FROM run_daily ${where} AND day < $3`, [systemId, configurationId, new Date(dayLimit)])).toBe(0);
      expect(await count(`SELECT count(*) AS n FROM run_daily ${where}`, [systemId, configurationId])).toBeGreaterThan(0);
      // History reads the same day by day as the runs generated, across the merge boundary; nothing before the daily limit.
      await expectDaysExact(configurationId, dayLimit, Math.floor(end / DAY) * DAY + DAY);
      expect(await dayHistory(configurationId, dayLimit - 30 * DAY, dayLimit)).toEqual([]);
    }
  });

  it('merges sketches: a merged day’s p95 is within 1 % of the exact p95 of its runs', async () => {
    const day = Math.floor((end - 60 * DAY) / DAY) * DAY;
    const [point] = await dayHistory(defaultConfig, day, day + DAY);
    const latencies = exactRuns(defaultConfig, day, day + DAY).map((r) => r.latencyMs).sort((a, b) => a - b);
    const exact = latencies[Math.ceil(0.95 * latencies.length) - 1]!;
    expect(Math.abs(point!.latency.p95 - exact) / exact).toBeLessThanOrEqual(0.01);
  });

  it('prunes transitions past the largest raw limit of the system, keeping each system’s newest', async () => {
    const old = new Date(end - DEFAULT_RETENTION.rawDays * DAY);
    expect(await count('SELECT count(*) AS n FROM transitions WHERE system_id = $1 AND transitioned_at < $2', [systemId, old])).toBe(0);
    expect(await count('SELECT count(*) AS n FROM transitions WHERE system_id = $1', [systemId])).toBeGreaterThan(0);
    const quiet = await api.database.pool.query('SELECT to_status, transitioned_at FROM transitions WHERE system_id = $1', [quietSystemId]);
    expect(quiet.rows).toHaveLength(1);
    expect(quiet.rows[0].transitioned_at.getTime()).toBe(end - 200 * DAY);
  });

  it('runs once a day across processes: a second run the same day is skipped, two at once run once', async () => {
    expect(await job().run()).toMatchObject({ ran: false, skipped: expect.stringMatching(/^it ran at/) });
    clock = new Date(end + DAY);
    const both = await Promise.all([job(7).run(), job(7).run()]);
    expect(both.filter((r) => r.ran)).toHaveLength(1);
    expect(both.find((r) => !r.ran)!.skipped).toMatch(/another process|it ran at/);
  });

  it('a day later, history still matches the runs exactly: nothing merged twice', async () => {
    const from = Math.floor((end + DAY - 365 * DAY) / DAY) * DAY;
    await expectDaysExact(defaultConfig, from, Math.floor(end / DAY) * DAY + DAY);
    const forced = await job().run({ force: true });
    expect({ runs: forced.runsDeleted, hours: forced.hoursDeleted, days: forced.daysDeleted }).toEqual({ runs: 0, hours: 0, days: 0 });
    await expectDaysExact(defaultConfig, from, Math.floor(end / DAY) * DAY + DAY);
  });
});

describe('an assignment’s retention', () => {
  it('refuses a coarser tier kept shorter than a finer one, naming the field', async () => {
    const response = await api.call('POST', '/api/v1/assignments', { systemId: quietSystemId, configurationId: customConfig, retention: { rawDays: 20, hourlyDays: 10 } });
    expect(response.status).toBe(400);
    expect(response.body.error.details[0]).toEqual({ path: 'retention.hourlyDays', message: 'expected at least rawDays (20)' });
  });
});

describe('deleting a system or a check', () => {
  it('answers at once and removes its history in the background, in batches, leaving the rest', async () => {
    const doomed = (await api.call('POST', '/api/v1/systems', { name: 'doomed' })).body.id;
    const doomedCheck = (await api.call('POST', '/api/v1/configurations', { name: 'doomed-check', strategy: 'tcp', config: { host: '127.0.0.1', port: 9 }, intervalSeconds: 60 })).body.id;
    for (let i = 0; i < 30; i++) {
      const at = end - i * HOUR;
      await record(doomed, { configurationId: defaultConfig, at, status: 'healthy', latencyMs: 5 });
      await record(systemId, { configurationId: doomedCheck, at, status: 'healthy', latencyMs: 5 });
    }
    const rows = async (column: string, id: string) => {
      let n = 0;
      for (const table of ['runs', 'run_hourly', 'run_daily']) n += await count(`SELECT count(*) AS n FROM ${table} WHERE ${column} = $1`, [id]);
      return n;
    };
    const othersBefore = await count('SELECT count(*) AS n FROM runs WHERE system_id = $1 AND configuration_id = $2', [systemId, defaultConfig]);
    expect((await api.call('DELETE', `/api/v1/systems/${doomed}`)).status).toBe(204);
    expect((await api.call('DELETE', `/api/v1/configurations/${doomedCheck}`)).status).toBe(204);
    expect(await rows('system_id', doomed)).toBeGreaterThan(0); // still there: the delete did not wait for it
    expect(await new HistoryPurge(api.database.pool, silentLogger(), 7).run()).toBeGreaterThan(60);
    expect(await rows('system_id', doomed)).toBe(0);
    expect(await rows('configuration_id', doomedCheck)).toBe(0);
    expect(await count('SELECT count(*) AS n FROM runs WHERE system_id = $1 AND configuration_id = $2', [systemId, defaultConfig])).toBe(othersBefore);
    expect(await new HistoryPurge(api.database.pool, silentLogger()).run()).toBe(0);
  });
});
