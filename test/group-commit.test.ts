import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, type Database } from '../src/db/database.ts';
import { createMemoryBus } from '../src/events/bus.ts';
import { OutboxRelay } from '../src/events/outbox.ts';
import { HealthRecorder, type RunRecord } from '../src/health/recorder.ts';
import { silentLogger } from '../src/kernel/log.ts';
import { createTestApi, type TestApi } from './support/api.ts';

/**
 * Group commit (issue 25): runs that finish together are written as one statement and one commit,
 * yet every rule of SPEC §4.1 holds as it did for one run per transaction — across recorders on
 * separate connection pools, as on separate processes.
 */

let api: TestApi;
let other: { database: Database; recorder: HealthRecorder };
let configurationId: string;
const systemIds: string[] = [];
const SYSTEMS = 12;

beforeAll(async () => {
  api = await createTestApi();
  configurationId = (await api.call('POST', '/api/v1/configurations', { name: 'batched', strategy: 'tcp', config: { host: '127.0.0.1', port: 9 }, intervalSeconds: 60 })).body.id;
  // Enabled (its health is evaluated) but never scheduled: this file starts no scheduler.
  for (let i = 0; i < SYSTEMS; i++) {
    const id = (await api.call('POST', '/api/v1/systems', { name: `batched-${i}` })).body.id as string;
    await api.call('POST', '/api/v1/assignments', { systemId: id, configurationId });
    systemIds.push(id);
  }
  // A second recorder with pools of its own: what another worker process would be.
  const database = createDatabase(api.database.connection, { log: silentLogger(), description: 'second process' });
  const bus = createMemoryBus();
  other = { database, recorder: new HealthRecorder(database, new OutboxRelay(database.pool, bus, silentLogger()), bus, silentLogger()) };
}, 60_000);
afterAll(async () => {
  await other?.database.close();
  await api?.close();
});

const MINUTE = 60_000;
const base = Math.floor(Date.now() / MINUTE) * MINUTE - 30 * MINUTE;
const run = (systemId: string, tick: number, status: RunRecord['status']): RunRecord => ({
  systemId, configurationId, environmentId: null, source: 'Local', status, latencyMs: 5 + tick, message: `tick ${tick}`,
  result: { connected: status === 'healthy' }, scheduledFor: new Date(base + tick * MINUTE), at: new Date(base + tick * MINUTE),
});
const query = async <T>(sql: string, params: unknown[] = []) => (await api.database.pool.query(sql, params)).rows as T[];

describe('group commit', () => {
  it('records each tick once and each real transition once when two recorders write the same runs at the same moment', async () => {
    // Ticks 0–1 healthy, 2–6 unhealthy (the default thresholds: degraded at 2 failures, unhealthy at 5),
    // every run handed to both recorders at once, all systems together.
    const statuses: RunRecord['status'][] = ['healthy', 'healthy', 'unhealthy', 'unhealthy', 'unhealthy', 'unhealthy', 'unhealthy'];
    for (const [tick, status] of statuses.entries()) {
      const runs = systemIds.map((systemId) => run(systemId, tick, status));
      const answers = await Promise.all([...runs.map((r) => api.services.recorder.recordRun(r)), ...runs.map((r) => other.recorder.recordRun(r))]);
      // Of each pair, exactly one recorder stored the run; the other was told it was there already.
      for (let i = 0; i < runs.length; i++) expect([answers[i], answers[i + runs.length]].filter(Boolean)).toHaveLength(1);
    }
    const [counts] = await query<{ runs: number; hourly: number }>(
      `SELECT (SELECT count(*)::int FROM runs WHERE configuration_id = $1) AS runs,
              (SELECT sum(run_count)::int FROM run_hourly WHERE configuration_id = $1) AS hourly`,
      [configurationId],
    );
    expect(counts).toEqual({ runs: SYSTEMS * statuses.length, hourly: SYSTEMS * statuses.length });
    const transitions = await query<{ system_id: string; steps: string }>(
      `SELECT system_id, string_agg(coalesce(from_status, '∅') || '→' || to_status, ' ' ORDER BY seq) AS steps
         FROM transitions WHERE system_id = ANY($1::uuid[]) AND environment_id IS NULL GROUP BY system_id`,
      [systemIds],
    );
    expect(transitions).toHaveLength(SYSTEMS);
    for (const row of transitions) expect(row.steps).toBe('∅→healthy healthy→degraded degraded→unhealthy');
    const health = await query<{ status: string }>('SELECT status FROM health_states WHERE entity_id = ANY($1::text[])', [systemIds]);
    expect(health.map((h) => h.status)).toEqual(Array(SYSTEMS).fill('unhealthy'));
  });

  it('writes a stream’s runs handed over at once in the order given (a satellite’s backlog)', async () => {
    const systemId = systemIds[0]!;
    const backlog = [7, 8, 9, 10].map((tick) => run(systemId, tick, tick % 2 ? 'healthy' : 'unhealthy'));
    const ids = await Promise.all(backlog.map((r) => api.services.recorder.recordRun(r)));
    expect(ids.every(Boolean)).toBe(true);
    const [stream] = await query<{ recent: string }>('SELECT recent FROM stream_states WHERE system_id = $1 AND configuration_id = $2', [systemId, configurationId]);
    // Newest first: tick 10 (u), 9 (h), 8 (u), 7 (h), then the five failures before.
    expect(stream!.recent.slice(0, 5)).toBe('uhuhu');
  });

  it('fails only the run that cannot be stored; its batch’s other runs are written', async () => {
    const doomed = (await api.call('POST', '/api/v1/systems', { name: 'deleted-meanwhile' })).body.id as string;
    await api.call('POST', '/api/v1/assignments', { systemId: doomed, configurationId });
    await api.call('DELETE', `/api/v1/systems/${doomed}`);
    const answers = await Promise.allSettled([run(systemIds[1]!, 20, 'healthy'), run(doomed, 20, 'healthy'), run(systemIds[2]!, 20, 'healthy')].map((r) => api.services.recorder.recordRun(r)));
    expect(answers.map((a) => a.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(answers.filter((a) => a.status === 'fulfilled').every((a) => typeof (a as PromiseFulfilledResult<unknown>).value === 'string')).toBe(true);
  });

  it('drain() returns once everything handed over is written', async () => {
    const pending = [40, 41, 42].map((tick) => other.recorder.recordRun(run(systemIds[3]!, tick, 'healthy')));
    await other.recorder.drain();
    const [row] = await query<{ n: number }>('SELECT count(*)::int AS n FROM runs WHERE system_id = $1 AND scheduled_for >= $2', [systemIds[3], new Date(base + 40 * MINUTE)]);
    expect(row!.n).toBe(3);
    expect((await Promise.all(pending)).every(Boolean)).toBe(true);
  });
});
