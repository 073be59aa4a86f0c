import { randomBytes } from 'node:crypto';
import { OidcService } from '../../src/access/oidc.ts';
import { createHttpApp, createServices, type ServiceOptions, type Services } from '../../src/app.ts';
import { jobHandler } from '../../src/engine/run-now.ts';
import { createMemoryBus, type EventBus } from '../../src/events/bus.ts';
import { createMemoryQueue } from '../../src/queue/memory.ts';
import { silentLogger } from '../../src/kernel/log.ts';
import { createTestDatabase, type TestDatabase } from './database.ts';
import { TEST_ADMIN } from './vigil-process.ts';

export interface TestApi {
  app: ReturnType<typeof createHttpApp>;
  database: TestDatabase;
  services: Services;
  /** An admin's API token; `call` sends it unless the headers carry their own `authorization` ('' = none). */
  token: string;
  /** `{authorization: 'Bearer …'}` for requests made some other way (fetch over a socket). */
  authHeaders: Record<string, string>;
  /** Sends one request through the real HTTP app (routing, validation, errors) without a socket. */
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/**
 * `wiring`: what a test shares with Vigil processes it starts on the same database — the secret
 * key (so they can open the channels it creates) and the event bus. By default a fresh key and an
 * in-memory bus.
 */
export async function createTestApi(options: ServiceOptions = {}, wiring: { secretKey?: Buffer; bus?: EventBus } = {}): Promise<TestApi> {
  const database = await createTestDatabase();
  const bus = wiring.bus ?? createMemoryBus();
  // Run-now goes through a queue and a worker, as in production (never executed by the API itself).
  const queue = createMemoryQueue();
  // A fresh key per file: nothing a test stores is readable under another file's key.
  const services = createServices(database, bus, silentLogger(), wiring.secretKey ?? randomBytes(32), queue, options);
  queue.work(jobHandler(services.executor, bus, services.testRunner), 50);
  const app = createHttpApp(database, services, silentLogger());
  await services.access.ensureAdmin(TEST_ADMIN.email, TEST_ADMIN.password);
  const [admin] = await services.access.listUsers();
  const { token } = await services.access.createToken({ kind: 'user', userId: admin!.id, email: 'admin@vigil.test', role: 'admin', grants: [] }, { name: 'tests' });
  const authHeaders = { authorization: `Bearer ${token}` };
  return {
    app,
    database,
    services,
    token,
    authHeaders,
    async call(method, path, body, headers = {}) {
      const { authorization = authHeaders.authorization, ...rest } = headers;
      const sent: Record<string, string> = { ...rest, ...(authorization ? { authorization } : {}) };
      const init: RequestInit = { method, headers: sent };
      if (body !== undefined) {
        init.body = typeof body === 'string' ? body : JSON.stringify(body);
        init.headers = { 'content-type': 'application/json', ...sent };
      }
      const response = await app.request(path, init);
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // not JSON (metrics, docs): the raw text is the body
      }
      return { status: response.status, body: parsed };
    },
    async close() {
      await queue.close();
      await database.close();
    },
  };
}

/**
 * The same HTTP app with single sign-on configured, so its route table holds every route. The
 * provider is never asked: discovery waits for the first sign-in.
 */
export function appWithSingleSignOn(api: TestApi): TestApi['app'] {
  const oidc = new OidcService(
    { issuer: 'https://sso.vigil.test', clientId: 'vigil', clientSecret: 'never-sent', scopes: ['openid'], roleClaim: 'groups', roleMap: [], defaultRole: 'viewer', autoCreate: true },
    { db: api.database.db, access: api.services.access, secretKey: randomBytes(32), log: silentLogger() },
  );
  return createHttpApp(api.database, api.services, silentLogger(), { oidc });
}

/** POSTs `body` to `path` expecting 201; answers what was created (the failure shows the answer). */
export async function created(api: TestApi, path: string, body: unknown): Promise<any> {
  const response = await api.call('POST', path, body);
  if (response.status !== 201) throw new Error(`POST ${path}: expected 201, got ${response.status} ${JSON.stringify(response.body)}`);
  return response.body;
}

/** Sends a request expecting 400; answers its error details ({path, message}). */
export async function refused(api: TestApi, method: string, path: string, body: unknown): Promise<{ path: string; message: string }[]> {
  const response = await api.call(method, path, body);
  if (response.status !== 400) throw new Error(`${method} ${path}: expected 400, got ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.error.details;
}
