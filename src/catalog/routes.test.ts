import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../test/support/api.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(() => api.close());

const missingId = '00000000-0000-4000-8000-000000000000';

describe('systems', () => {
  it('creates, reads, patches and deletes a system', async () => {
    const created = await api.call('POST', '/api/v1/systems', { name: 'payments-api', description: 'Takes money', tags: { team: 'core' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'payments-api', description: 'Takes money', public: false, groupIds: [], environmentIds: [], tags: { team: 'core' } });
    const id = created.body.id;

    expect((await api.call('GET', `/api/v1/systems/${id}`)).body.name).toBe('payments-api');

    const patched = await api.call('PATCH', `/api/v1/systems/${id}`, { public: true });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ name: 'payments-api', description: 'Takes money', public: true });

    expect((await api.call('DELETE', `/api/v1/systems/${id}`)).status).toBe(204);
    expect((await api.call('GET', `/api/v1/systems/${id}`)).status).toBe(404);
  });

  it('refuses a duplicate name ignoring case with a 409 naming the field, keeping the original', async () => {
    const first = await api.call('POST', '/api/v1/systems', { name: 'Checkout' });
    const duplicate = await api.call('POST', '/api/v1/systems', { name: 'checkout' });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.code).toBe('conflict');
    expect(duplicate.body.error.details).toEqual([expect.objectContaining({ path: 'name' })]);
    expect((await api.call('GET', `/api/v1/systems/${first.body.id}`)).body.name).toBe('Checkout');
  });

  it('names every offending field of bad input in one 400', async () => {
    const response = await api.call('POST', '/api/v1/systems', { name: '', public: 'yes', groupIds: ['nope'], colour: 'red' });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('validation_failed');
    const paths = response.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['name', 'public', 'groupIds.0']));
    expect(response.body.error.details.some((d: { message: string }) => /colour/.test(d.message))).toBe(true);
  });

  it('answers malformed JSON with invalid_json and a non-JSON body with 415', async () => {
    const malformed = await api.call('POST', '/api/v1/systems', '{"name": ');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('invalid_json');
    const text = await api.call('POST', '/api/v1/systems', 'name=x', { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    expect(text.body.error.message).toMatch(/application\/json/);
  });

  it('answers an unknown id with 404 and a malformed id with 400', async () => {
    expect((await api.call('GET', `/api/v1/systems/${missingId}`)).status).toBe(404);
    expect((await api.call('PATCH', `/api/v1/systems/${missingId}`, { public: true })).status).toBe(404);
    expect((await api.call('DELETE', `/api/v1/systems/${missingId}`)).status).toBe(404);
    const bad = await api.call('GET', '/api/v1/systems/not-a-uuid');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('id');
  });

  it('rejects a reference to a group that does not exist, writing nothing', async () => {
    const response = await api.call('POST', '/api/v1/systems', { name: 'orphan', groupIds: [missingId] });
    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([{ path: 'groupIds.0', message: `no group with id ${missingId}` }]);
    const list = await api.call('GET', '/api/v1/systems?name=orphan');
    expect(list.body.items).toEqual([]);
  });

  it('pages through systems with a cursor, in name order, and filters', async () => {
    const names = ['page-c', 'page-a', 'page-e', 'page-b', 'page-d'];
    for (const name of names) await api.call('POST', '/api/v1/systems', { name, public: name === 'page-b' });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `/api/v1/systems?name=page-&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await api.call('GET', query);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((s: { name: string }) => s.name));
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(seen).toEqual(['page-a', 'page-b', 'page-c', 'page-d', 'page-e']);
    expect(pages).toBe(3);

    const publicOnly = await api.call('GET', '/api/v1/systems?name=page-&public=true');
    expect(publicOnly.body.items.map((s: { name: string }) => s.name)).toEqual(['page-b']);
    expect((await api.call('GET', '/api/v1/systems?cursor=%%%')).status).toBe(400);
    expect((await api.call('GET', '/api/v1/systems?limit=0')).status).toBe(400);
  });
});

describe('groups', () => {
  it('keeps members in step from both sides and filters systems by group', async () => {
    const a = (await api.call('POST', '/api/v1/systems', { name: 'grp-a' })).body;
    const b = (await api.call('POST', '/api/v1/systems', { name: 'grp-b' })).body;
    const group = await api.call('POST', '/api/v1/groups', { name: 'Storefront', systemIds: [a.id] });
    expect(group.status).toBe(201);
    expect(group.body.systemIds).toEqual([a.id]);

    await api.call('PATCH', `/api/v1/systems/${b.id}`, { groupIds: [group.body.id] });
    const members = (await api.call('GET', `/api/v1/groups/${group.body.id}`)).body.systemIds;
    expect([...members].sort()).toEqual([a.id, b.id].sort());

    const filtered = await api.call('GET', `/api/v1/systems?groupId=${group.body.id}`);
    expect(filtered.body.items.map((s: { name: string }) => s.name)).toEqual(['grp-a', 'grp-b']);

    await api.call('DELETE', `/api/v1/systems/${a.id}`);
    expect((await api.call('GET', `/api/v1/groups/${group.body.id}`)).body.systemIds).toEqual([b.id]);
  });
});

describe('environments', () => {
  it('stores custom fields and sets a system membership in order', async () => {
    const prod = (await api.call('POST', '/api/v1/environments', { name: 'prod', fields: { baseUrl: 'https://api.example.test', replicas: 3 } })).body;
    const staging = (await api.call('POST', '/api/v1/environments', { name: 'staging', fields: { baseUrl: 'https://staging.example.test' } })).body;
    expect(prod.fields).toEqual({ baseUrl: 'https://api.example.test', replicas: 3 });

    const system = (await api.call('POST', '/api/v1/systems', { name: 'env-member' })).body;
    const set = await api.call('PUT', `/api/v1/systems/${system.id}/environments`, { environmentIds: [staging.id, prod.id] });
    expect(set.status).toBe(200);
    expect(set.body.environmentIds).toEqual([staging.id, prod.id]);
    const ordered = await api.services.catalog.systemEnvironments(system.id);
    expect(ordered.map((e) => e.name)).toEqual(['staging', 'prod']);

    const bad = await api.call('PUT', `/api/v1/systems/${system.id}/environments`, { environmentIds: [prod.id, missingId] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([{ path: 'environmentIds.1', message: `no environment with id ${missingId}` }]);
    expect((await api.call('GET', `/api/v1/systems/${system.id}`)).body.environmentIds).toEqual([staging.id, prod.id]);

    const badField = await api.call('PATCH', `/api/v1/environments/${prod.id}`, { fields: { '1bad': 'x' } });
    expect(badField.status).toBe(400);
    expect(badField.body.error.details[0].path).toMatch(/^fields/);

    await api.call('DELETE', `/api/v1/environments/${staging.id}`);
    expect((await api.call('GET', `/api/v1/systems/${system.id}`)).body.environmentIds).toEqual([prod.id]);
  });
});
