import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp, createServices, type Services } from '../src/app.ts';
import { createMemoryBus } from '../src/events/bus.ts';
import { silentLogger } from '../src/kernel/log.ts';
import { createMemoryQueue } from '../src/queue/memory.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';

/** SPEC §8.1 first admin, on a Vigil with no user at all. */
let database: TestDatabase;
let services: Services;
let app: ReturnType<typeof createHttpApp>;
const queue = createMemoryQueue();

beforeAll(async () => {
  database = await createTestDatabase();
  services = createServices(database, createMemoryBus(), silentLogger(), randomBytes(32), queue);
  app = createHttpApp(database, services, silentLogger());
});
afterAll(async () => {
  await queue.close();
  await database.close();
});

const post = (path: string, body: unknown) => app.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('the first admin', () => {
  it('until an admin exists, every route says how to finish setup', async () => {
    const response = await app.request('/api/v1/systems');
    expect(response.status).toBe(401);
    expect((await response.json()).error.message).toMatch(/no admin yet.*setup\?token=.*VIGIL_ADMIN_EMAIL and VIGIL_ADMIN_PASSWORD/);
  });

  it('serves the setup page the printed link opens', async () => {
    const page = await app.request('/setup?token=abc');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/api/v1/auth/setup');
  });

  it('takes the one-time token once: creates the admin and signs them in', async () => {
    const token = (await services.access.createSetupToken())!;
    expect((await post('/api/v1/auth/setup', { token: 'wrong', email: 'first@vigil.test', password: 'a long first password' })).status).toBe(401);
    const created = await post('/api/v1/auth/setup', { token, email: 'first@vigil.test', password: 'a long first password' });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ email: 'first@vigil.test', role: 'admin' });
    const cookie = created.headers.get('set-cookie')!.split(';')[0]!;
    expect((await app.request('/api/v1/systems', { headers: { cookie } })).status).toBe(200);

    const again = await post('/api/v1/auth/setup', { token, email: 'second@vigil.test', password: 'a long second password' });
    expect(again.status).toBe(401);
    expect(await services.access.createSetupToken()).toBeUndefined();
  });

  it('creates an admin from VIGIL_ADMIN_EMAIL once, and finds it again at every start', async () => {
    expect(await services.access.ensureAdmin('ops@vigil.test', 'ops password long')).toBe('created');
    expect(await services.access.ensureAdmin('OPS@vigil.test', 'ops password long')).toBe('exists');
    expect((await services.access.listUsers()).filter((u) => u.email.toLowerCase() === 'ops@vigil.test')).toHaveLength(1);
  });
});
