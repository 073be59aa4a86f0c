import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../test/support/api.ts';
import { openIncidentsOf, suppressingIncidents } from './read.ts';

// The reads other domains use, against the migrated schema and incidents opened through the API.
let api: TestApi;
/** System name → id. */
const systems: Record<string, string> = {};
/** Incident name → id. */
const incidents: Record<string, string> = {};

const nobody = '00000000-0000-4000-8000-000000000000';

beforeAll(async () => {
  api = await createTestApi();
  for (const name of ['api', 'db', 'web', 'mail', 'dns']) systems[name] = (await api.call('POST', '/api/v1/systems', { name })).body.id;
  // Opened one after the other: the later, the newer.
  const opened: [string, string[], Record<string, unknown>][] = [
    ['older muting api', ['api'], { suppressNotifications: true, severity: 'minor' }],
    ['newer muting api and db', ['api', 'db'], { suppressNotifications: true, severity: 'critical' }],
    ['web, loud', ['web'], { suppressNotifications: false }],
    ['mail, muting but resolved', ['mail'], { suppressNotifications: true, status: 'resolved' }],
    ['db, monitoring', ['db'], { status: 'monitoring' }],
  ];
  for (const [title, names, body] of opened) {
    const response = await api.call('POST', '/api/v1/incidents', { title, severity: 'major', systemIds: names.map((n) => systems[n]), ...body });
    expect(response.status, JSON.stringify(response.body)).toBe(201);
    incidents[title] = response.body.id;
  }
});
afterAll(() => api.close());

const ids = (names: string[]) => names.map((name) => systems[name] ?? nobody);

describe('suppressingIncidents', () => {
  const cases: { name: string; systems: string[]; expected: Record<string, string> }[] = [
    { name: 'the newest open incident that suppresses and names the system', systems: ['api'], expected: { api: 'newer muting api and db' } },
    { name: 'an incident that does not suppress leaves the system out', systems: ['web'], expected: {} },
    { name: 'a resolved incident suppresses nothing', systems: ['mail'], expected: {} },
    { name: 'a system no incident names is left out', systems: ['dns', 'nobody'], expected: {} },
    { name: 'several systems at once, each with its own', systems: ['api', 'db', 'web', 'mail', 'dns'], expected: { api: 'newer muting api and db', db: 'newer muting api and db' } },
    { name: 'no systems', systems: [], expected: {} },
  ];
  for (const row of cases) {
    it(row.name, async () => {
      const found = await suppressingIncidents(api.database.pool, ids(row.systems));
      const expected = Object.entries(row.expected).map(([system, title]) => [systems[system], { incidentId: incidents[title], title }]);
      expect(found).toEqual(new Map(expected as [string, { incidentId: string; title: string }][]));
    });
  }
});

describe('openIncidentsOf', () => {
  const cases: { name: string; systems: string[]; expected: Record<string, string[]> }[] = [
    { name: 'every open incident naming the system, newest first', systems: ['db'], expected: { db: ['db, monitoring', 'newer muting api and db'] } },
    { name: 'open whether or not it suppresses', systems: ['web', 'api'], expected: { web: ['web, loud'], api: ['newer muting api and db', 'older muting api'] } },
    { name: 'a resolved incident is not open', systems: ['mail'], expected: {} },
    { name: 'a system no incident names is left out', systems: ['dns', 'nobody'], expected: {} },
    { name: 'no systems', systems: [], expected: {} },
  ];
  for (const row of cases) {
    it(row.name, async () => {
      const found = await openIncidentsOf(api.database.pool, ids(row.systems));
      const titles = new Map([...found].map(([system, open]) => [system, open.map((incident) => incident.title)]));
      expect(titles).toEqual(new Map(Object.entries(row.expected).map(([system, open]) => [systems[system]!, open])));
    });
  }

  it('answers each incident’s id, severity and status', async () => {
    const found = await openIncidentsOf(api.database.pool, [systems.db!]);
    expect(found.get(systems.db!)).toEqual([
      { incidentId: incidents['db, monitoring'], title: 'db, monitoring', severity: 'major', status: 'monitoring' },
      { incidentId: incidents['newer muting api and db'], title: 'newer muting api and db', severity: 'critical', status: 'investigating' },
    ]);
  });
});

describe('as incidents move', () => {
  it('resolving hands suppression back to the older incident; reopening takes it again', async () => {
    const newer = incidents['newer muting api and db']!;
    const older = incidents['older muting api']!;
    const suppressorOfApi = async () => (await suppressingIncidents(api.database.pool, [systems.api!])).get(systems.api!)?.incidentId;

    expect((await api.call('POST', `/api/v1/incidents/${newer}/updates`, { status: 'resolved', message: 'Fixed' })).status).toBe(201);
    expect(await suppressorOfApi()).toBe(older);
    expect((await openIncidentsOf(api.database.pool, [systems.api!])).get(systems.api!)?.map((i) => i.incidentId)).toEqual([older]);

    expect((await api.call('POST', `/api/v1/incidents/${newer}/updates`, { status: 'investigating', message: 'Back' })).status).toBe(201);
    expect(await suppressorOfApi()).toBe(newer);

    expect((await api.call('PATCH', `/api/v1/incidents/${newer}`, { suppressNotifications: false })).status).toBe(200);
    expect(await suppressorOfApi()).toBe(older);
  });

  it('a deleted system is named by no incident', async () => {
    const doomed = (await api.call('POST', '/api/v1/systems', { name: 'doomed' })).body.id;
    await api.call('POST', '/api/v1/incidents', { title: 'doomed', severity: 'minor', systemIds: [doomed], suppressNotifications: true });
    expect((await suppressingIncidents(api.database.pool, [doomed])).size).toBe(1);
    expect((await api.call('DELETE', `/api/v1/systems/${doomed}`)).status).toBe(204);
    expect((await suppressingIncidents(api.database.pool, [doomed])).size).toBe(0);
    expect((await openIncidentsOf(api.database.pool, [doomed])).size).toBe(0);
  });
});
