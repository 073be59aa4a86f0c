import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, created, refused as refusedBy, type TestApi } from '../../test/support/api.ts';

/**
 * Maintenance windows over HTTP with the real database: the resource, its validation naming each
 * field, the audit log, and what the health API says of the systems a window covers now.
 */

let api: TestApi;
let payments: string;
let ledger: string;
let search: string;
let money: string;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const missingId = '00000000-0000-4000-8000-000000000000';
const iso = (ms: number) => new Date(ms).toISOString();

beforeAll(async () => {
  api = await createTestApi();
  payments = (await api.call('POST', '/api/v1/systems', { name: 'payments' })).body.id;
  ledger = (await api.call('POST', '/api/v1/systems', { name: 'ledger' })).body.id;
  search = (await api.call('POST', '/api/v1/systems', { name: 'search' })).body.id;
  money = (await api.call('POST', '/api/v1/groups', { name: 'money', systemIds: [ledger] })).body.id;
});
afterAll(() => api.close());

const create = (body: Record<string, unknown>) => created(api, '/api/v1/maintenance', body);
const refused = (method: string, path: string, body: Record<string, unknown>) => refusedBy(api, method, path, body);

const health = async (systemId: string) => (await api.call('GET', `/api/v1/systems/${systemId}/health`)).body;

describe('maintenance windows', () => {
  const later = Date.now() + 7 * DAY;
  const valid = { title: 'Database upgrade', systemIds: [] as string[], startsAt: iso(later), endsAt: iso(later + 2 * HOUR) };

  it('are created with defaults, read back, and their creation audited', async () => {
    const window = await create({ ...valid, systemIds: [payments, payments], groupIds: [money] });
    expect(window).toMatchObject({
      title: 'Database upgrade',
      description: '',
      systemIds: [payments],
      groupIds: [money],
      startsAt: iso(later),
      endsAt: iso(later + 2 * HOUR),
      rrule: null,
      timeZone: 'UTC',
      suppressNotifications: true,
      status: 'planned',
      currentOccurrence: null,
      nextOccurrence: { startsAt: iso(later), endsAt: iso(later + 2 * HOUR) },
    });
    expect((await api.call('GET', `/api/v1/maintenance/${window.id}`)).body).toEqual(window);
    const [entry] = (await api.call('GET', `/api/v1/audit?resourceType=maintenance_window&resourceId=${window.id}`)).body.items;
    expect(entry).toMatchObject({ action: 'create', after: { title: 'Database upgrade', systemIds: [payments], groupIds: [money], rrule: null } });
    expect(entry.after).not.toHaveProperty('status');
  });

  it('are refused with each field named and what was expected', async () => {
    expect(await refused('POST', '/api/v1/maintenance', valid)).toEqual([{ path: 'systemIds', message: 'expected at least one system or group (systemIds or groupIds)' }]);
    expect(await refused('POST', '/api/v1/maintenance', { ...valid, systemIds: [payments], endsAt: valid.startsAt })).toEqual([
      { path: 'endsAt', message: `expected a time after startsAt (${valid.startsAt})` },
    ]);
    const [rule] = await refused('POST', '/api/v1/maintenance', { ...valid, systemIds: [payments], rrule: 'every sunday' });
    expect(rule).toEqual({ path: 'rrule', message: 'expected an RFC 5545 recurrence rule such as FREQ=WEEKLY;BYDAY=SU ("every sunday" is not NAME=VALUE)' });
    const [never] = await refused('POST', '/api/v1/maintenance', { ...valid, systemIds: [payments], rrule: 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30' });
    expect(never!.path).toBe('rrule');
    expect(await refused('POST', '/api/v1/maintenance', { ...valid, systemIds: [payments], timeZone: 'Mars/Olympus' })).toEqual([
      { path: 'timeZone', message: 'expected an IANA time zone such as Europe/Berlin or UTC' },
    ]);
    expect((await refused('POST', '/api/v1/maintenance', { ...valid, systemIds: [payments], startsAt: 'tomorrow' }))[0]!.path).toBe('startsAt');
    expect(await refused('POST', '/api/v1/maintenance', { ...valid, systemIds: [payments, missingId], groupIds: [missingId] })).toEqual([
      { path: 'systemIds.1', message: `no system with id ${missingId}` },
      { path: 'groupIds.0', message: `no group with id ${missingId}` },
    ]);
    expect((await refused('POST', '/api/v1/maintenance', { ...valid, systemIds: [payments], colour: 'red' }))[0]!.path).toBe('colour');
  });

  it('are changed field by field, checked as a whole, and the change audited', async () => {
    const window = await create({ ...valid, title: 'Patch me', systemIds: [payments] });
    const changed = await api.call('PATCH', `/api/v1/maintenance/${window.id}`, { title: 'Patched', groupIds: [money], rrule: 'FREQ=WEEKLY', timeZone: 'Europe/Berlin' });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toMatchObject({ title: 'Patched', systemIds: [payments], groupIds: [money], rrule: 'FREQ=WEEKLY', timeZone: 'Europe/Berlin', startsAt: valid.startsAt });
    expect(changed.body.nextOccurrence).toEqual({ startsAt: iso(later), endsAt: iso(later + 2 * HOUR) });
    // endsAt alone before the stored startsAt: the merged window is what is checked.
    expect(await refused('PATCH', `/api/v1/maintenance/${window.id}`, { endsAt: iso(later - HOUR) })).toEqual([
      { path: 'endsAt', message: `expected a time after startsAt (${iso(later)})` },
    ]);
    expect(await refused('PATCH', `/api/v1/maintenance/${window.id}`, { systemIds: [], groupIds: [] })).toEqual([
      { path: 'systemIds', message: 'expected at least one system or group (systemIds or groupIds)' },
    ]);
    const once = await api.call('PATCH', `/api/v1/maintenance/${window.id}`, { rrule: null });
    expect(once.body.rrule).toBeNull();
    const entries = (await api.call('GET', `/api/v1/audit?resourceType=maintenance_window&resourceId=${window.id}`)).body.items;
    expect(entries.map((e: { action: string }) => e.action)).toEqual(['update', 'update', 'create']);
    expect(entries[1].changes).toEqual(
      expect.arrayContaining([
        { path: 'title', before: 'Patch me', after: 'Patched' },
        { path: 'rrule', before: null, after: 'FREQ=WEEKLY' },
      ]),
    );
  });

  it('are deleted, audited, and then not found', async () => {
    const window = await create({ ...valid, title: 'Delete me', systemIds: [payments] });
    expect((await api.call('DELETE', `/api/v1/maintenance/${window.id}`)).status).toBe(204);
    expect((await api.call('GET', `/api/v1/maintenance/${window.id}`)).status).toBe(404);
    expect((await api.call('DELETE', `/api/v1/maintenance/${window.id}`)).status).toBe(404);
    expect((await api.call('PATCH', `/api/v1/maintenance/${window.id}`, { title: 'x' })).status).toBe(404);
    const [entry] = (await api.call('GET', `/api/v1/audit?resourceType=maintenance_window&resourceId=${window.id}`)).body.items;
    expect(entry).toMatchObject({ action: 'delete', before: { title: 'Delete me' } });
  });

  it('make the health API say inMaintenance while an occurrence covers now, for a system named or in a named group', async () => {
    expect((await health(payments)).inMaintenance).toBe(false);
    const now = Date.now();
    const window = await create({ title: 'Now', systemIds: [payments], groupIds: [money], startsAt: iso(now - 10 * MINUTE), endsAt: iso(now + HOUR), suppressNotifications: false });
    expect(window).toMatchObject({ status: 'active', currentOccurrence: { startsAt: iso(now - 10 * MINUTE), endsAt: iso(now + HOUR) }, nextOccurrence: null });
    expect((await health(payments)).inMaintenance).toBe(true);
    expect((await health(ledger)).inMaintenance).toBe(true);
    expect((await health(search)).inMaintenance).toBe(false);
    const many = await api.call('GET', `/api/v1/health?systemIds=${search},${ledger},${payments}`);
    expect(many.body.items.map((h: { systemId: string; inMaintenance: boolean }) => [h.systemId, h.inMaintenance])).toEqual([
      [search, false],
      [ledger, true],
      [payments, true],
    ]);
    // Over: the same window moved to yesterday.
    await api.call('PATCH', `/api/v1/maintenance/${window.id}`, { startsAt: iso(now - DAY), endsAt: iso(now - DAY + HOUR) });
    expect((await health(payments)).inMaintenance).toBe(false);
    await api.call('DELETE', `/api/v1/maintenance/${window.id}`);
  });

  it('follow a recurring rule: covered by today’s occurrence, not by a weekly one on another day', async () => {
    const now = Date.now();
    const start = now - DAY - 10 * MINUTE;
    const daily = await create({ title: 'Nightly', systemIds: [search], startsAt: iso(start), endsAt: iso(start + HOUR), rrule: 'FREQ=DAILY' });
    expect(daily).toMatchObject({
      status: 'active',
      currentOccurrence: { startsAt: iso(start + DAY), endsAt: iso(start + DAY + HOUR) },
      nextOccurrence: { startsAt: iso(start + 2 * DAY), endsAt: iso(start + 2 * DAY + HOUR) },
    });
    expect((await health(search)).inMaintenance).toBe(true);
    await api.call('PATCH', `/api/v1/maintenance/${daily.id}`, { rrule: 'FREQ=WEEKLY' });
    const weekly = (await api.call('GET', `/api/v1/maintenance/${daily.id}`)).body;
    expect(weekly).toMatchObject({ status: 'planned', currentOccurrence: null, nextOccurrence: { startsAt: iso(start + 7 * DAY) } });
    expect((await health(search)).inMaintenance).toBe(false);
    await api.call('DELETE', `/api/v1/maintenance/${daily.id}`);
  });

  it('are listed latest start first in cursor pages, by their status now and by system (groups included)', async () => {
    const now = Date.now();
    const past = await create({ title: 'Past', systemIds: [search], startsAt: iso(now - 3 * DAY), endsAt: iso(now - 3 * DAY + HOUR) });
    const active = await create({ title: 'Active', groupIds: [money], startsAt: iso(now - HOUR), endsAt: iso(now + HOUR) });
    const all = await api.call('GET', '/api/v1/maintenance?limit=500');
    const starts = all.body.items.map((w: { startsAt: string }) => w.startsAt);
    expect(starts).toEqual([...starts].sort().reverse());

    const pages: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await api.call('GET', `/api/v1/maintenance?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      pages.push(...page.body.items.map((w) => w.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(pages).toEqual(all.body.items.map((w: { id: string }) => w.id));

    const ids = async (query: string) => (await api.call('GET', `/api/v1/maintenance?${query}`)).body.items.map((w: { id: string }) => w.id);
    expect(await ids('status=completed')).toEqual([past.id]);
    expect(await ids('status=active')).toEqual([active.id]);
    expect(await ids('status=active&limit=1')).toEqual([active.id]);
    expect(await ids(`systemId=${ledger}`)).toContain(active.id);
    expect(await ids(`systemId=${search}&status=completed`)).toEqual([past.id]);
    expect(await ids(`systemId=${missingId}`)).toEqual([]);
    expect((await api.call('GET', '/api/v1/maintenance?status=over')).body.error.details).toEqual([{ path: 'status', message: 'expected planned, active or completed' }]);
    expect((await api.call('GET', '/api/v1/maintenance?cursor=bm9wZQ')).body.error.details).toEqual([{ path: 'cursor', message: 'expected the nextCursor of a previous page' }]);
  });
});
