import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from './support/api.ts';

/**
 * Single sign-on maps roles from the provider's claims at each sign-in (access/oidc.ts →
 * startSession). It must never leave Vigil without an admin: the last admin who can sign in keeps
 * the role; with another admin there, the mapping holds.
 */
let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(() => api.close());

const roleOf = async (id: string) => (await api.database.pool.query('SELECT role FROM users WHERE id = $1', [id])).rows[0].role;

describe('a role mapped at sign-in', () => {
  it('never demotes the last admin, and demotes one of two', async () => {
    const [admin] = await api.services.access.listUsers();
    await api.services.access.startSession(admin!.id, 'viewer');
    expect(await roleOf(admin!.id)).toBe('admin');

    const other = await api.call('POST', '/api/v1/users', { email: 'second-admin@vigil.test', role: 'admin', password: 'a long enough password' });
    expect(other.status, JSON.stringify(other.body)).toBe(201);
    await api.services.access.startSession(admin!.id, 'viewer');
    expect(await roleOf(admin!.id)).toBe('viewer');
    // Now the other one is the last admin.
    await api.services.access.startSession(other.body.id, 'editor');
    expect(await roleOf(other.body.id)).toBe('admin');
  });
});
