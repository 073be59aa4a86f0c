import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../test/support/api.ts';
import { systemsInMaintenance } from './read.ts';

// Each read runs against the migrated schema: renaming a column the SQL names fails here.
let api: TestApi;
let payments: string;
let ledger: string;
let search: string;
let money: string;

const HOUR = 3_600_000;
const unknown = '00000000-0000-4000-8000-000000000000';
const iso = (ms: number) => new Date(ms).toISOString();
/** Noon on a Sunday, away from the clock: every window below is placed around it. */
const SUNDAY_NOON = Date.parse('2030-06-02T12:00:00Z');

beforeAll(async () => {
  api = await createTestApi();
  payments = (await api.call('POST', '/api/v1/systems', { name: 'payments' })).body.id;
  ledger = (await api.call('POST', '/api/v1/systems', { name: 'ledger' })).body.id;
  search = (await api.call('POST', '/api/v1/systems', { name: 'search' })).body.id;
  money = (await api.call('POST', '/api/v1/groups', { name: 'money', systemIds: [ledger, payments] })).body.id;
});
afterAll(() => api.close());

async function create(body: Record<string, unknown>): Promise<string> {
  const response = await api.call('POST', '/api/v1/maintenance', body);
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body.id;
}

const at = (ms: number) => systemsInMaintenance(api.database.pool, [payments, ledger, search, unknown], new Date(ms));

describe('systemsInMaintenance', () => {
  let direct: string;
  let viaGroup: string;

  beforeAll(async () => {
    // payments directly, without suppression; payments and ledger through their group, with it.
    direct = await create({ title: 'Card network', systemIds: [payments], startsAt: iso(SUNDAY_NOON - HOUR), endsAt: iso(SUNDAY_NOON + HOUR), suppressNotifications: false });
    viaGroup = await create({ title: 'Ledger migration', groupIds: [money], startsAt: iso(SUNDAY_NOON - HOUR / 2), endsAt: iso(SUNDAY_NOON + HOUR / 2) });
    // search every Sunday 14:00–14:30 Berlin (12:00Z in summer), from a Sunday long before.
    await create({ title: 'Reindex', systemIds: [search], startsAt: '2026-01-04T13:00:00Z', endsAt: '2026-01-04T13:30:00Z', rrule: 'FREQ=WEEKLY;BYDAY=SU', timeZone: 'Europe/Berlin' });
  });

  it('answers nothing for no systems', async () => expect(await systemsInMaintenance(api.database.pool, [], new Date(SUNDAY_NOON))).toEqual(new Map()));

  it('names the systems covered, directly or through a group, preferring a window that suppresses', async () => {
    expect(await at(SUNDAY_NOON)).toEqual(
      new Map([
        [payments, { windowId: viaGroup, title: 'Ledger migration', suppressNotifications: true }],
        [ledger, { windowId: viaGroup, title: 'Ledger migration', suppressNotifications: true }],
        [search, { windowId: expect.any(String), title: 'Reindex', suppressNotifications: true }],
      ]),
    );
  });

  it('falls back to a window that does not suppress when it alone covers the time', async () => {
    expect(await at(SUNDAY_NOON + 45 * 60_000)).toEqual(new Map([[payments, { windowId: direct, title: 'Card network', suppressNotifications: false }]]));
  });

  it('leaves out what no occurrence covers: before, after, and the recurring window on a weekday', async () => {
    expect(await at(SUNDAY_NOON - 2 * HOUR)).toEqual(new Map());
    expect(await at(SUNDAY_NOON + 2 * HOUR)).toEqual(new Map());
    expect(await at(SUNDAY_NOON + 24 * HOUR)).toEqual(new Map());
  });

  it('still answers for a moment inside a window the scheduler has since completed', async () => {
    await api.services.maintenance.advance(new Date(SUNDAY_NOON + 2 * HOUR));
    const { rows } = await api.database.pool.query('SELECT status FROM maintenance_windows WHERE id = $1', [direct]);
    expect(rows[0].status).toBe('completed');
    expect((await at(SUNDAY_NOON + 45 * 60_000)).get(payments)?.windowId).toBe(direct);
  });
});
