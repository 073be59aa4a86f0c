import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from './support/api.ts';

/**
 * Group-scoped grants through the real HTTP app (SPEC §8.1, Vigil): a team's editor changes the
 * systems of its groups and the configurations assigned only to them, and nothing else.
 */

let api: TestApi;
let payments: string;
let search: string;
let paySystem: string;
let searchSystem: string;
const password = 'a perfectly long password';

async function tokenFor(role: string | null, grants: { role: string; groupIds: string[] }[]): Promise<Record<string, string>> {
  const email = `scoped-${Math.random().toString(36).slice(2)}@vigil.test`;
  const made = await api.call('POST', '/api/v1/users', { email, role, grants, password });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  const login = await api.app.request('/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const token = await api.call('POST', '/api/v1/tokens', { name: 'scoped' }, { authorization: '', cookie });
  expect(token.status, JSON.stringify(token.body)).toBe(201);
  return { authorization: `Bearer ${token.body.token}` };
}

beforeAll(async () => {
  api = await createTestApi();
  payments = (await api.call('POST', '/api/v1/groups', { name: 'payments' })).body.id;
  search = (await api.call('POST', '/api/v1/groups', { name: 'search' })).body.id;
  paySystem = (await api.call('POST', '/api/v1/systems', { name: 'pay-api', groupIds: [payments] })).body.id;
  searchSystem = (await api.call('POST', '/api/v1/systems', { name: 'search-api', groupIds: [search] })).body.id;
});
afterAll(() => api.close());

const config = (name: string) => ({ name, strategy: 'tcp', config: { host: '127.0.0.1', port: 9 }, intervalSeconds: 60 });

describe('an editor limited to the payments group, with no role elsewhere', () => {
  let as: Record<string, string>;
  beforeAll(async () => {
    as = await tokenFor(null, [{ role: 'editor', groupIds: [payments] }]);
  });

  it('says who it is with its grants', async () => {
    const me = await api.call('GET', '/api/v1/auth/me', undefined, as);
    expect(me.body).toMatchObject({ role: null, grants: [{ role: 'editor', groupIds: [payments] }] });
  });

  it('reads and changes its systems, and is refused the others with a reason', async () => {
    expect((await api.call('GET', `/api/v1/systems/${paySystem}`, undefined, as)).status).toBe(200);
    expect((await api.call('PATCH', `/api/v1/systems/${paySystem}`, { description: 'ours' }, as)).status).toBe(200);
    const other = await api.call('GET', `/api/v1/systems/${searchSystem}`, undefined, as);
    expect(other.status).toBe(403);
    expect(other.body.error.message).toMatch(/outside the groups your role is limited to/);
    expect((await api.call('PATCH', `/api/v1/systems/${searchSystem}`, { description: 'theirs' }, as)).status).toBe(403);
    expect((await api.call('DELETE', `/api/v1/systems/${searchSystem}`, undefined, as)).status).toBe(403);
    expect((await api.call('GET', `/api/v1/systems/${searchSystem}`)).body.description).toBe('');
  });

  it('lists only through its group', async () => {
    const all = await api.call('GET', '/api/v1/systems', undefined, as);
    expect(all.status).toBe(403);
    expect(all.body.error.message).toMatch(/\?groupId=/);
    const ours = await api.call('GET', `/api/v1/systems?groupId=${payments}`, undefined, as);
    expect(ours.status).toBe(200);
    expect(ours.body.items.map((s: { name: string }) => s.name)).toEqual(['pay-api']);
    expect((await api.call('GET', `/api/v1/systems?groupId=${search}`, undefined, as)).status).toBe(403);
  });

  it('creates systems only in its groups and cannot move them out', async () => {
    expect((await api.call('POST', '/api/v1/systems', { name: 'pay-worker', groupIds: [payments] }, as)).status).toBe(201);
    expect((await api.call('POST', '/api/v1/systems', { name: 'loose' }, as)).status).toBe(403);
    expect((await api.call('POST', '/api/v1/systems', { name: 'sneaky', groupIds: [payments, search] }, as)).status).toBe(403);
    expect((await api.call('PATCH', `/api/v1/systems/${paySystem}`, { groupIds: [search] }, as)).status).toBe(403);
    expect((await api.call('GET', `/api/v1/systems/${paySystem}`)).body.groupIds).toEqual([payments]);
  });

  it('drafts a configuration, assigns it to its system, then changes it; a shared one it reads but cannot change', async () => {
    const own = await api.call('POST', '/api/v1/configurations', config('pay-tcp'), as);
    expect(own.status, JSON.stringify(own.body)).toBe(201);
    expect((await api.call('POST', '/api/v1/assignments', { systemId: paySystem, configurationId: own.body.id }, as)).status).toBe(201);
    expect((await api.call('POST', '/api/v1/assignments', { systemId: searchSystem, configurationId: own.body.id }, as)).status).toBe(403);
    expect((await api.call('PATCH', `/api/v1/configurations/${own.body.id}`, { intervalSeconds: 120 }, as)).status).toBe(200);

    const shared = (await api.call('POST', '/api/v1/configurations', config('shared-tcp'))).body.id;
    await api.call('POST', '/api/v1/assignments', { systemId: paySystem, configurationId: shared });
    await api.call('POST', '/api/v1/assignments', { systemId: searchSystem, configurationId: shared });
    expect((await api.call('GET', `/api/v1/configurations/${shared}`, undefined, as)).status).toBe(200);
    const change = await api.call('PATCH', `/api/v1/configurations/${shared}`, { intervalSeconds: 30 }, as);
    expect(change.status).toBe(403);
    expect(change.body.error.message).toMatch(/every system it is assigned to/);
    expect((await api.call('GET', `/api/v1/configurations/${shared}`)).body.intervalSeconds).toBe(60);

    const assignments = await api.call('GET', `/api/v1/assignments?systemId=${paySystem}`, undefined, as);
    expect(assignments.status).toBe(200);
    expect(assignments.body.items).toHaveLength(2);
    expect((await api.call('GET', `/api/v1/assignments?systemId=${searchSystem}`, undefined, as)).status).toBe(403);
  });

  it('reads the shared definitions but changes none of them', async () => {
    expect((await api.call('GET', '/api/v1/environments', undefined, as)).status).toBe(200);
    expect((await api.call('GET', '/api/v1/secrets', undefined, as)).status).toBe(200);
    expect((await api.call('POST', '/api/v1/environments', { name: 'theirs' }, as)).status).toBe(403);
    expect((await api.call('POST', '/api/v1/groups', { name: 'mine' }, as)).status).toBe(403);
    expect((await api.call('DELETE', `/api/v1/groups/${payments}`, undefined, as)).status).toBe(403);
    expect((await api.call('PATCH', `/api/v1/groups/${payments}`, { systemIds: [paySystem, searchSystem] }, as)).status).toBe(403);
  });

  it('reads health and runs of its systems only', async () => {
    expect((await api.call('GET', `/api/v1/health?systemIds=${paySystem}`, undefined, as)).status).toBe(200);
    expect((await api.call('GET', `/api/v1/health?systemIds=${paySystem},${searchSystem}`, undefined, as)).status).toBe(403);
    expect((await api.call('GET', `/api/v1/runs?systemId=${paySystem}`, undefined, as)).status).toBe(200);
    expect((await api.call('GET', '/api/v1/runs', undefined, as)).status).toBe(403);
    const configurationId = (await api.call('POST', '/api/v1/configurations', { ...config('runs-read'), enabled: false })).body.id;
    const runOf = async (systemId: string) => (await api.services.recorder.recordRun({
      systemId, configurationId, environmentId: null, source: 'Local', status: 'healthy', latencyMs: 1, message: '', result: {}, scheduledFor: new Date(), at: new Date(),
    }))!;
    const ours = await runOf(paySystem);
    const theirs = await runOf(searchSystem);
    const read = await api.call('GET', `/api/v1/runs/${ours}`, undefined, as);
    expect(read.status).toBe(200);
    expect(read.body.systemId).toBe(paySystem);
    expect((await api.call('GET', `/api/v1/runs/${theirs}`, undefined, as)).status).toBe(403);
  });

  it('test-runs against its own systems only, and of stored configurations only those it may read', async () => {
    const draft = { definition: { strategy: 'tcp', config: { host: '127.0.0.1', port: 9, timeout: 1000 } } };
    const ours = await api.call('POST', '/api/v1/configurations/test-run', { ...draft, systemId: paySystem }, as);
    expect(ours.status, JSON.stringify(ours.body)).toBe(200);
    expect(ours.body.systemId).toBe(paySystem);
    expect((await api.call('POST', '/api/v1/configurations/test-run', { ...draft, systemId: searchSystem }, as)).status).toBe(403);
    const nowhere = await api.call('POST', '/api/v1/configurations/test-run', draft, as);
    expect(nowhere.status).toBe(403);
    expect(nowhere.body.error.message).toMatch(/systemId/);
    const theirs = (await api.call('POST', '/api/v1/configurations', config('search-only'))).body.id;
    await api.call('POST', '/api/v1/assignments', { systemId: searchSystem, configurationId: theirs });
    expect((await api.call('POST', '/api/v1/configurations/test-run', { configurationId: theirs, systemId: paySystem }, as)).status).toBe(403);
  });

  it('audits its changes under its own name', async () => {
    const entries = (await api.call('GET', `/api/v1/audit?resourceType=system&resourceId=${paySystem}`)).body.items;
    expect(entries[0].actor.label).toMatch(/^scoped-.*@vigil\.test \(token scoped\)$/);
  });
});

describe('a viewer of everything who edits the payments group', () => {
  it('reads everything and changes only payments', async () => {
    const as = await tokenFor('viewer', [{ role: 'editor', groupIds: [payments] }]);
    expect((await api.call('GET', '/api/v1/systems', undefined, as)).body.items.length).toBeGreaterThanOrEqual(2);
    expect((await api.call('GET', `/api/v1/systems/${searchSystem}`, undefined, as)).status).toBe(200);
    expect((await api.call('PATCH', `/api/v1/systems/${searchSystem}`, { description: 'x' }, as)).status).toBe(403);
    expect((await api.call('PATCH', `/api/v1/systems/${paySystem}`, { description: 'viewer-editor' }, as)).status).toBe(200);
  });
});

describe('grants', () => {
  it('must name groups that exist, roles below admin, and at least one group', async () => {
    const unknown = await api.call('POST', '/api/v1/users', { email: 'g1@vigil.test', role: null, grants: [{ role: 'editor', groupIds: ['00000000-0000-4000-8000-000000000000'] }], password });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details[0]).toEqual({ path: 'grants.0.groupIds', message: 'no group has id "00000000-0000-4000-8000-000000000000"' });
    const admin = await api.call('POST', '/api/v1/users', { email: 'g2@vigil.test', role: null, grants: [{ role: 'admin', groupIds: [payments] }], password });
    expect(admin.status).toBe(400);
    expect(admin.body.error.details[0].path).toBe('grants.0.role');
    const empty = await api.call('POST', '/api/v1/users', { email: 'g3@vigil.test', role: null, grants: [{ role: 'viewer', groupIds: [] }], password });
    expect(empty.status).toBe(400);
  });

  it('take effect on the next request when an admin changes them', async () => {
    const as = await tokenFor(null, [{ role: 'viewer', groupIds: [payments] }]);
    expect((await api.call('GET', `/api/v1/systems/${searchSystem}`, undefined, as)).status).toBe(403);
    const users = (await api.call('GET', '/api/v1/users')).body.items as { id: string; grants: unknown[] }[];
    const user = users.find((u) => u.grants.length === 1 && JSON.stringify(u.grants).includes('viewer'))!;
    expect((await api.call('PATCH', `/api/v1/users/${user.id}`, { grants: [{ role: 'viewer', groupIds: [payments, search] }] })).status).toBe(200);
    expect((await api.call('GET', `/api/v1/systems/${searchSystem}`, undefined, as)).status).toBe(200);
  });

  it('a token is never more than its creator, also within groups', async () => {
    const as = await tokenFor(null, [{ role: 'viewer', groupIds: [payments] }]);
    const me = await api.call('GET', '/api/v1/auth/me', undefined, as);
    expect(me.body.grants).toEqual([{ role: 'viewer', groupIds: [payments] }]);
    expect((await api.call('POST', '/api/v1/tokens', { name: 'more', role: 'editor' }, as)).status).toBe(403);
  });
});
