import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../test/support/api.ts';
import type { BusEvent } from '../events/topics.ts';

let api: TestApi;
let payments: string;
let checkout: string;
const published: BusEvent[] = [];

beforeAll(async () => {
  api = await createTestApi();
  payments = (await api.call('POST', '/api/v1/systems', { name: 'payments' })).body.id;
  checkout = (await api.call('POST', '/api/v1/systems', { name: 'checkout' })).body.id;
  api.services.bus.subscribe((event) => published.push(event));
});
afterAll(() => api.close());

const missingId = '00000000-0000-4000-8000-000000000000';
const actor = 'admin@vigil.test (token tests)';

async function open(body: Record<string, unknown> = {}) {
  const response = await api.call('POST', '/api/v1/incidents', { title: 'Payments are slow', systemIds: [payments], severity: 'major', ...body });
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

async function post(id: string, status: string, message: string) {
  return api.call('POST', `/api/v1/incidents/${id}/updates`, { status, message });
}

/** The incident's outbox rows, oldest first. */
async function outboxOf(incidentId: string) {
  const { rows } = await api.database.pool.query<{ topic: string; payload: any; delivered_at: Date | null }>(
    `SELECT topic, payload, delivered_at FROM outbox WHERE payload->>'incidentId' = $1 ORDER BY seq`,
    [incidentId],
  );
  return rows;
}

async function auditOf(incidentId: string) {
  const response = await api.call('GET', `/api/v1/audit?resourceType=incident&resourceId=${incidentId}`);
  expect(response.status).toBe(200);
  return response.body.items as any[];
}

describe('incidents', () => {
  it('opens an incident with defaults and its first timeline entry', async () => {
    const incident = await open({ systemIds: [payments, checkout, payments] });
    expect(incident).toMatchObject({
      title: 'Payments are slow',
      description: '',
      severity: 'major',
      status: 'investigating',
      suppressNotifications: false,
      resolvedAt: null,
    });
    expect(incident.systemIds).toEqual([payments, checkout].sort());
    expect(incident.updates).toEqual([{ id: expect.any(String), status: 'investigating', message: 'Incident opened', actor, createdAt: expect.any(String) }]);

    const described = await open({ description: 'Card payments time out', status: 'identified', suppressNotifications: true });
    expect(described).toMatchObject({ status: 'identified', suppressNotifications: true });
    expect(described.updates.map((u: any) => [u.status, u.message])).toEqual([['identified', 'Card payments time out']]);
    expect((await api.call('GET', `/api/v1/incidents/${described.id}`)).body).toEqual(described);
  });

  it('patches what the incident says, but not its status, and deletes it', async () => {
    const incident = await open();
    const patched = await api.call('PATCH', `/api/v1/incidents/${incident.id}`, {
      title: 'Payments fail',
      description: 'Now failing',
      severity: 'critical',
      systemIds: [checkout],
      suppressNotifications: true,
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ title: 'Payments fail', description: 'Now failing', severity: 'critical', systemIds: [checkout], suppressNotifications: true, status: 'investigating' });
    expect(patched.body.updates).toHaveLength(1);

    const status = await api.call('PATCH', `/api/v1/incidents/${incident.id}`, { status: 'resolved' });
    expect(status.status).toBe(400);
    expect(status.body.error.details).toEqual([{ path: 'status', message: 'Unknown field "status"' }]);

    expect((await api.call('DELETE', `/api/v1/incidents/${incident.id}`)).status).toBe(204);
    expect((await api.call('GET', `/api/v1/incidents/${incident.id}`)).status).toBe(404);
    const { rows } = await api.database.pool.query('SELECT 1 FROM incident_updates WHERE incident_id = $1', [incident.id]);
    expect(rows).toEqual([]);
  });

  it('names every offending field of bad input', async () => {
    const bad = await api.call('POST', '/api/v1/incidents', { title: ' ', systemIds: [], severity: 'huge', status: 'done', suppressNotifications: 'yes', colour: 'red' });
    expect(bad.status).toBe(400);
    const paths = bad.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['title', 'systemIds', 'severity', 'status', 'suppressNotifications', 'colour']));
    expect(bad.body.error.details).toContainEqual({ path: 'severity', message: 'expected minor, major or critical' });
    expect(bad.body.error.details).toContainEqual({ path: 'systemIds', message: 'expected at least one system id' });

    const malformed = await api.call('POST', '/api/v1/incidents', { title: 'x', systemIds: ['nope'], severity: 'minor' });
    expect(malformed.body.error.details).toEqual([{ path: 'systemIds.0', message: 'expected a UUID' }]);

    const update = await post((await open()).id, 'fixed', '');
    expect(update.status).toBe(400);
    expect(update.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(['message', 'status']);
  });

  it('refuses systems that do not exist, naming them and writing nothing', async () => {
    const before = await api.database.pool.query('SELECT count(*)::int AS n FROM incidents');
    const response = await api.call('POST', '/api/v1/incidents', { title: 'Ghost', systemIds: [payments, missingId], severity: 'minor' });
    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([{ path: 'systemIds.1', message: `no system with id ${missingId}` }]);
    const after = await api.database.pool.query('SELECT count(*)::int AS n FROM incidents');
    expect(after.rows[0].n).toBe(before.rows[0].n);

    const incident = await open();
    const patched = await api.call('PATCH', `/api/v1/incidents/${incident.id}`, { systemIds: [missingId] });
    expect(patched.status).toBe(400);
    expect(patched.body.error.details).toEqual([{ path: 'systemIds.0', message: `no system with id ${missingId}` }]);
    expect((await api.call('GET', `/api/v1/incidents/${incident.id}`)).body.systemIds).toEqual([payments]);
  });

  it('answers an unknown incident with 404 everywhere', async () => {
    expect((await api.call('GET', `/api/v1/incidents/${missingId}`)).status).toBe(404);
    expect((await api.call('PATCH', `/api/v1/incidents/${missingId}`, { title: 'x' })).status).toBe(404);
    expect((await api.call('DELETE', `/api/v1/incidents/${missingId}`)).status).toBe(404);
    expect((await post(missingId, 'monitoring', 'x')).status).toBe(404);
  });
});

describe('the timeline', () => {
  it('keeps every update in the order posted and moves the status with each', async () => {
    const incident = await open();
    const steps = [
      ['identified', 'A bad deploy'],
      ['monitoring', 'Rolled back'],
      ['monitoring', 'Error rate falling'],
      ['resolved', 'All clear'],
    ];
    let last: any;
    for (const [status, message] of steps) {
      const response = await post(incident.id, status!, message!);
      expect(response.status, JSON.stringify(response.body)).toBe(201);
      last = response.body;
      expect(last.status).toBe(status);
    }
    const timeline = (await api.call('GET', `/api/v1/incidents/${incident.id}`)).body.updates;
    expect(timeline.map((u: any) => [u.status, u.message])).toEqual([['investigating', 'Incident opened'], ...steps]);
    expect(timeline.every((u: any) => u.actor === actor)).toBe(true);
    expect(last.updates).toEqual(timeline);
  });

  it('resolving sets resolvedAt, resolving again is a 409, and another status reopens it', async () => {
    const incident = await open();
    const resolved = (await post(incident.id, 'resolved', 'Fixed')).body;
    expect(resolved.resolvedAt).toBe(resolved.updates.at(-1).createdAt);

    const again = await post(incident.id, 'resolved', 'Fixed, really');
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('incident_resolved');
    expect(again.body.error.details).toEqual([{ path: 'status', message: expect.stringMatching(/already resolved/) }]);
    const unchanged = (await api.call('GET', `/api/v1/incidents/${incident.id}`)).body;
    expect(unchanged.updates).toHaveLength(2);
    expect(unchanged.resolvedAt).toBe(resolved.resolvedAt);

    const reopened = await post(incident.id, 'investigating', 'It is back');
    expect(reopened.status).toBe(201);
    expect(reopened.body).toMatchObject({ status: 'investigating', resolvedAt: null });
  });

  it('of two updates resolving an incident at once, one resolves it and the other is refused', async () => {
    const incident = await open();
    const answers = await Promise.all([post(incident.id, 'resolved', 'Fixed by A'), post(incident.id, 'resolved', 'Fixed by B')]);
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 409]);
    const timeline = (await api.call('GET', `/api/v1/incidents/${incident.id}`)).body.updates;
    expect(timeline.map((u: any) => u.status)).toEqual(['investigating', 'resolved']);
    expect((await outboxOf(incident.id)).map((row) => row.topic)).toEqual(['incident.created', 'incident.updated']);
  });

  it('an incident opened as resolved is resolved from the start', async () => {
    const incident = await open({ status: 'resolved', description: 'Found in the logs afterwards' });
    expect(incident.resolvedAt).toEqual(expect.any(String));
    expect((await post(incident.id, 'resolved', 'Still')).status).toBe(409);
  });
});

describe('announcements', () => {
  it('writes one incident.created per open and one incident.updated per update, published after commit', async () => {
    const incident = await open({ description: 'Slow checkout' });
    await post(incident.id, 'identified', 'Found it');
    await post(incident.id, 'resolved', 'Done');
    await api.call('PATCH', `/api/v1/incidents/${incident.id}`, { title: 'Slow checkout, fixed' });
    expect((await post(incident.id, 'resolved', 'Refused')).status).toBe(409);

    const rows = await outboxOf(incident.id);
    expect(rows.map((row) => row.topic)).toEqual(['incident.created', 'incident.updated', 'incident.updated']);
    expect(rows.every((row) => row.delivered_at !== null)).toBe(true);
    const [created, identified, resolved] = rows.map((row) => row.payload);
    expect(created).toMatchObject({ incidentId: incident.id, title: 'Payments are slow', severity: 'major', status: 'investigating', message: 'Slow checkout', systemIds: [payments] });
    expect(created).not.toHaveProperty('previousStatus');
    expect(identified).toMatchObject({ status: 'identified', previousStatus: 'investigating', message: 'Found it' });
    expect(resolved).toMatchObject({ status: 'resolved', previousStatus: 'identified', message: 'Done' });

    const timeline = (await api.call('GET', `/api/v1/incidents/${incident.id}`)).body.updates;
    expect([created.updateId, identified.updateId, resolved.updateId]).toEqual(timeline.map((u: any) => u.id));
    const heard = published.filter((event) => 'incidentId' in event.payload && event.payload.incidentId === incident.id);
    expect(heard.map((event) => event.topic)).toEqual(['incident.created', 'incident.updated', 'incident.updated']);
  });

  it('audits every change with the caller, in the same transaction', async () => {
    const incident = await open();
    await api.call('PATCH', `/api/v1/incidents/${incident.id}`, { severity: 'critical' });
    await post(incident.id, 'resolved', 'Done');
    await post(incident.id, 'resolved', 'Refused');
    await api.call('DELETE', `/api/v1/incidents/${incident.id}`);

    const entries = await auditOf(incident.id);
    expect(entries.map((e) => e.action)).toEqual(['delete', 'post_update', 'update', 'create']);
    const [deleted, posted, updated, created] = entries;
    expect(created.actor).toMatchObject({ kind: 'token', label: actor });
    expect(created.after).toMatchObject({ id: incident.id, status: 'investigating', systemIds: [payments] });
    expect(updated.changes).toEqual([{ path: 'severity', before: 'major', after: 'critical' }]);
    expect(posted.changes).toEqual([
      { path: 'resolvedAt', before: null, after: expect.any(String) },
      { path: 'status', before: 'investigating', after: 'resolved' },
      { path: 'update', after: { id: expect.any(String), status: 'resolved', message: 'Done' } },
    ]);
    expect(deleted.before).toMatchObject({ status: 'resolved', severity: 'critical' });
  });
});

describe('listing', () => {
  it('pages newest first and filters by system and status', async () => {
    const system = (await api.call('POST', '/api/v1/systems', { name: 'listed' })).body.id;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await open({ title: `listed ${i}`, systemIds: [system] })).id);
    await post(ids[1]!, 'resolved', 'Done');
    await post(ids[3]!, 'monitoring', 'Watching');

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: any } = await api.call('GET', `/api/v1/incidents?systemId=${system}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      expect(page.body.items[0]).not.toHaveProperty('updates');
      seen.push(...page.body.items.map((item: any) => item.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual([...ids].reverse());

    const list = async (status: string) => (await api.call('GET', `/api/v1/incidents?systemId=${system}&status=${status}`)).body.items.map((item: any) => item.id);
    expect(await list('open')).toEqual([ids[4], ids[3], ids[2], ids[0]]);
    expect(await list('resolved')).toEqual([ids[1]]);
    expect(await list('monitoring')).toEqual([ids[3]]);
    expect(await list('investigating')).toEqual([ids[4], ids[2], ids[0]]);
  });

  it('refuses a bad filter or cursor, naming it', async () => {
    const status = await api.call('GET', '/api/v1/incidents?status=closed');
    expect(status.status).toBe(400);
    expect(status.body.error.details[0].path).toBe('status');
    const system = await api.call('GET', '/api/v1/incidents?systemId=payments');
    expect(system.body.error.details[0]).toEqual({ path: 'systemId', message: 'expected a UUID' });
    const cursor = await api.call('GET', `/api/v1/incidents?cursor=${Buffer.from('nonsense').toString('base64url')}`);
    expect(cursor.status).toBe(400);
    expect(cursor.body.error.details[0].path).toBe('cursor');
  });
});

describe('deleting a system', () => {
  it('removes it from the incidents that named it; the incidents stay', async () => {
    const doomed = (await api.call('POST', '/api/v1/systems', { name: 'doomed' })).body.id;
    const incident = await open({ systemIds: [doomed, checkout] });
    expect((await api.call('DELETE', `/api/v1/systems/${doomed}`)).status).toBe(204);
    const after = (await api.call('GET', `/api/v1/incidents/${incident.id}`)).body;
    expect(after.systemIds).toEqual([checkout]);
    expect((await api.call('GET', `/api/v1/incidents?systemId=${doomed}`)).body.items).toEqual([]);
  });
});
