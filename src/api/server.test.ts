import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../test/support/api.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(() => api.close());

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
