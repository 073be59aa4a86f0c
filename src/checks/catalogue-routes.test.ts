import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../test/support/api.ts';
import { ALL_STRATEGIES } from '../strategies/registry.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(() => api.close());

describe('the strategy catalogue', () => {
  it('lists every strategy with its config schema and collectors', async () => {
    const response = await api.call('GET', '/api/v1/strategies');
    expect(response.status).toBe(200);
    expect(response.body.items.map((s: { id: string }) => s.id)).toEqual(ALL_STRATEGIES.map((s) => s.id));
    const http = response.body.items.find((s: { id: string }) => s.id === 'http');
    expect(http).toMatchObject({ title: 'HTTP(S) endpoint', runsOnHost: false, defaultCollector: 'http.request', configSchema: { type: 'object', required: ['url'] } });
    expect(http.configSchema.properties.url['x-vigil-templatable']).toBe(true);
    expect(http.configSchema.properties.tls.properties.key['x-vigil-secret']).toBe(true);
  });

  it('answers one strategy, its collectors’ result fields with their operators', async () => {
    const response = await api.call('GET', '/api/v1/strategies/tcp');
    expect(response.status).toBe(200);
    expect(response.body.id).toBe('tcp');
    const fields = response.body.collectors[0].resultFields;
    expect(fields[0]).toEqual({ name: 'latencyMs', type: 'number', description: expect.any(String), operators: expect.arrayContaining(['lessThan']), jsonPath: false });
  });

  it('answers 404 naming the unknown strategy and the known ones', async () => {
    const response = await api.call('GET', '/api/v1/strategies/carrier-pigeon');
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('not_found');
    expect(response.body.error.message).toMatch(/^Unknown health-check strategy "carrier-pigeon"\. Available: http, tcp, .*script, heartbeat\.$/);
    expect(response.body.error.details).toEqual([{ path: 'id', message: response.body.error.message }]);
  });

  // The schema is what the UI builds its form from: it must ask for exactly what validation will.
  it.each(ALL_STRATEGIES.map((s) => s.id))('requires of %s exactly the fields validation finds missing in an empty config', async (id) => {
    const described = (await api.call('GET', `/api/v1/strategies/${id}`)).body;
    const outcome = (await api.call('POST', '/api/v1/configurations/validate', { strategy: id, config: {} })).body;
    const missing = outcome.errors.filter((e: { path: unknown[] }) => e.path[0] === 'config').map((e: { path: unknown[] }) => e.path[1]);
    // A heartbeat needs one of period or schedule, which a JSON Schema `required` cannot say; validation names period.
    const oneOf = id === 'heartbeat' ? ['period'] : [];
    expect(missing.sort()).toEqual([...(described.configSchema.required ?? []), ...oneOf].sort());
  });
});
