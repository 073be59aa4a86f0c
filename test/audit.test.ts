import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from './support/api.ts';

/**
 * The audit log (SPEC §8.1) through the real HTTP app: every change names who made it, from where,
 * and what changed, in the transaction of the change; credentials never appear in it.
 */

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(() => api.close());

const audit = async (query: string) => {
  const response = await api.call('GET', `/api/v1/audit?${query}`);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body as { items: any[]; nextCursor: string | null };
};

describe('audit log', () => {
  it('records create, update and delete of a system with the caller, address and the fields that changed', async () => {
    const created = await api.call('POST', '/api/v1/systems', { name: 'audited' });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect((await api.call('PATCH', `/api/v1/systems/${id}`, { description: 'now described' })).status).toBe(200);
    expect((await api.call('DELETE', `/api/v1/systems/${id}`)).status).toBe(204);

    const { items } = await audit(`resourceType=system&resourceId=${id}`);
    expect(items.map((e) => e.action)).toEqual(['delete', 'update', 'create']);
    const [deleted, updated, made] = items;
    expect(made.actor).toMatchObject({ kind: 'token', label: 'admin@vigil.test (token tests)' });
    expect(made.actor.tokenId).toEqual(expect.any(String));
    expect(made.ip).toEqual(expect.any(String));
    expect(made.before).toBeNull();
    expect(made.after).toMatchObject({ id, name: 'audited' });
    expect(updated.changes).toEqual([{ path: 'description', before: '', after: 'now described' }]);
    expect(deleted.before).toMatchObject({ name: 'audited', description: 'now described' });
    expect(deleted.after).toBeNull();
  });

  it('writes nothing for a change that did not happen (same transaction)', async () => {
    expect((await api.call('POST', '/api/v1/groups', { name: 'only-once' })).status).toBe(201);
    const before = (await audit('resourceType=group')).items.length;
    expect((await api.call('POST', '/api/v1/groups', { name: 'only-once' })).status).toBe(409);
    expect((await api.call('PATCH', '/api/v1/groups/00000000-0000-4000-8000-000000000000', { description: 'x' })).status).toBe(404);
    expect((await audit('resourceType=group')).items.length).toBe(before);
  });

  it('never holds a secret value, a literal credential in a configuration, a password or a token', async () => {
    const secretValue = 'S3cret-value-9f2c1a77';
    const literalPassword = 'literal-pw-0b7e44d1';
    const bearer = 'Bearer literal-token-5c6d';
    const userPassword = 'user password 8e1f0c';
    expect((await api.call('POST', '/api/v1/secrets', { name: 'AUDIT_SECRET', value: secretValue })).status).toBe(201);
    expect((await api.call('PUT', '/api/v1/secrets/AUDIT_SECRET', { value: `${secretValue}-2` })).status).toBe(200);
    const configuration = await api.call('POST', '/api/v1/configurations', {
      name: 'with-credentials',
      strategy: 'http',
      config: { url: 'http://127.0.0.1:9/', headers: { Authorization: bearer, 'X-Ref': '{{ secrets.AUDIT_SECRET }}' } },
      intervalSeconds: 60,
    });
    expect(configuration.status, JSON.stringify(configuration.body)).toBe(201);
    const user = await api.call('POST', '/api/v1/users', { email: 'audited@vigil.test', role: 'viewer', password: userPassword });
    expect(user.status).toBe(201);
    expect((await api.call('PATCH', `/api/v1/users/${user.body.id}`, { password: `${userPassword}-new` })).status).toBe(200);
    const token = await api.call('POST', '/api/v1/tokens', { name: 'audited token', role: 'viewer' });
    expect(token.status).toBe(201);
    const postgres = await api.call('POST', '/api/v1/configurations', {
      name: 'pg-literal',
      strategy: 'postgres',
      config: { host: '127.0.0.1', user: 'postgres', password: literalPassword },
      intervalSeconds: 60,
    });
    expect(postgres.status, JSON.stringify(postgres.body)).toBe(201);

    const everything = JSON.stringify((await audit('limit=500')).items);
    for (const leaked of [secretValue, literalPassword, bearer, userPassword, token.body.token as string, api.token]) {
      expect(everything).not.toContain(leaked);
    }
    expect(everything).not.toContain('$argon2id$');
    // What an admin needs is still there: which secret was set, the configuration's other fields, references by name.
    const secretEntries = (await audit('resourceType=secret&resourceId=AUDIT_SECRET')).items;
    expect(secretEntries.map((e) => e.action)).toEqual(['set_value', 'create']);
    const [pg] = (await audit(`resourceType=configuration&resourceId=${postgres.body.id}`)).items;
    expect(pg.after.config).toMatchObject({ host: '127.0.0.1', user: 'postgres', password: '[redacted]' });
    const [http] = (await audit(`resourceType=configuration&resourceId=${configuration.body.id}`)).items;
    expect(http.after.config.headers).toEqual({ Authorization: '[redacted]', 'X-Ref': '{{ secrets.AUDIT_SECRET }}' });
  });

  it('filters by actor (email, also their tokens) and time, and pages newest first with a cursor', async () => {
    for (const name of ['page-a', 'page-b', 'page-c']) expect((await api.call('POST', '/api/v1/environments', { name })).status).toBe(201);
    const first = await audit('resourceType=environment&limit=2');
    expect(first.items.map((e) => e.after.name)).toEqual(['page-c', 'page-b']);
    expect(first.nextCursor).not.toBeNull();
    const second = await audit(`resourceType=environment&limit=2&cursor=${first.nextCursor}`);
    expect(second.items.map((e) => e.after.name)).toEqual(['page-a']);
    expect(second.nextCursor).toBeNull();

    const byEmail = await audit('actor=admin@vigil.test&resourceType=environment');
    expect(byEmail.items).toHaveLength(3);
    expect((await audit('actor=nobody@vigil.test')).items).toHaveLength(0);
    expect((await audit(`resourceType=environment&from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`)).items).toHaveLength(0);
    const bad = await api.call('GET', '/api/v1/audit?cursor=zzz');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].path).toBe('cursor');
  });

  it('records the first admin made at start as Vigil itself, and a user change with before and after', async () => {
    const users = (await audit('resourceType=user')).items;
    const first = users.find((e) => e.after?.email === 'admin@vigil.test');
    expect(first.actor).toMatchObject({ kind: 'system', id: 'vigil' });
    const made = await api.call('POST', '/api/v1/users', { email: 'promoted@vigil.test', role: 'viewer', password: 'a long enough password' });
    expect((await api.call('PATCH', `/api/v1/users/${made.body.id}`, { role: 'editor' })).status).toBe(200);
    const [update] = (await audit(`resourceType=user&resourceId=${made.body.id}`)).items;
    expect(update.changes).toEqual([{ path: 'role', before: 'viewer', after: 'editor' }]);
  });
});
