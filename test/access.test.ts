import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LoginLimiter } from '../src/access/login-limit.ts';
import { sha256 } from '../src/access/service.ts';
import { randomBytes } from 'node:crypto';
import { createHttpApp, createServices } from '../src/app.ts';
import { createMemoryBus } from '../src/events/bus.ts';
import { createMemoryQueue } from '../src/queue/memory.ts';
import { silentLogger } from '../src/kernel/log.ts';
import { appWithSingleSignOn, createTestApi, type TestApi } from './support/api.ts';

/**
 * Access control through the real HTTP app (SPEC §8.1): every route from the app's own route
 * table needs a caller and the right role, sign-in and sessions, tokens, and CSRF.
 */

let api: TestApi;
let document: { paths: Record<string, Record<string, { security?: unknown[] }>> };
const strong = 'a perfectly long password';

beforeAll(async () => {
  api = await createTestApi();
  // With single sign-on on, so its routes are in the table too.
  document = await (await appWithSingleSignOn(api).request('/api/openapi.json')).json();
});
afterAll(() => api.close());

const uuid = '00000000-0000-4000-8000-000000000000';
/** Every operation of the route table, with its path made concrete. */
function operations(): { method: string; path: string; public: boolean }[] {
  return Object.entries(document.paths)
    .filter(([path]) => path.startsWith('/api/v1/'))
    .flatMap(([path, item]) =>
      Object.entries(item).map(([method, operation]) => ({
        method: method.toUpperCase(),
        path: path.replace(/\{name\}/g, 'some-secret').replace(/\{\w+\}/g, uuid),
        public: Array.isArray(operation.security) && operation.security.length === 0,
      })),
    );
}

async function userToken(role: 'viewer' | 'editor' | 'admin' | null, grants: { role: string; groupIds: string[] }[] = []): Promise<string> {
  const email = `${role}-${Math.random().toString(36).slice(2)}@vigil.test`;
  const made = await api.call('POST', '/api/v1/users', { email, role, grants, password: strong });
  expect(made.status, JSON.stringify(made.body)).toBe(201);
  const cookie = await loginCookie(email);
  const created = await api.call('POST', '/api/v1/tokens', { name: 't' }, { authorization: '', cookie });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.token;
}

async function loginCookie(email: string, password = strong): Promise<string> {
  const response = await api.app.request('/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
  expect(response.status).toBe(200);
  return response.headers.get('set-cookie')!.split(';')[0]!;
}

const send = (method: string, path: string, headers: Record<string, string>) =>
  api.app.request(path, { method, headers: { 'content-type': 'application/json', ...headers }, ...(['POST', 'PUT', 'PATCH'].includes(method) ? { body: '{}' } : {}) });

/** What a viewer may still change: their own session, password and tokens. */
const VIEWER_MAY_WRITE = [/^\/api\/v1\/auth\//, /^\/api\/v1\/tokens/];
const ADMIN_ONLY = [/^\/api\/v1\/users/, /^\/api\/v1\/secrets/];

describe('every route in the route table', () => {
  it('lists the operations this test walks (the route table is not empty)', () => {
    expect(operations().length).toBeGreaterThan(30);
    expect(operations().filter((o) => o.public).map((o) => `${o.method} ${o.path}`).sort()).toEqual([
      'GET /api/v1/auth/oidc',
      'GET /api/v1/auth/oidc/callback',
      'GET /api/v1/auth/oidc/login',
      'POST /api/v1/auth/login',
      'POST /api/v1/auth/setup',
    ]);
  });

  it('answers 401 without credentials, and with a token that does not exist', async () => {
    for (const operation of operations().filter((o) => !o.public)) {
      for (const headers of [{}, { authorization: 'Bearer vgl_not-a-real-token' }] as Record<string, string>[]) {
        const response = await send(operation.method, operation.path, headers);
        expect(response.status, `${operation.method} ${operation.path} ${JSON.stringify(headers)}`).toBe(401);
      }
    }
  });

  it('answers 403 to a viewer for every change but its own session, password and tokens', async () => {
    const token = await userToken('viewer');
    for (const operation of operations().filter((o) => !o.public && o.method !== 'GET' && !VIEWER_MAY_WRITE.some((p) => p.test(o.path)))) {
      const response = await send(operation.method, operation.path, { authorization: `Bearer ${token}` });
      expect(response.status, `${operation.method} ${operation.path}`).toBe(403);
    }
  });

  it('answers 403 to an editor for users and secret writes, and lets it read secret names', async () => {
    const token = await userToken('editor');
    for (const operation of operations().filter((o) => ADMIN_ONLY.some((p) => p.test(o.path)) && (o.method !== 'GET' || o.path.startsWith('/api/v1/users')))) {
      const response = await send(operation.method, operation.path, { authorization: `Bearer ${token}` });
      expect(response.status, `${operation.method} ${operation.path}`).toBe(403);
    }
    expect((await send('GET', '/api/v1/secrets', { authorization: `Bearer ${token}` })).status).toBe(200);
  });

  it('answers 403 to a role limited to a group for everything outside it, but its own session, tokens and shared reads', async () => {
    const group = await api.call('POST', '/api/v1/groups', { name: `walk-${Date.now()}` });
    const token = await userToken(null, [{ role: 'editor', groupIds: [group.body.id] }]);
    // Reads of what every team shares (environments, strategies, secret names), drafting a configuration, and oneself.
    const open = [/^\/api\/v1\/auth\//, /^\/api\/v1\/tokens/, /^GET \/api\/v1\/(environments|strategies|secrets)/, /^POST \/api\/v1\/configurations(\/validate)?$/];
    let refused = 0;
    for (const operation of operations().filter((o) => !o.public)) {
      const response = await send(operation.method, operation.path, { authorization: `Bearer ${token}` });
      const mayPass = open.some((p) => p.test(operation.path) || p.test(`${operation.method} ${operation.path}`));
      if (mayPass) expect([401, 403], `${operation.method} ${operation.path}`).not.toContain(response.status);
      else expect(response.status, `${operation.method} ${operation.path}`).toBe(403);
      if (response.status === 403) refused += 1;
    }
    expect(refused).toBeGreaterThan(25);
  });

  it('documents the security requirement and the 401/403 answers of every protected operation', () => {
    for (const [path, item] of Object.entries(document.paths).filter(([p]) => p.startsWith('/api/v1/'))) {
      for (const [method, operation] of Object.entries(item) as [string, { security?: unknown[]; responses: Record<string, unknown> }][]) {
        if (operation.security?.length === 0) continue;
        expect(Object.keys(operation.responses), `${method} ${path}`).toEqual(expect.arrayContaining(['401', '403']));
      }
    }
    expect((document as unknown as { security: unknown[] }).security).toEqual([{ bearerToken: [] }, { sessionCookie: [] }]);
  });
});

describe('signing in', () => {
  it('answers a wrong password and an unknown email the same way', async () => {
    const wrong = await api.call('POST', '/api/v1/auth/login', { email: 'admin@vigil.test', password: 'not the password at all' }, { authorization: '' });
    const unknown = await api.call('POST', '/api/v1/auth/login', { email: 'nobody@vigil.test', password: 'not the password at all' }, { authorization: '' });
    expect(wrong).toEqual(unknown);
    expect(wrong.status).toBe(401);
  });

  it('sets an HTTP-only, SameSite=Lax session cookie, Secure only behind HTTPS', async () => {
    const response = await api.app.request('/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'admin@vigil.test', password: 'correct horse battery staple' }) });
    const cookie = response.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^vigil_session=[\w-]{40,};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/);
    const me = await api.call('GET', '/api/v1/auth/me', undefined, { authorization: '', cookie: cookie.split(';')[0]! });
    expect(me.body).toMatchObject({ user: { email: 'admin@vigil.test', role: 'admin' }, via: 'session', role: 'admin' });
  });

  it('ends a session on logout, and every session of a user on a password change', async () => {
    const email = `changer-${Date.now()}@vigil.test`;
    await api.call('POST', '/api/v1/users', { email, role: 'editor', password: strong });
    const first = await loginCookie(email);
    const second = await loginCookie(email);
    expect((await api.call('POST', '/api/v1/auth/logout', undefined, { authorization: '', cookie: first })).status).toBe(204);
    expect((await api.call('GET', '/api/v1/auth/me', undefined, { authorization: '', cookie: first })).status).toBe(401);
    const changed = await api.call('PUT', '/api/v1/auth/password', { current: strong, new: 'another long password' }, { authorization: '', cookie: second });
    expect(changed.status).toBe(204);
    expect((await api.call('GET', '/api/v1/auth/me', undefined, { authorization: '', cookie: second })).status).toBe(401);
    expect(await loginCookie(email, 'another long password')).toMatch(/^vigil_session=/);
  });

  it('refuses a cookie-authenticated write from another origin, and takes it from its own', async () => {
    const cookie = await loginCookie('admin@vigil.test', 'correct horse battery staple');
    const foreign = await api.call('POST', '/api/v1/systems', { name: 'csrf' }, { authorization: '', cookie, origin: 'http://evil.test' });
    expect(foreign.status).toBe(403);
    expect(foreign.body.error.message).toMatch(/Cross-origin request refused/);
    expect((await api.call('POST', '/api/v1/systems', { name: 'csrf' }, { authorization: '', cookie, origin: 'http://localhost', host: 'localhost' })).status).toBe(201);
    // A bearer token is not sent by browsers on their own: no CSRF check.
    expect((await api.call('POST', '/api/v1/systems', { name: 'csrf-token' }, { origin: 'http://evil.test' })).status).toBe(201);
  });
});

describe('API tokens', () => {
  it('shows a token once, stores only its hash, and revokes it at once', async () => {
    const created = await api.call('POST', '/api/v1/tokens', { name: 'ci', role: 'viewer' });
    expect(created.status).toBe(201);
    expect(created.body.token).toMatch(/^vgl_[\w-]{43}$/);
    const listed = await api.call('GET', '/api/v1/tokens');
    expect(JSON.stringify(listed.body)).not.toContain(created.body.token);
    const stored = await api.database.pool.query('SELECT * FROM api_tokens');
    expect(JSON.stringify(stored.rows)).not.toContain(created.body.token);
    const bearer = { authorization: `Bearer ${created.body.token}` };
    expect((await api.call('GET', '/api/v1/systems', undefined, bearer)).status).toBe(200);
    expect((await api.call('DELETE', `/api/v1/tokens/${created.body.id}`)).status).toBe(204);
    expect((await api.call('GET', '/api/v1/systems', undefined, bearer)).status).toBe(401);
  });

  it('never gives a token more than its creator’s role, even after the creator is demoted', async () => {
    const viewer = await userToken('viewer');
    const escalate = await api.call('POST', '/api/v1/tokens', { name: 'up', role: 'admin' }, { authorization: `Bearer ${viewer}` });
    expect(escalate.status).toBe(403);
    const editor = await userToken('editor');
    const { body: me } = await api.call('GET', '/api/v1/auth/me', undefined, { authorization: `Bearer ${editor}` });
    await api.call('PATCH', `/api/v1/users/${me.user.id}`, { role: 'viewer' });
    expect((await api.call('POST', '/api/v1/systems', { name: 'after-demotion' }, { authorization: `Bearer ${editor}` })).status).toBe(403);
  });

  it('stops working at once when its user is disabled', async () => {
    const token = await userToken('editor');
    const { body: me } = await api.call('GET', '/api/v1/auth/me', undefined, { authorization: `Bearer ${token}` });
    expect((await api.call('PATCH', `/api/v1/users/${me.user.id}`, { disabled: true })).status).toBe(200);
    expect((await api.call('GET', '/api/v1/systems', undefined, { authorization: `Bearer ${token}` })).status).toBe(401);
  });

  it('refuses an expiry in the past and stops an expired token', async () => {
    expect((await api.call('POST', '/api/v1/tokens', { name: 'old', expiresAt: '2020-01-01T00:00:00Z' })).status).toBe(400);
    const soon = await api.call('POST', '/api/v1/tokens', { name: 'soon', expiresAt: new Date(Date.now() + 1_000).toISOString() });
    expect(soon.status).toBe(201);
    await api.database.pool.query("UPDATE api_tokens SET expires_at = now() - interval '1 second' WHERE id = $1", [soon.body.id]);
    expect((await api.call('GET', '/api/v1/systems', undefined, { authorization: `Bearer ${soon.body.token}` })).status).toBe(401);
  });
});

describe('users', () => {
  it('refuses a short password and a password equal to the email, naming the field', async () => {
    const short = await api.call('POST', '/api/v1/users', { email: 'short@vigil.test', role: 'viewer', password: 'short' });
    expect(short.status).toBe(400);
    expect(short.body.error.details).toEqual([{ path: 'password', message: 'expected at least 10 characters' }]);
    const same = await api.call('POST', '/api/v1/users', { email: 'same.as.email@vigil.test', role: 'viewer', password: 'same.as.email@vigil.test' });
    expect(same.body.error.details).toEqual([{ path: 'password', message: 'must not be the email address' }]);
  });

  it('never answers with a password hash', async () => {
    const created = await api.call('POST', '/api/v1/users', { email: 'hashless@vigil.test', role: 'viewer', password: strong });
    const listed = await api.call('GET', '/api/v1/users');
    expect(JSON.stringify([created.body, listed.body])).not.toMatch(/argon2|password/i);
  });
});

describe('sign-in throttling', () => {
  it('answers 429 with Retry-After after 10 failures for an account, whatever the password then', async () => {
    // A limiter of its own: the other tests' failures from the same (in-process) address must not count.
    const app = createHttpApp(api.database, { ...api.services, loginLimiter: new LoginLimiter() }, silentLogger());
    const login = (email: string, password: string) =>
      app.request('/api/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password }) });
    const email = `guessed-${Date.now()}@vigil.test`;
    await api.call('POST', '/api/v1/users', { email, role: 'viewer', password: strong });
    for (let i = 0; i < 10; i++) expect((await login(email, `guess number ${i}`)).status).toBe(401);
    const response = await login(email, strong);
    expect(response.status).toBe(429);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await response.json()).error.code).toBe('too_many_requests');
  });
});

describe('configurations that run commands on the Vigil host', () => {
  const script = { name: 'host-command', strategy: 'script', intervalSeconds: 60, config: { command: 'true' } };

  it('need the admin role to create or change, not just editor', async () => {
    const editor = await userToken('editor');
    const refused = await api.call('POST', '/api/v1/configurations', script, { authorization: `Bearer ${editor}` });
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toBe('Configurations of strategy "script" run commands on the Vigil host: they need the admin role; you have editor');
    const created = await api.call('POST', '/api/v1/configurations', script);
    expect(created.status).toBe(201);
    expect((await api.call('PATCH', `/api/v1/configurations/${created.body.id}`, { intervalSeconds: 30 }, { authorization: `Bearer ${editor}` })).status).toBe(403);
    const tcp = await api.call('POST', '/api/v1/configurations', { name: 'not-a-command', strategy: 'tcp', intervalSeconds: 60, config: { host: '127.0.0.1', port: 1 } }, { authorization: `Bearer ${editor}` });
    expect(tcp.status).toBe(201);
    const turned = await api.call('PATCH', `/api/v1/configurations/${tcp.body.id}`, { strategy: 'script', config: { command: 'true' } }, { authorization: `Bearer ${editor}` });
    expect(turned.status).toBe(403);
  });

  it('are open to editors when VIGIL_SCRIPT_ROLE=editor', async () => {
    const app = createHttpApp(api.database, api.services, silentLogger(), { scriptRole: 'editor' });
    const editor = await userToken('editor');
    const response = await app.request('/api/v1/configurations', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${editor}` },
      body: JSON.stringify({ ...script, name: 'editor-command' }),
    });
    expect(response.status).toBe(201);
  });
});

describe('credentials cached per process', () => {
  it('stop working on another process at once when revoked on this one (through the event bus)', async () => {
    const bus = createMemoryBus();
    const queues = [createMemoryQueue(), createMemoryQueue()];
    const [here, there] = queues.map((queue) => createServices(api.database, bus, silentLogger(), randomBytes(32), queue));
    const [admin] = (await here!.access.listUsers()).filter((u) => u.email === 'admin@vigil.test');
    const created = await here!.access.createToken({ kind: 'user', userId: admin!.id, email: 'admin@vigil.test', role: 'editor', grants: [] }, { name: 'two-processes' });
    expect(await there!.access.callerOfToken(created.token)).toMatchObject({ role: 'editor' }); // now cached there
    await here!.access.revokeToken({ kind: 'user', userId: admin!.id, email: 'admin@vigil.test', role: 'admin', grants: [] }, created.id);
    expect(await there!.access.callerOfToken(created.token)).toBeUndefined();
    await Promise.all(queues.map((queue) => queue.close()));
  });
});

describe('the sweep', () => {
  it('removes sessions idle past the limit and keeps the others', async () => {
    const idle = await loginCookie('admin@vigil.test', 'correct horse battery staple');
    const fresh = await loginCookie('admin@vigil.test', 'correct horse battery staple');
    const hash = (cookie: string) => sha256(cookie.split('=')[1]!);
    await api.database.pool.query("UPDATE sessions SET last_seen_at = now() - interval '8 days' WHERE id_hash = $1", [hash(idle)]);
    await api.services.access.sweep();
    const { rows } = await api.database.pool.query('SELECT id_hash FROM sessions WHERE id_hash = ANY($1)', [[hash(idle), hash(fresh)]]);
    expect(rows.map((r) => r.id_hash)).toEqual([hash(fresh)]);
  });
});
