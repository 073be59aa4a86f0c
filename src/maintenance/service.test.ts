import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../test/support/api.ts';
import type { TestDatabase } from '../../test/support/database.ts';
import { createDatabase, type Database } from '../db/database.ts';
import { silentLogger } from '../kernel/log.ts';
import { MaintenanceService } from './service.ts';

/**
 * `advance` with the real database: each start and end of an occurrence reaches the outbox once,
 * even when two processes (two pools) advance at the same moment.
 */

let api: TestApi;
/** A second set of connections: another process, as far as PostgreSQL can tell. */
let other: Database;
let payments: string;
let ledger: string;
let money: string;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString();

beforeAll(async () => {
  api = await createTestApi();
  other = createDatabase((api.database as TestDatabase).connection, { log: silentLogger(), description: 'the other process' });
  payments = (await api.call('POST', '/api/v1/systems', { name: 'payments' })).body.id;
  ledger = (await api.call('POST', '/api/v1/systems', { name: 'ledger' })).body.id;
  money = (await api.call('POST', '/api/v1/groups', { name: 'money', systemIds: [ledger] })).body.id;
});
afterAll(async () => {
  await other.close();
  await api.close();
});

const services = () => [
  new MaintenanceService(api.database.db, api.database.pool, { deliver: (ids) => api.services.relay.deliver(ids), log: silentLogger() }),
  new MaintenanceService(other.db, other.pool, { deliver: async () => undefined, log: silentLogger() }),
];

async function create(body: Record<string, unknown>) {
  const response = await api.call('POST', '/api/v1/maintenance', body);
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body as { id: string };
}

/** The window's announcements in the outbox, oldest first. */
async function announced(windowId: string) {
  const { rows } = await api.database.pool.query<{ topic: string; payload: Record<string, unknown> }>(
    `SELECT topic, payload FROM outbox WHERE payload->>'windowId' = $1 ORDER BY seq`,
    [windowId],
  );
  return rows;
}

/** Both processes advance at once; answers how many windows moved in all. */
async function race(at: number): Promise<number> {
  const moved = await Promise.all(services().map((service) => service.advance(new Date(at))));
  return moved.reduce((a, b) => a + b, 0);
}

describe('advance', () => {
  it('announces a start once when two processes advance together, and the end once', async () => {
    const now = Date.now();
    const window = await create({ title: 'Upgrade', systemIds: [payments], groupIds: [money], startsAt: iso(now - MINUTE), endsAt: iso(now + HOUR) });
    expect(await race(now)).toBe(1);
    expect(await race(now + MINUTE)).toBe(0);
    const started = await announced(window.id);
    expect(started.map((row) => row.topic)).toEqual(['maintenance.started']);
    expect(started[0]!.payload).toEqual({
      windowId: window.id,
      title: 'Upgrade',
      status: 'active',
      previousStatus: 'planned',
      occurrenceStartsAt: iso(now - MINUTE),
      occurrenceEndsAt: iso(now + HOUR),
      systemIds: [payments, ledger].sort(),
      suppressNotifications: true,
      timestamp: iso(now),
    });
    expect(await race(now + 2 * HOUR)).toBe(1);
    expect((await announced(window.id)).map((row) => [row.topic, row.payload.status])).toEqual([
      ['maintenance.started', 'active'],
      ['maintenance.ended', 'completed'],
    ]);
    expect(await race(now + 3 * HOUR)).toBe(0);
  });

  it('follows each occurrence of a recurring window, back to planned in between', async () => {
    const now = Date.now();
    const window = await create({ title: 'Nightly', systemIds: [payments], startsAt: iso(now - DAY - MINUTE), endsAt: iso(now - DAY + HOUR), rrule: 'FREQ=DAILY' });
    expect(await race(now)).toBe(1);
    expect(await race(now + 2 * HOUR)).toBe(1);
    expect(await race(now + DAY)).toBe(1);
    const rows = await announced(window.id);
    expect(rows.map((row) => [row.topic, row.payload.status, row.payload.occurrenceStartsAt])).toEqual([
      ['maintenance.started', 'active', iso(now - MINUTE)],
      ['maintenance.ended', 'planned', iso(now - MINUTE)],
      ['maintenance.started', 'active', iso(now + DAY - MINUTE)],
    ]);
    await api.call('DELETE', `/api/v1/maintenance/${window.id}`);
  });

  it('says nothing of an occurrence that came and went while no scheduler ran', async () => {
    const now = Date.now();
    const window = await create({ title: 'Missed', systemIds: [payments], startsAt: iso(now - 3 * HOUR), endsAt: iso(now - 2 * HOUR) });
    expect(await race(now)).toBe(1);
    expect(await announced(window.id)).toEqual([]);
    const { rows } = await api.database.pool.query('SELECT status, occurrence_starts_at FROM maintenance_windows WHERE id = $1', [window.id]);
    expect(rows).toEqual([{ status: 'completed', occurrence_starts_at: null }]);
  });

  it('ends an occurrence once when its window is deleted during it', async () => {
    const now = Date.now();
    const window = await create({ title: 'Cut short', systemIds: [payments], startsAt: iso(now - MINUTE), endsAt: iso(now + HOUR) });
    expect(await race(now)).toBe(1);
    expect((await api.call('DELETE', `/api/v1/maintenance/${window.id}`)).status).toBe(204);
    expect(await race(now + MINUTE)).toBe(0);
    expect((await announced(window.id)).map((row) => [row.topic, row.payload.status])).toEqual([
      ['maintenance.started', 'active'],
      ['maintenance.ended', 'completed'],
    ]);
  });

  it('plans a completed window again when it is given a new time', async () => {
    const now = Date.now();
    const window = await create({ title: 'Again', systemIds: [payments], startsAt: iso(now - 3 * HOUR), endsAt: iso(now - 2 * HOUR) });
    expect(await race(now)).toBe(1);
    await api.call('PATCH', `/api/v1/maintenance/${window.id}`, { startsAt: iso(now - MINUTE), endsAt: iso(now + HOUR) });
    expect(await race(now)).toBe(1);
    expect((await announced(window.id)).map((row) => row.topic)).toEqual(['maintenance.started']);
  });
});
