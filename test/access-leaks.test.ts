import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp, createServices, type Services } from '../src/app.ts';
import { createMemoryBus } from '../src/events/bus.ts';
import { createMemoryQueue } from '../src/queue/memory.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';

/**
 * SPEC §8.1: no password, session id or token ever appears in a log line or an API answer. Real
 * values go through every access route with the logger at its most talkative, and every byte that
 * came out is searched for them.
 */
let database: TestDatabase;
let services: Services;
let app: ReturnType<typeof createHttpApp>;
let logged = '';
const queue = createMemoryQueue();

beforeAll(async () => {
  database = await createTestDatabase();
  const sink = new Writable({ write: (chunk, _encoding, done) => ((logged += chunk), done()) });
  const log = pino({ level: 'trace' }, sink);
  services = createServices(database, createMemoryBus(), log, randomBytes(32), queue);
  app = createHttpApp(database, services, log);
});
afterAll(async () => {
  await queue.close();
  await database.close();
});

describe('credentials never leak', () => {
  it('into answers or logs, through setup, sign-in, tokens, password changes and users', async () => {
    const answers: string[] = [];
    const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
      const response = await app.request(path, {
        method,
        headers: { 'content-type': 'application/json', ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      answers.push(text);
      return { response, body: text ? JSON.parse(text) : undefined };
    };
    const setupToken = (await services.access.createSetupToken())!;
    const adminPassword = 'first admin password 7f3a';
    const setup = await call('POST', '/api/v1/auth/setup', { token: setupToken, email: 'root@vigil.test', password: adminPassword });
    const sessionId = setup.response.headers.get('set-cookie')!.split(';')[0]!.split('=')[1]!;
    const cookie = { cookie: `vigil_session=${sessionId}` };
    const created = await call('POST', '/api/v1/tokens', { name: 'ci' }, cookie);
    const token = created.body.token as string;
    const bearer = { authorization: `Bearer ${token}` };
    const userPassword = 'second user password 9c1e';
    const user = await call('POST', '/api/v1/users', { email: 'ops@vigil.test', role: 'editor', password: userPassword }, bearer);
    await call('PATCH', `/api/v1/users/${user.body.id}`, { password: 'third password e5d2 long' }, bearer);
    await call('POST', '/api/v1/auth/login', { email: 'ops@vigil.test', password: 'a wrong password 4b8d' });
    await call('GET', '/api/v1/auth/me', undefined, cookie);
    await call('GET', '/api/v1/tokens', undefined, bearer);
    await call('GET', '/api/v1/users', undefined, bearer);
    await call('PUT', '/api/v1/auth/password', { current: 'not it at all, wrong', new: 'new admin password 2a6c' }, cookie);
    await call('PUT', '/api/v1/auth/password', { current: adminPassword, new: 'new admin password 2a6c' }, cookie);
    await call('GET', '/api/v1/systems', undefined, { authorization: 'Bearer vgl_not-a-real-one-but-secret-looking' });
    // The audit log of all of the above (read with the token: the password change ended the session).
    const audit = await call('GET', '/api/v1/audit?limit=500', undefined, bearer);
    expect(audit.response.status).toBe(200);
    expect(audit.body.items.length).toBeGreaterThanOrEqual(4);

    // Every answer but the one that creates the token (it shows the token, once), and every log line.
    const everything = [...answers.filter((answer) => answer !== answers[1]), logged].join('\n');
    expect(logged.length).toBeGreaterThan(0);
    for (const secret of [setupToken, adminPassword, sessionId, token.slice(4), userPassword, 'third password e5d2 long', 'a wrong password 4b8d', 'new admin password 2a6c', 'not it at all, wrong', 'vgl_not-a-real-one']) {
      const at = everything.indexOf(secret);
      expect(at, `leaked: ${secret.slice(0, 6)}… in ${everything.slice(Math.max(0, at - 200), at + 60)}`).toBe(-1);
    }
    // The one answer that carries a token is the one that creates it.
    expect(answers.filter((answer) => answer.includes(token))).toHaveLength(1);
  });
});
