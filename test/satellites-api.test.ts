import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSchedules } from '../src/engine/desired-schedules.ts';
import type { BusEvent } from '../src/events/topics.ts';
import { createTestApi, created, refused, type TestApi } from './support/api.ts';

/**
 * The satellite resource and its channel, in-process (the real HTTP app, no socket): registration,
 * assignment validation, the feed with its ETag and secrets, run uploads recorded once and only for
 * assigned checks, heartbeats going online and offline once, deletion revoking at once.
 */

let api: TestApi;
const events: BusEvent[] = [];
let system: { id: string };
let other: { id: string };
let configuration: { id: string };

beforeAll(async () => {
  api = await createTestApi();
  api.services.bus.subscribe((event) => void events.push(event));
  system = await created(api, '/api/v1/systems', { name: 'payments' });
  other = await created(api, '/api/v1/systems', { name: 'billing' });
  await created(api, '/api/v1/secrets', { name: 'API_KEY', value: 'sup3r-s3cret-value' });
  configuration = await created(api, '/api/v1/configurations', {
    name: 'payments-http',
    strategy: 'http',
    config: { url: 'http://127.0.0.1:1/health', headers: { authorization: 'Bearer {{ secrets.API_KEY }}' }, timeout: 1000 },
    intervalSeconds: 30,
  });
});
afterAll(() => api.close());

const channel = (token: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
  api.app.request(`/api/satellite/v1${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

const run = (overrides: Record<string, unknown> = {}) => ({
  configurationId: configuration.id,
  systemId: system.id,
  environmentId: null,
  scheduledFor: '2030-01-01T00:00:00.000Z',
  at: '2030-01-01T00:00:00.100Z',
  status: 'unhealthy',
  latencyMs: 12,
  message: 'Check failed: connect ECONNREFUSED',
  result: { collectors: [] },
  ...overrides,
});

async function runsOf(source: string): Promise<{ scheduled_for: Date; status: string }[]> {
  const { rows } = await api.database.pool.query('SELECT scheduled_for, status FROM runs WHERE source = $1 ORDER BY scheduled_for', [source]);
  return rows;
}

describe('satellites', () => {
  it('registers a satellite with a token shown once, and never stores the token', async () => {
    const satellite = await created(api, '/api/v1/satellites', { name: 'frankfurt', location: 'Frankfurt', labels: { provider: 'hetzner' } });
    expect(satellite).toMatchObject({ name: 'frankfurt', location: 'Frankfurt', labels: { provider: 'hetzner' }, online: false, lastSeenAt: null, assignments: 0 });
    expect(satellite.token).toMatch(/^vst_/);
    const read = await api.call('GET', `/api/v1/satellites/${satellite.id}`);
    expect(read.body).not.toHaveProperty('token');
    const { rows } = await api.database.pool.query('SELECT token_hash FROM satellites WHERE id = $1', [satellite.id]);
    expect(rows[0].token_hash).not.toContain(satellite.token);
    expect((await api.call('POST', '/api/v1/satellites', { name: 'FRANKFURT' })).status).toBe(409);
  });

  it('refuses assignments naming satellites that do not exist, and quorums above their sources', async () => {
    const ghost = '00000000-0000-4000-8000-000000000000';
    expect(await refused(api, 'POST', '/api/v1/assignments', { systemId: other.id, configurationId: configuration.id, satelliteIds: [ghost] })).toEqual([
      { path: 'satelliteIds.0', message: `no satellite with id ${ghost}` },
    ]);
    const details = await refused(api, 'POST', '/api/v1/assignments', { systemId: other.id, configurationId: configuration.id, quorum: { min: 2 } });
    expect(details).toEqual([{ path: 'quorum.min', message: expect.stringContaining('expected at most the number of sources (1') }]);
  });

  it('feeds a satellite its own assignments with the secrets they use, and 304 while unchanged', async () => {
    const mine = await created(api, '/api/v1/satellites', { name: 'paris' });
    const theirs = await created(api, '/api/v1/satellites', { name: 'tokyo' });
    await created(api, '/api/v1/assignments', { systemId: system.id, configurationId: configuration.id, includeLocal: false, satelliteIds: [mine.id], quorum: { min: 1 } });
    const answer = await channel(mine.token, 'GET', '/assignments');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('cache-control')).toBe('no-store');
    const feed = await answer.json();
    expect(feed.assignments).toHaveLength(1);
    expect(feed.assignments[0]).toMatchObject({ configurationId: configuration.id, systemId: system.id, systemName: 'payments', strategy: 'http', environments: [] });
    expect(feed.secrets).toEqual({ api_key: 'sup3r-s3cret-value' });
    const again = await channel(mine.token, 'GET', '/assignments', undefined, { 'if-none-match': answer.headers.get('etag')! });
    expect(again.status).toBe(304);
    expect(await (await channel(theirs.token, 'GET', '/assignments')).json()).toMatchObject({ assignments: [], secrets: {} });
    expect((await api.call('GET', `/api/v1/satellites/${mine.id}`)).body.assignments).toBe(1);
  });

  it('holds an unchanged feed as a long poll, and answers as soon as an assignment changes', async () => {
    const probe = await created(api, '/api/v1/satellites', { name: 'oslo' });
    const first = await channel(probe.token, 'GET', '/assignments');
    const etag = first.headers.get('etag')!;
    // Unchanged: held for the time asked, then 304.
    let started = Date.now();
    expect((await channel(probe.token, 'GET', '/assignments?wait=1', undefined, { 'if-none-match': etag })).status).toBe(304);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    // Changed while held: answered at once with the new set, long before the 30 s asked.
    started = Date.now();
    const held = channel(probe.token, 'GET', '/assignments?wait=30', undefined, { 'if-none-match': etag });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const site = await created(api, '/api/v1/systems', { name: 'long-poll-site' });
    await created(api, '/api/v1/assignments', { systemId: site.id, configurationId: configuration.id, satelliteIds: [probe.id] });
    const answer = await held;
    expect(answer.status).toBe(200);
    expect((await answer.json()).assignments).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect((await channel(probe.token, 'GET', '/assignments?wait=60')).status).toBe(400);
    await api.call('DELETE', `/api/v1/systems/${site.id}`);
    await api.call('DELETE', `/api/v1/satellites/${probe.id}`);
  });

  it('records uploaded runs once, with the satellite as source, and refuses runs of checks it was not assigned', async () => {
    const satellite = await created(api, '/api/v1/satellites', { name: 'madrid' });
    await api.call('PATCH', `/api/v1/assignments/${(await api.call('GET', `/api/v1/assignments?systemId=${system.id}`)).body.items[0].id}`, {
      satelliteIds: [(await api.call('GET', '/api/v1/satellites')).body.items.find((s: { name: string }) => s.name === 'paris').id, satellite.id],
    });
    const batch = [run(), run({ scheduledFor: '2030-01-01T00:00:30.000Z', at: '2030-01-01T00:00:30.100Z' }), run({ systemId: other.id })];
    const first = await (await channel(satellite.token, 'POST', '/runs', { runs: batch })).json();
    expect(first).toEqual({ recorded: 2, duplicates: 0, refused: [{ index: 2, reason: expect.stringContaining('not assigned') }] });
    const second = await (await channel(satellite.token, 'POST', '/runs', { runs: batch })).json();
    expect(second).toMatchObject({ recorded: 0, duplicates: 2 });
    expect((await runsOf(satellite.id)).map((r) => r.scheduled_for.toISOString())).toEqual(['2030-01-01T00:00:00.000Z', '2030-01-01T00:00:30.000Z']);
    const { rows } = await api.database.pool.query('SELECT count(*)::int AS n FROM runs WHERE system_id = $1', [other.id]);
    expect(rows[0].n).toBe(0);
  });

  it('answers 401 to an unknown token and records nothing', async () => {
    for (const token of ['vst_nothing', 'not-even-a-satellite-token']) {
      expect((await channel(token, 'POST', '/runs', { runs: [run({ scheduledFor: '2030-01-02T00:00:00.000Z' })] })).status).toBe(401);
      expect((await channel(token, 'GET', '/assignments')).status).toBe(401);
    }
    expect((await api.app.request('/api/satellite/v1/assignments')).status).toBe(401);
    // A user's API token is no satellite's.
    expect((await channel(api.token, 'GET', '/assignments')).status).toBe(401);
    const { rows } = await api.database.pool.query(`SELECT count(*)::int AS n FROM runs WHERE scheduled_for = '2030-01-02T00:00:00Z'`);
    expect(rows[0].n).toBe(0);
  });

  it('goes online on its first heartbeat and offline after 3 missed, each announced once', async () => {
    const satellite = await created(api, '/api/v1/satellites', { name: 'oslo' });
    const mine = (topic: string) => events.filter((e) => e.topic === topic && (e.payload as { satelliteId: string }).satelliteId === satellite.id);
    expect((await channel(satellite.token, 'POST', '/heartbeat', { version: '9.9.9', backlog: 7 })).status).toBe(200);
    await channel(satellite.token, 'POST', '/heartbeat', { version: '9.9.9', backlog: 3, dropped: 1 });
    expect((await api.call('GET', `/api/v1/satellites/${satellite.id}`)).body).toMatchObject({ online: true, version: '9.9.9', backlog: 3, dropped: 1 });
    expect(mine('satellite.online')).toHaveLength(1);
    const seen = new Date((await api.call('GET', `/api/v1/satellites/${satellite.id}`)).body.lastSeenAt).getTime();
    // Two schedulers sweeping at once, 29 s and then 31 s after the last heartbeat (period 10 s).
    expect(await api.services.satellites.sweep(new Date(seen + 29_000))).toBe(0);
    const moved = await Promise.all([api.services.satellites.sweep(new Date(seen + 31_000)), api.services.satellites.sweep(new Date(seen + 31_000))]);
    expect(moved.reduce((a, b) => a + b, 0)).toBe(1);
    expect(mine('satellite.offline')).toHaveLength(1);
    expect(mine('satellite.offline')[0]!.payload).toMatchObject({ name: 'oslo', lastSeenAt: new Date(seen).toISOString() });
    expect((await api.call('GET', `/api/v1/satellites/${satellite.id}`)).body.online).toBe(false);
    await channel(satellite.token, 'POST', '/heartbeat', { version: '9.9.9', backlog: 0 });
    expect(mine('satellite.online')).toHaveLength(2);
  });

  it('deleting a satellite revokes its token at once and takes it out of every assignment', async () => {
    const satellite = await created(api, '/api/v1/satellites', { name: 'lisbon' });
    const assignment = await created(api, '/api/v1/assignments', { systemId: other.id, configurationId: configuration.id, includeLocal: true, satelliteIds: [satellite.id], quorum: { min: 2 } });
    expect((await channel(satellite.token, 'GET', '/assignments')).status).toBe(200);
    expect((await api.call('DELETE', `/api/v1/satellites/${satellite.id}`)).status).toBe(204);
    expect((await api.call('GET', `/api/v1/assignments/${assignment.id}`)).body).toMatchObject({ satelliteIds: [], quorum: null });
    expect((await channel(satellite.token, 'GET', '/assignments')).status).toBe(401);
    expect((await channel(satellite.token, 'POST', '/runs', { runs: [run({ systemId: other.id })] })).status).toBe(401);
    expect(await runsOf(satellite.id)).toEqual([]);
    const audit = await api.call('GET', `/api/v1/audit?resourceType=assignment&resourceId=${assignment.id}`);
    expect(audit.status).toBe(200);
  });

  it('central workers schedule an assignment only when includeLocal is set', async () => {
    const elsewhere = await created(api, '/api/v1/systems', { name: 'elsewhere' });
    const satellite = await created(api, '/api/v1/satellites', { name: 'remote-only' });
    const remoteOnly = await created(api, '/api/v1/assignments', { systemId: elsewhere.id, configurationId: configuration.id, includeLocal: false, satelliteIds: [satellite.id] });
    const here = await created(api, '/api/v1/systems', { name: 'here' });
    const local = await created(api, '/api/v1/assignments', { systemId: here.id, configurationId: configuration.id });
    const scheduled = (await loadSchedules(api.database.pool, api.services.strategies)).map((schedule) => schedule.id);
    expect(scheduled).toContain(local.id);
    expect(scheduled).not.toContain(remoteOnly.id);
  });

  it('shows each source’s status in the health answer, a silent one as stale and not counted', async () => {
    const site = await created(api, '/api/v1/systems', { name: 'site' });
    const satellite = await created(api, '/api/v1/satellites', { name: 'sydney' });
    await created(api, '/api/v1/assignments', {
      systemId: site.id,
      configurationId: configuration.id,
      satelliteIds: [satellite.id],
      stateThresholds: { mode: 'consecutive', degraded: { minFailureCount: 1 }, unhealthy: { minFailureCount: 1 } },
    });
    const now = Date.now();
    const record = (source: string, status: 'healthy' | 'unhealthy', agoMs: number) =>
      api.services.recorder.recordRun({
        systemId: site.id, configurationId: configuration.id, environmentId: null, source, status, latencyMs: 5, message: '', result: {},
        scheduledFor: new Date(now - agoMs), at: new Date(now - agoMs),
      });
    // The satellite's last run is 4 intervals (of 30 s) old: stale.
    await record(satellite.id, 'unhealthy', 120_000);
    await record('Local', 'healthy', 1_000);
    const check = (await api.call('GET', `/api/v1/systems/${site.id}/health`)).body.checks[0];
    expect(check).toMatchObject({ status: 'healthy', quorum: 1 });
    expect(check.sources).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ source: 'Local', status: 'healthy', stale: false }),
        expect.objectContaining({ source: satellite.id, status: 'unhealthy', stale: true }),
      ]),
    );
    // It reports again: it counts again, and one failing location fails the check (quorum 1).
    await record(satellite.id, 'unhealthy', 0);
    expect((await api.call('GET', `/api/v1/systems/${site.id}/health`)).body).toMatchObject({ status: 'unhealthy', checks: [{ status: 'unhealthy' }] });
  });

  it('only admins manage satellites', async () => {
    await created(api, '/api/v1/users', { email: 'editor@vigil.test', role: 'editor', password: 'a long enough password' });
    const login = await api.app.request('/api/v1/auth/login', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'editor@vigil.test', password: 'a long enough password' }),
    });
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const asEditor = (method: string, path: string, body?: unknown) =>
      api.app.request(path, { method, headers: { cookie, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    expect((await asEditor('GET', '/api/v1/satellites')).status).toBe(200);
    const refusal = await asEditor('POST', '/api/v1/satellites', { name: 'rogue' });
    expect(refusal.status).toBe(403);
    expect((await refusal.json()).error.message).toContain('admin');
    const { items } = (await api.call('GET', '/api/v1/satellites')).body;
    expect((await asEditor('DELETE', `/api/v1/satellites/${items[0].id}`)).status).toBe(403);
  });
});
