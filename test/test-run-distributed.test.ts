import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp, createServices } from '../src/app.ts';
import { jobHandler } from '../src/engine/run-now.ts';
import type { EventBus } from '../src/events/bus.ts';
import { createRedisBus } from '../src/events/redis-bus.ts';
import { silentLogger } from '../src/kernel/log.ts';
import { createBullmqQueue } from '../src/queue/bullmq.ts';
import type { CheckQueue } from '../src/queue/types.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { REDIS_URL, deleteRedisKeys, redisMissing } from './support/redis.ts';
import { TEST_ADMIN } from './support/vigil-process.ts';
import { startHttpTarget, type HttpTarget } from './targets/http.ts';

/**
 * A test run between an API process and a worker process that share only PostgreSQL and Redis:
 * the draft crosses BullMQ, the answer crosses Redis pub/sub and is read against its topic's
 * schema there, and an inline secret is opened by the worker with the key both processes hold.
 */
const noRedis = await redisMissing('distributed test runs (Redis)');

describe.skipIf(noRedis)('a test run across processes', () => {
  const prefix = `vigil-test-${randomBytes(4).toString('hex')}`;
  const log = silentLogger();
  const secretKey = randomBytes(32);
  let database: TestDatabase;
  let target: HttpTarget;
  const buses: EventBus[] = [];
  const queues: CheckQueue[] = [];
  const busEvents: unknown[] = [];
  let call: (body: unknown) => Promise<{ status: number; body: any }>;

  async function startProcess(role: 'api' | 'worker') {
    const bus = await createRedisBus(REDIS_URL, log, `${prefix}:events`);
    const queue = createBullmqQueue({ redisUrl: REDIS_URL, prefix, log, closeGraceMs: 2_000 });
    buses.push(bus);
    queues.push(queue);
    const services = createServices(database, bus, log, secretKey, queue);
    if (role === 'worker') queue.work(jobHandler(services.executor, bus, services.testRunner), 2);
    return { bus, services };
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    target = await startHttpTarget();
    const api = await startProcess('api');
    await startProcess('worker');
    api.bus.subscribe((event) => busEvents.push(event));
    const app = createHttpApp(database, api.services, log);
    await api.services.access.ensureAdmin(TEST_ADMIN.email, TEST_ADMIN.password);
    const [admin] = await api.services.access.listUsers();
    const { token } = await api.services.access.createToken({ kind: 'user', userId: admin!.id, email: TEST_ADMIN.email, role: 'admin', grants: [] }, { name: 'tests' });
    call = async (body) => {
      const response = await app.request('/api/v1/configurations/test-run', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
      return { status: response.status, body: await response.json() };
    };
  });

  afterAll(async () => {
    await Promise.all(queues.map((queue) => queue.close()));
    await Promise.all(buses.map((bus) => bus.close()));
    await target?.close();
    await database?.close();
    await deleteRedisKeys(REDIS_URL, prefix);
  });

  it('runs a draft check on the worker and answers it on the API process', async () => {
    const response = await call({ definition: { strategy: 'http', config: { url: `${target.url}/health`, timeout: 5000 }, assertions: ['json $.status == "UP"'] } });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toMatchObject({ status: 'healthy', configurationId: null, systemId: null, environmentId: null });
    expect(response.body.result.collectors[0].assertions[0]).toMatchObject({ passed: true, actual: 'UP' });
    expect(Number((await database.pool.query('SELECT count(*) FROM runs')).rows[0].count)).toBe(0);
  });

  it('opens an inline secret on the worker, and it never travels in the clear', async () => {
    const inline = `inline-${randomBytes(6).toString('hex')}`;
    const response = await call({ kind: 'shell', script: 'echo "token=$TOKEN"', secretEnv: { TOKEN: 'draft' }, secretOverrides: { draft: inline }, timeoutMs: 5000 });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toMatchObject({ stdout: 'token=****\n', exitCode: 0, timedOut: false });
    expect(JSON.stringify(busEvents)).not.toContain(inline);
  });
});
