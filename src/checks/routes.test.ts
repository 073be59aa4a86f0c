import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../test/support/api.ts';

let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(() => api.close());

const missingId = '00000000-0000-4000-8000-000000000000';

const paymentsCheck = {
  name: 'payments-health',
  strategy: 'http',
  config: { url: 'https://payments.example.test/health', method: 'GET', timeout: 10000 },
  assertions: ['statusCode == 200', 'latencyMs < 500ms'],
  intervalSeconds: 30,
};

describe('configurations', () => {
  it('stores a valid configuration with assertions in their object form and a versioned config', async () => {
    const created = await api.call('POST', '/api/v1/configurations', paymentsCheck);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'payments-health', strategy: 'http', intervalSeconds: 30, enabled: true, paused: false, collectors: [] });
    expect(created.body.config.version).toEqual(expect.any(Number));
    expect(created.body.assertions).toEqual([
      { field: 'statusCode', operator: 'equals', value: 200 },
      { field: 'latencyMs', operator: 'lessThan', value: 500 },
    ]);

    const paused = await api.call('PATCH', `/api/v1/configurations/${created.body.id}`, { paused: true, intervalSeconds: 60 });
    expect(paused.status).toBe(200);
    expect(paused.body).toMatchObject({ paused: true, intervalSeconds: 60, name: 'payments-health' });
    expect(paused.body.assertions).toEqual(created.body.assertions);

    const list = await api.call('GET', '/api/v1/configurations?strategy=http&paused=true');
    expect(list.body.items.map((c: { id: string }) => c.id)).toEqual([created.body.id]);
  });

  it('rejects an unknown strategy with the exact message and path, storing nothing', async () => {
    const response = await api.call('POST', '/api/v1/configurations', { ...paymentsCheck, name: 'nope', strategy: 'carrier-pigeon' });
    expect(response.status).toBe(400);
    expect(response.body.error.details).toHaveLength(1);
    expect(response.body.error.details[0].path).toBe('strategy');
    expect(response.body.error.details[0].message).toMatch(/^Unknown health-check strategy "carrier-pigeon"\. Available: .*http.*\.$/);
    expect((await api.call('GET', '/api/v1/configurations?name=nope')).body.items).toEqual([]);
  });

  it('names each bad config field, unknown collector and assertion at once', async () => {
    const response = await api.call('POST', '/api/v1/configurations', {
      ...paymentsCheck,
      name: 'broken',
      intervalSeconds: 0,
      config: { url: 42, timeout: 10000, colour: 'red' },
      assertions: ['colour == "red"'],
      collectors: [{ collector: 'http.teleport', config: {} }],
    });
    expect(response.status).toBe(400);
    const paths = response.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toContain('intervalSeconds');
    const validated = await api.call('POST', '/api/v1/configurations/validate', {
      strategy: 'http',
      config: { url: 42, timeout: 10000 },
      assertions: ['colour == "red"'],
      collectors: [{ collector: 'http.teleport' }],
    });
    expect(validated.status).toBe(200);
    expect(validated.body.valid).toBe(false);
    const byPath = Object.fromEntries(validated.body.errors.map((e: { path: unknown[]; message: string }) => [e.path.join('.'), e.message]));
    expect(Object.keys(byPath)).toEqual(expect.arrayContaining(['config.url', 'assertions.0', 'collectors.0.collector']));
    expect(byPath['collectors.0.collector']).toMatch(/^Unknown collector "http.teleport"\. Available: /);
    expect(byPath['assertions.0']).toMatch(/Unknown field "colour"\. Valid fields: .*statusCode/);
  });

  it('validates without saving', async () => {
    const ok = await api.call('POST', '/api/v1/configurations/validate', { strategy: 'tcp', config: { host: '127.0.0.1', port: 5432 } });
    expect(ok.body).toEqual({ valid: true, errors: [] });
    expect((await api.call('GET', '/api/v1/configurations?strategy=tcp')).body.items).toEqual([]);
  });

  it('patches config as a JSON merge patch: null deletes, objects merge, arrays replace', async () => {
    const created = (await api.call('POST', '/api/v1/configurations', { ...paymentsCheck, name: 'merged', config: { ...paymentsCheck.config, expectedStatusCodes: [200, 204] } })).body;
    const path = `/api/v1/configurations/${created.id}`;
    const patched = await api.call('PATCH', path, { config: { timeout: 5000, headers: { accept: 'application/json', 'x-probe': 'vigil' }, expectedStatusCodes: [202] } });
    expect(patched.status).toBe(200);
    expect(patched.body.config).toEqual({ ...created.config, timeout: 5000, headers: { accept: 'application/json', 'x-probe': 'vigil' }, expectedStatusCodes: [202] });

    const again = await api.call('PATCH', path, { config: { timeout: null, headers: { 'x-probe': null }, redirects: { max: 2 } } });
    expect(again.status).toBe(200);
    expect(again.body.config).toEqual({
      ...created.config,
      timeout: 30000,
      headers: { accept: 'application/json' },
      expectedStatusCodes: [202],
      redirects: { ...created.config.redirects, max: 2 },
    });

    const { components } = (await api.call('GET', '/api/openapi.json')).body;
    expect(components.schemas.ConfigurationPatch.properties.config.description).toMatch(/JSON merge patch \(RFC 7396\)/);
  });

  it('keeps the stored configuration when a patch is invalid', async () => {
    const created = (await api.call('POST', '/api/v1/configurations', { ...paymentsCheck, name: 'stable' })).body;
    const bad = await api.call('PATCH', `/api/v1/configurations/${created.id}`, { config: { url: null } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([{ path: 'config.url', message: 'required (expected a string)' }]);
    expect((await api.call('GET', `/api/v1/configurations/${created.id}`)).body.config).toEqual(created.config);
  });
});

describe('assignments', () => {
  it('links a system and a configuration with the null / [] / list meaning of environmentIds', async () => {
    const system = (await api.call('POST', '/api/v1/systems', { name: 'assigned-system' })).body;
    const configuration = (await api.call('POST', '/api/v1/configurations', { ...paymentsCheck, name: 'assigned-check' })).body;
    const prod = (await api.call('POST', '/api/v1/environments', { name: 'assign-prod' })).body;

    const created = await api.call('POST', '/api/v1/assignments', { systemId: system.id, configurationId: configuration.id });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ enabled: true, includeLocal: true, satelliteIds: [], environmentIds: null, stateThresholds: null });

    const envLess = await api.call('PATCH', `/api/v1/assignments/${created.body.id}`, { environmentIds: [] });
    expect(envLess.body.environmentIds).toEqual([]);
    const listed = await api.call('PATCH', `/api/v1/assignments/${created.body.id}`, {
      environmentIds: [prod.id],
      stateThresholds: { mode: 'window', windowSize: 8 },
    });
    expect(listed.status).toBe(200);
    expect(listed.body.environmentIds).toEqual([prod.id]);
    expect(listed.body.stateThresholds).toEqual({ mode: 'window', windowSize: 8, degraded: { minFailureCount: 3 }, unhealthy: { minFailureCount: 7 } });

    const duplicate = await api.call('POST', '/api/v1/assignments', { systemId: system.id, configurationId: configuration.id });
    expect(duplicate.status).toBe(409);

    const filtered = await api.call('GET', `/api/v1/assignments?systemId=${system.id}`);
    expect(filtered.body.items.map((a: { id: string }) => a.id)).toEqual([created.body.id]);
  });

  it('names missing references and bad thresholds', async () => {
    const system = (await api.call('POST', '/api/v1/systems', { name: 'refs-system' })).body;
    const missing = await api.call('POST', '/api/v1/assignments', { systemId: system.id, configurationId: missingId, environmentIds: [missingId] });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details).toEqual([
      { path: 'configurationId', message: `no configuration with id ${missingId}` },
      { path: 'environmentIds.0', message: `no environment with id ${missingId}` },
    ]);
    const configuration = (await api.call('POST', '/api/v1/configurations', { ...paymentsCheck, name: 'refs-check' })).body;
    const thresholds = await api.call('POST', '/api/v1/assignments', {
      systemId: system.id,
      configurationId: configuration.id,
      stateThresholds: { mode: 'window', windowSize: 2 },
    });
    expect(thresholds.status).toBe(400);
    expect(thresholds.body.error.details[0].path).toBe('stateThresholds.windowSize');
  });

  it("accepts environments the system is not a member of, with a warning, and refuses ones that do not exist", async () => {
    const system = (await api.call('POST', '/api/v1/systems', { name: 'warned-system' })).body;
    const configuration = (await api.call('POST', '/api/v1/configurations', { ...paymentsCheck, name: 'warned-check' })).body;
    const member = (await api.call('POST', '/api/v1/environments', { name: 'warned-member' })).body;
    const stranger = (await api.call('POST', '/api/v1/environments', { name: 'warned-stranger' })).body;
    await api.call('PUT', `/api/v1/systems/${system.id}/environments`, { environmentIds: [member.id] });
    const warning = (index: number) => ({ path: `environmentIds.${index}`, message: "environment warned-stranger is not one of the system's environments; runs skip it (SPEC §2.4)" });

    const created = await api.call('POST', '/api/v1/assignments', { systemId: system.id, configurationId: configuration.id, environmentIds: [member.id, stranger.id] });
    expect(created.status).toBe(201);
    expect(created.body.environmentIds).toEqual([member.id, stranger.id]);
    expect(created.body.warnings).toEqual([warning(1)]);

    const patched = await api.call('PATCH', `/api/v1/assignments/${created.body.id}`, { environmentIds: [stranger.id] });
    expect(patched.status).toBe(200);
    expect(patched.body.warnings).toEqual([warning(0)]);
    const clean = await api.call('PATCH', `/api/v1/assignments/${created.body.id}`, { environmentIds: [member.id] });
    expect(clean.body.warnings).toEqual([]);

    const missing = await api.call('PATCH', `/api/v1/assignments/${created.body.id}`, { environmentIds: [member.id, missingId] });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details).toEqual([{ path: 'environmentIds.1', message: `no environment with id ${missingId}` }]);
    expect((await api.call('GET', `/api/v1/assignments/${created.body.id}`)).body.environmentIds).toEqual([member.id]);

    const { components, paths } = (await api.call('GET', '/api/openapi.json')).body;
    expect(paths['/api/v1/assignments'].post.responses['201'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/AssignmentWithWarnings' });
    expect(paths['/api/v1/assignments/{id}'].patch.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/AssignmentWithWarnings' });
    expect(components.schemas.AssignmentWithWarnings.required).toContain('warnings');
  });

  const unreachable: { name: string; stateThresholds: unknown; expected: { path: string; message: string }[] }[] = [
    {
      name: 'unhealthy sooner than degraded',
      stateThresholds: { mode: 'consecutive', degraded: { minFailureCount: 3 }, unhealthy: { minFailureCount: 2 } },
      expected: [{ path: 'stateThresholds.unhealthy.minFailureCount', message: 'expected at least degraded.minFailureCount (3), got 2' }],
    },
    {
      name: 'a degraded threshold above the default unhealthy one',
      stateThresholds: { mode: 'consecutive', degraded: { minFailureCount: 6 } },
      expected: [{ path: 'stateThresholds.unhealthy.minFailureCount', message: 'expected at least degraded.minFailureCount (6), got 5' }],
    },
    {
      name: 'window thresholds larger than the window',
      stateThresholds: { mode: 'window', windowSize: 4, degraded: { minFailureCount: 5 }, unhealthy: { minFailureCount: 6 } },
      expected: [
        { path: 'stateThresholds.degraded.minFailureCount', message: 'expected at most windowSize (4), got 5' },
        { path: 'stateThresholds.unhealthy.minFailureCount', message: 'expected at most windowSize (4), got 6' },
      ],
    },
    {
      name: 'a window smaller than the default unhealthy threshold',
      stateThresholds: { mode: 'window', windowSize: 5 },
      expected: [{ path: 'stateThresholds.unhealthy.minFailureCount', message: 'expected at most windowSize (5), got 7' }],
    },
  ];
  for (const row of unreachable) {
    it(`refuses thresholds that can never be reached: ${row.name}`, async () => {
      const system = (await api.call('POST', '/api/v1/systems', { name: `thresholds ${row.name}` })).body;
      const configuration = (await api.call('POST', '/api/v1/configurations', { ...paymentsCheck, name: `thresholds ${row.name}` })).body;
      const created = await api.call('POST', '/api/v1/assignments', { systemId: system.id, configurationId: configuration.id, stateThresholds: row.stateThresholds });
      expect(created.status).toBe(400);
      expect(created.body.error.details).toEqual(row.expected);
      const assignment = (await api.call('POST', '/api/v1/assignments', { systemId: system.id, configurationId: configuration.id })).body;
      const patched = await api.call('PATCH', `/api/v1/assignments/${assignment.id}`, { stateThresholds: row.stateThresholds });
      expect(patched.status).toBe(400);
      expect(patched.body.error.details).toEqual(row.expected);
    });
  }

  it('takes thresholds where every status is reachable, equal ones included', async () => {
    const system = (await api.call('POST', '/api/v1/systems', { name: 'thresholds-ok' })).body;
    const configuration = (await api.call('POST', '/api/v1/configurations', { ...paymentsCheck, name: 'thresholds-ok' })).body;
    const stateThresholds = { mode: 'window', windowSize: 3, degraded: { minFailureCount: 3 }, unhealthy: { minFailureCount: 3 } };
    const created = await api.call('POST', '/api/v1/assignments', { systemId: system.id, configurationId: configuration.id, stateThresholds });
    expect(created.status).toBe(201);
    expect(created.body.stateThresholds).toEqual(stateThresholds);
  });

  it('disappear with their system or configuration (SPEC §6.3)', async () => {
    const system = (await api.call('POST', '/api/v1/systems', { name: 'cascade-system' })).body;
    const configuration = (await api.call('POST', '/api/v1/configurations', { ...paymentsCheck, name: 'cascade-check' })).body;
    const other = (await api.call('POST', '/api/v1/configurations', { ...paymentsCheck, name: 'cascade-check-2' })).body;
    const a = (await api.call('POST', '/api/v1/assignments', { systemId: system.id, configurationId: configuration.id })).body;
    const b = (await api.call('POST', '/api/v1/assignments', { systemId: system.id, configurationId: other.id })).body;

    await api.call('DELETE', `/api/v1/configurations/${configuration.id}`);
    expect((await api.call('GET', `/api/v1/assignments/${a.id}`)).status).toBe(404);
    expect((await api.call('GET', `/api/v1/assignments/${b.id}`)).status).toBe(200);
    await api.call('DELETE', `/api/v1/systems/${system.id}`);
    expect((await api.call('GET', `/api/v1/assignments/${b.id}`)).status).toBe(404);
    expect((await api.call('GET', `/api/v1/configurations/${other.id}`)).status).toBe(200);
  });
});
