import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../test/support/api.ts';
import { catalogRoutes } from '../catalog/routes.ts';
import { silentLogger } from '../kernel/log.ts';
import { createApi, loggablePath } from './server.ts';
import { rawRequest, serveOnLoopback, type RunningServer } from '../../test/support/http-server.ts';

let api: TestApi;
let server: RunningServer;
beforeAll(async () => {
  api = await createTestApi();
  server = await serveOnLoopback(api.app.fetch);
});
afterAll(async () => {
  await server.close();
  await api.close();
});

describe('operational endpoints', () => {
  it('answers liveness and readiness', async () => {
    expect(await api.call('GET', '/healthz')).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await api.call('GET', '/readyz')).toEqual({ status: 200, body: { status: 'ready' } });
  });

  it('is not ready when the database cannot answer', async () => {
    const broken = await createTestApi();
    await broken.database.pool.end();
    const response = await broken.call('GET', '/readyz');
    expect(response.status).toBe(503);
    expect(response.body.reason).toMatch(/database unreachable/);
    await broken.close().catch(() => undefined);
  });

  it('exports Prometheus metrics with request counts by route template, not by raw path', async () => {
    const created = await api.call('POST', '/api/v1/systems', { name: 'metrics-probe' });
    await api.call('GET', `/api/v1/systems/${created.body.id}`);
    const metrics = await api.call('GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.body).toContain('vigil_process_cpu_user_seconds_total');
    expect(metrics.body).toMatch(/vigil_http_requests_total\{method="GET",route="\/api\/v1\/systems\/:id",status="200"\} 1/);
    expect(metrics.body).toMatch(/vigil_http_request_duration_seconds_bucket\{le="0.005",method="POST",route="\/api\/v1\/systems"\}/);
    expect(metrics.body).not.toContain(created.body.id);
  });

  it('answers an unknown route with a JSON 404', async () => {
    const response = await api.call('GET', '/api/v1/teleporters');
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('not_found');
  });

  const wrongMethods: { method: string; path: string; allow: string }[] = [
    { method: 'PUT', path: '/api/v1/systems', allow: 'GET, HEAD, POST' },
    { method: 'POST', path: '/api/v1/systems/00000000-0000-4000-8000-000000000000', allow: 'GET, HEAD, PATCH, DELETE' },
    { method: 'GET', path: '/api/v1/assignments/00000000-0000-4000-8000-000000000000/run', allow: 'POST' },
    { method: 'DELETE', path: '/api/v1/events', allow: 'GET, HEAD' },
    { method: 'POST', path: '/healthz', allow: 'GET, HEAD' },
  ];
  for (const row of wrongMethods) {
    it(`answers ${row.method} ${row.path} with 405 and the methods it allows`, async () => {
      const response = await api.app.request(row.path, { method: row.method, headers: api.authHeaders });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe(row.allow);
      expect((await response.json()).error).toEqual({
        code: 'method_not_allowed',
        message: `Method ${row.method} is not allowed on ${row.path}; allowed: ${row.allow}`,
        details: [],
      });
    });
  }
});

describe('OpenAPI', () => {
  it('serves an OpenAPI 3.1 document generated from the request schemas', async () => {
    const { status, body } = await api.call('GET', '/api/openapi.json');
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.1.0');
    for (const path of ['/api/v1/systems', '/api/v1/systems/{id}', '/api/v1/systems/{id}/environments', '/api/v1/groups', '/api/v1/environments', '/api/v1/configurations', '/api/v1/configurations/validate', '/api/v1/assignments/{id}']) {
      expect(body.paths, path).toHaveProperty([path]);
    }
    expect(body.components.schemas.SystemInput.properties.name).toMatchObject({ type: 'string', minLength: 1 });
    expect(body.components.schemas.ConfigurationInput.properties.intervalSeconds).toMatchObject({ type: 'integer', minimum: 1 });
    expect(body.paths['/api/v1/systems'].post.responses).toHaveProperty(['409']);
  });

  it('renders human docs whose assets Vigil serves itself (no CDN)', async () => {
    const page = await api.call('GET', '/api/docs');
    expect(page.status).toBe(200);
    const sources = [...String(page.body).matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(sources.length).toBeGreaterThanOrEqual(3);
    for (const source of sources) {
      expect(source.startsWith('/api/docs/assets/'), source).toBe(true);
      expect((await api.call('GET', source)).status, source).toBe(200);
    }
    expect((await api.call('GET', '/api/docs/assets/..%2Fpackage.json')).status).toBe(404);
  });
});

describe('request bodies', () => {
  let runPath: string;
  beforeAll(async () => {
    const system = (await api.call('POST', '/api/v1/systems', { name: 'body-probe' })).body;
    const configuration = (
      await api.call('POST', '/api/v1/configurations', { name: 'body-probe-check', strategy: 'tcp', config: { host: '127.0.0.1', port: 1, timeout: 1000 }, intervalSeconds: 60 })
    ).body;
    const assignment = (await api.call('POST', '/api/v1/assignments', { systemId: system.id, configurationId: configuration.id })).body;
    runPath = `/api/v1/assignments/${assignment.id}/run`;
  });

  const emptyBodies: { name: string; headers: string[] }[] = [
    { name: 'no body and no Content-Type (curl -X POST)', headers: [] },
    { name: 'Content-Length: 0', headers: ['Content-Length: 0'] },
    { name: 'Content-Length: 0 with a non-JSON type', headers: ['Content-Length: 0', 'Content-Type: application/x-www-form-urlencoded'] },
    { name: 'a chunked body of zero bytes', headers: ['Transfer-Encoding: chunked'] },
  ];
  for (const row of emptyBodies) {
    it(`accepts an empty body on a route that takes none: ${row.name}`, async () => {
      const body = row.headers.includes('Transfer-Encoding: chunked') ? '0\r\n\r\n' : '';
      const response = await rawRequest(server.base, [`POST ${runPath} HTTP/1.1`, `Authorization: ${api.authHeaders.authorization}`, ...row.headers].join('\r\n'), body);
      expect(response.status, response.body).toBe(200);
    });
  }

  it('still answers 415 to a non-empty body that is not JSON', async () => {
    const response = await rawRequest(server.base, [`POST ${runPath} HTTP/1.1`, `Authorization: ${api.authHeaders.authorization}`, 'Content-Type: text/plain', 'Content-Length: 5'].join('\r\n'), 'hello');
    expect(response.status).toBe(415);
    expect(response.body).toContain('Expected Content-Type: application/json, got text/plain');
  });

  it('answers a route that needs a body, sent none, with the fields it misses', async () => {
    const response = await rawRequest(server.base, ['POST /api/v1/systems HTTP/1.1', `Authorization: ${api.authHeaders.authorization}`].join('\r\n'));
    expect(response.status).toBe(400);
    expect(response.body).toContain('"path":"name"');
  });
});

describe('request body limit', () => {
  const limitMessage = 'Request body exceeds the 1048576-byte limit';

  it('refuses a 5 MB body sent without Content-Length, storing nothing', async () => {
    const response = await api.call('POST', '/api/v1/systems', { name: 'huge', description: 'x'.repeat(5 * 1024 * 1024) });
    expect(response.status).toBe(413);
    expect(response.body.error).toEqual({ code: 'payload_too_large', message: limitMessage, details: [] });
    expect((await api.call('GET', '/api/v1/systems?name=huge')).body.items).toEqual([]);
  });

  it('refuses a declared Content-Length over the limit before the body arrives', async () => {
    const response = await rawRequest(server.base, ['POST /api/v1/systems HTTP/1.1', `Authorization: ${api.authHeaders.authorization}`, 'Content-Type: application/json', 'Content-Length: 5242880'].join('\r\n'));
    expect(response.status).toBe(413);
    expect(response.body).toContain(limitMessage);
  });

  it('takes a body just under the limit', async () => {
    const body = `{"name": "padded"${' '.repeat(1024 * 1024 - 100)}}`;
    expect((await api.call('POST', '/api/v1/systems', body)).status).toBe(201);
  });

  it('takes its limit from createApi', async () => {
    const small = createApi({
      log: silentLogger(),
      metrics: api.services.metrics,
      version: 'test',
      routers: [catalogRoutes(api.services.catalog)],
      ready: async () => undefined,
      maxBodyBytes: 64,
    });
    const response = await small.request('/api/v1/systems', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'n'.repeat(80) }) });
    expect(response.status).toBe(413);
    expect((await response.json()).error.message).toBe('Request body exceeds the 64-byte limit');
  });
});

describe('loggablePath', () => {
  const rows: [string, string][] = [
    ['/ping/0123456789abcdefghijklmnopqrstuv', '/ping/<token>'],
    ['/ping/0123456789abcdefghijklmnopqrstuv/start', '/ping/<token>/start'],
    ['/api/v1/systems/ping/x', '/api/v1/systems/ping/x'],
  ];
  for (const [path, expected] of rows) it(`${path} → ${expected}`, () => expect(loggablePath(path)).toBe(expected));
});
