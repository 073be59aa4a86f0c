import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServices } from '../app.ts';
import { createDatabase } from '../db/database.ts';
import { loadSchedules } from '../engine/desired-schedules.ts';
import { createMemoryBus } from '../events/bus.ts';
import { silentLogger } from '../kernel/log.ts';
import { createMemoryQueue } from '../queue/memory.ts';
import { createTestApi, type TestApi } from '../../test/support/api.ts';
import { PingLimiter } from './limit.ts';

/** SPEC §2.11 through the real app: pings over HTTP, the recorder, the sweep on a real database. */
const secretKey = randomBytes(32);
let api: TestApi;
beforeAll(async () => {
  api = await createTestApi({ pingLimiter: new PingLimiter({ perMinute: 5 }) }, { secretKey });
});
afterAll(() => api.close());

let serial = 0;
async function heartbeatCheck(config: Record<string, unknown> = { period: '5m', grace: '1m' }, extra: Record<string, unknown> = {}) {
  serial += 1;
  const system = (await api.call('POST', '/api/v1/systems', { name: `hb-system-${serial}` })).body;
  const created = await api.call('POST', '/api/v1/configurations', { name: `hb-check-${serial}`, strategy: 'heartbeat', config, intervalSeconds: 60, ...extra });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const assignment = await api.call('POST', '/api/v1/assignments', { systemId: system.id, configurationId: created.body.id });
  expect(assignment.status).toBe(201);
  return { system, configuration: created.body, assignment: assignment.body, path: new URL(assignment.body.pingUrl).pathname };
}

const ping = (path: string, init: RequestInit = {}) => api.app.request(path, init);
const runsOf = async (systemId: string) => (await api.call('GET', `/api/v1/runs?systemId=${systemId}`)).body.items as { status: string; message: string; latencyMs: number | null; result: any }[];

describe('heartbeat configurations', () => {
  it.each([
    { config: { period: '5m', schedule: '0 3 * * *' }, path: 'config.period', message: /exactly one of period/ },
    { config: { grace: '1m' }, path: 'config.period', message: /exactly one of period/ },
    { config: { schedule: '0 3 * * *', timezone: 'Mars/Olympus' }, path: 'config.timezone', message: /IANA time zone/ },
    { config: { schedule: '61 3 * * *' }, path: 'config.schedule', message: /cron pattern/ },
    { config: { period: '5 minutes' }, path: 'config.period', message: /duration such as "90s"/ },
    { config: { period: '5m', timezone: 'UTC' }, path: 'config.timezone', message: /only with schedule/ },
  ])('refuses $config', async ({ config, path, message }) => {
    const response = await api.call('POST', '/api/v1/configurations', { name: `bad-${JSON.stringify(config)}`, strategy: 'heartbeat', config, intervalSeconds: 60 });
    expect(response.status).toBe(400);
    const detail = response.body.error.details.find((d: { path: string }) => d.path === path);
    expect(detail?.message, JSON.stringify(response.body)).toMatch(message);
  });

  it('gives each heartbeat assignment its own unguessable pingUrl, in every answer, and no other assignment one', async () => {
    const { assignment, system } = await heartbeatCheck({ schedule: '0 3 * * *', timezone: 'Europe/Berlin', grace: '30m' });
    expect(assignment.pingUrl).toMatch(/^http:\/\/localhost\/ping\/[A-Za-z0-9_-]{32}$/);
    expect((await api.call('GET', `/api/v1/assignments/${assignment.id}`)).body.pingUrl).toBe(assignment.pingUrl);
    expect((await api.call('GET', `/api/v1/assignments?systemId=${system.id}`)).body.items[0].pingUrl).toBe(assignment.pingUrl);
    const other = await heartbeatCheck();
    expect(other.assignment.pingUrl).not.toBe(assignment.pingUrl);
    const tcp = (await api.call('POST', '/api/v1/configurations', { name: 'hb-tcp', strategy: 'tcp', config: { host: '127.0.0.1', port: 1 }, intervalSeconds: 60 })).body;
    const tcpAssignment = (await api.call('POST', '/api/v1/assignments', { systemId: system.id, configurationId: tcp.id })).body;
    expect(tcpAssignment).not.toHaveProperty('pingUrl');
    // Only the hash and a sealed copy are stored: the table alone never yields a working URL.
    const token = assignment.pingUrl.split('/').pop();
    const { rows } = await api.database.pool.query('SELECT row_to_json(h)::text AS row FROM heartbeats h');
    for (const { row } of rows) expect(row).not.toContain(token);
  });

  it('is never scheduled, and run now says why there is nothing to run', async () => {
    const { assignment } = await heartbeatCheck();
    const tcp = (await api.call('POST', '/api/v1/configurations', { name: 'hb-scheduled-tcp', strategy: 'tcp', config: { host: '127.0.0.1', port: 1 }, intervalSeconds: 60 })).body;
    const tcpAssignment = (await api.call('POST', '/api/v1/assignments', { systemId: assignment.systemId, configurationId: tcp.id })).body;
    const scheduled = (await loadSchedules(api.database.pool, api.services.strategies)).map((schedule) => schedule.id);
    expect(scheduled).toContain(tcpAssignment.id);
    expect(scheduled).not.toContain(assignment.id);
    const runNow = await api.call('POST', `/api/v1/assignments/${assignment.id}/run`);
    expect(runNow.status).toBe(409);
    expect(runNow.body.error.code).toBe('passive_check');
  });
});

describe('pings', () => {
  it('records a healthy run for GET, POST and HEAD', async () => {
    const { system, path } = await heartbeatCheck();
    expect((await ping(path)).status).toBe(200);
    expect((await ping(path, { method: 'HEAD' })).status).toBe(200);
    expect((await ping(path, { method: 'POST', body: 'backup done: 12 files' })).status).toBe(200);
    const runs = await runsOf(system.id);
    expect(runs.map((run) => [run.status, run.message])).toEqual([
      ['healthy', 'Ping received'],
      ['healthy', 'Ping received'],
      ['healthy', 'Ping received'],
    ]);
    expect(runs[0]!.result.collectors[0].fields.output).toBe('backup done: 12 files');
  });

  it('takes the latency from /start, and reads exit codes and /fail', async () => {
    const { system, path } = await heartbeatCheck();
    expect((await ping(`${path}/start`)).status).toBe(200);
    expect(await runsOf(system.id)).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 120));
    await ping(`${path}/0`);
    await ping(`${path}/3`, { method: 'POST', body: 'tar: disk full' });
    await ping(`${path}/fail`);
    const [fail, exit3, success] = await runsOf(system.id);
    expect(success).toMatchObject({ status: 'healthy', message: expect.stringMatching(/^Completed in \d+ms$/) });
    expect(success!.latencyMs).toBeGreaterThanOrEqual(100);
    expect(exit3).toMatchObject({ status: 'unhealthy', message: 'exit code 3', latencyMs: null });
    expect(exit3!.result.collectors[0].fields).toMatchObject({ exitCode: 3, output: 'tar: disk full' });
    expect(fail).toMatchObject({ status: 'unhealthy', message: 'Failure reported' });
  });

  it('keeps the first 10 KB of a body, with the secrets the config names masked', async () => {
    await api.call('POST', '/api/v1/secrets', { name: 'BACKUP_KEY', value: 'hunter2-secret' });
    const { system, path } = await heartbeatCheck({ period: '1h', maskSecrets: ['BACKUP_KEY'] });
    await ping(path, { method: 'POST', body: `key=hunter2-secret\n${'x'.repeat(20_000)}` });
    const output = (await runsOf(system.id))[0]!.result.collectors[0].fields.output as string;
    expect(output.startsWith('key=****\n')).toBe(true);
    expect(output).not.toContain('hunter2');
    expect(Buffer.byteLength(output)).toBeLessThanOrEqual(10 * 1024);
  });

  it('evaluates the configuration’s assertions on a success (a job that took too long)', async () => {
    const { system, path } = await heartbeatCheck({ period: '1h' }, { assertions: ['latencyMs < 50'] });
    await ping(`${path}/start`);
    await new Promise((resolve) => setTimeout(resolve, 80));
    await ping(path);
    expect((await runsOf(system.id))[0]).toMatchObject({ status: 'unhealthy', message: 'Assertion failed: latencyMs lessThan 50' });
  });

  it('answers 404 and records nothing for an unknown token, a bad signal or a rotated URL', async () => {
    const { system, assignment, path } = await heartbeatCheck();
    expect((await ping('/ping/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404);
    expect((await ping(`${path}/reboot`)).status).toBe(404);
    const rotated = await api.call('POST', `/api/v1/assignments/${assignment.id}/rotate-ping`);
    expect(rotated.status).toBe(200);
    expect(rotated.body.pingUrl).not.toBe(assignment.pingUrl);
    expect((await ping(path)).status).toBe(404);
    expect(await runsOf(system.id)).toEqual([]);
    expect((await ping(new URL(rotated.body.pingUrl).pathname)).status).toBe(200);
    expect(await runsOf(system.id)).toHaveLength(1);
    const tcp = (await api.call('POST', '/api/v1/configurations', { name: 'hb-rotate-tcp', strategy: 'tcp', config: { host: '127.0.0.1', port: 1 }, intervalSeconds: 60 })).body;
    const tcpAssignment = (await api.call('POST', '/api/v1/assignments', { systemId: system.id, configurationId: tcp.id })).body;
    expect((await api.call('POST', `/api/v1/assignments/${tcpAssignment.id}/rotate-ping`)).status).toBe(409);
  });

  it('limits pings per token: 429 with Retry-After past the limit, other tokens unaffected', async () => {
    const { system, path } = await heartbeatCheck();
    const other = await heartbeatCheck();
    for (let i = 0; i < 5; i++) expect((await ping(path)).status).toBe(200);
    const limited = await ping(path);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await runsOf(system.id)).toHaveLength(5);
    expect((await ping(other.path)).status).toBe(200);
  });

  it('moves the health of the system like any run', async () => {
    const { system, path } = await heartbeatCheck({ period: '1h' });
    await api.call('PATCH', `/api/v1/assignments/${(await api.call('GET', `/api/v1/assignments?systemId=${system.id}`)).body.items[0].id}`, {
      stateThresholds: { mode: 'consecutive', degraded: { minFailureCount: 1 }, unhealthy: { minFailureCount: 1 } },
    });
    await ping(`${path}/1`);
    const health = (await api.call('GET', `/api/v1/systems/${system.id}/health`)).body;
    expect(health.status).toBe('unhealthy');
  });
});

describe('the lateness sweep', () => {
  it('records one "No ping" run per missed period, however many schedulers sweep at once', async () => {
    const { system, configuration } = await heartbeatCheck({ period: '5m', grace: '1m' });
    // A second scheduler process: its own pool and services on the same database.
    const otherDatabase = createDatabase(api.database.connection, { log: silentLogger(), description: 'second sweeper' });
    const otherQueue = createMemoryQueue();
    const other = createServices(otherDatabase, createMemoryBus(), silentLogger(), secretKey, otherQueue);
    try {
      const missed = new Date(Date.now() + 6 * 60_000 + 5_000);
      const late = async () => (await runsOf(system.id)).filter((run) => run.message === 'No ping within 360s');
      await Promise.all([api.services.heartbeats.sweep(missed), other.heartbeats.sweep(missed), api.services.heartbeats.sweep(missed), other.heartbeats.sweep(missed)]);
      expect(await late()).toHaveLength(1);
      expect((await late())[0]).toMatchObject({ status: 'unhealthy', latencyMs: null });
      // Later sweeps within the same period record nothing more …
      await Promise.all([api.services.heartbeats.sweep(new Date(missed.getTime() + 60_000)), other.heartbeats.sweep(new Date(missed.getTime() + 60_000))]);
      expect(await late()).toHaveLength(1);
      // … and the next missed period is recorded once in its turn.
      const next = new Date(missed.getTime() + 5 * 60_000);
      await Promise.all([api.services.heartbeats.sweep(next), other.heartbeats.sweep(next)]);
      expect(await late()).toHaveLength(2);
      expect((await runsOf(system.id)).every((run) => run.message === 'No ping within 360s')).toBe(true);
      expect(configuration.strategy).toBe('heartbeat');
    } finally {
      await otherQueue.close();
      await otherDatabase.close();
    }
  });

  it('records nothing while pings keep coming', async () => {
    const { system, path } = await heartbeatCheck({ period: '5m', grace: '1m' });
    await ping(path);
    await api.services.heartbeats.sweep(new Date(Date.now() + 5 * 60_000));
    expect((await runsOf(system.id)).map((run) => run.message)).toEqual(['Ping received']);
  });
});
