import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from './support/api.ts';

/**
 * The OpenAPI document and the routes must not drift apart: every path it lists, with every
 * method, reaches a handler (never the "No route" 404 nor a 405), and every operation is named.
 */

let api: TestApi;
let document: { paths: Record<string, Record<string, { operationId?: string; parameters?: { name: string; in: string }[] }>> };
/** What replaces each path parameter: `{id}` by the resource the path is under, `{name}` by a secret's name. */
let ids: Record<string, string>;
let secretName: string;

beforeAll(async () => {
  api = await createTestApi();
  document = (await api.call('GET', '/api/openapi.json')).body;
  const created = async (path: string, body: unknown) => {
    const response = await api.call('POST', path, body);
    expect(response.status, `${path}: ${JSON.stringify(response.body)}`).toBe(201);
    return response.body;
  };
  const system = await created('/api/v1/systems', { name: 'walk-system' });
  const group = await created('/api/v1/groups', { name: 'walk-group' });
  const environment = await created('/api/v1/environments', { name: 'walk-environment' });
  const configuration = await created('/api/v1/configurations', {
    name: 'walk-check',
    strategy: 'tcp',
    config: { host: '127.0.0.1', port: 1, timeout: 1000 },
    intervalSeconds: 60,
  });
  const assignment = await created('/api/v1/assignments', { systemId: system.id, configurationId: configuration.id });
  secretName = (await created('/api/v1/secrets', { name: 'walk-secret', value: 's3cret' })).name;
  const user = await created('/api/v1/users', { email: 'walker@vigil.test', role: 'viewer', password: 'a long enough password' });
  const token = await created('/api/v1/tokens', { name: 'walk-token' });
  const run = await api.services.recorder.recordRun({
    systemId: system.id, configurationId: configuration.id, environmentId: null, source: 'Local', status: 'healthy', latencyMs: 1, message: '', result: {}, scheduledFor: new Date(), at: new Date(),
  });
  const slo = await created('/api/v1/slos', { name: 'walk-slo', systemId: system.id, objective: 99 });
  const channel = await created('/api/v1/notification-channels', { name: 'walk-channel', type: 'webhook', config: { url: 'http://127.0.0.1:1/' } });
  const subscription = await created('/api/v1/subscriptions', { systemId: system.id, channelId: channel.id, on: ['any'] });
  const incident = await created('/api/v1/incidents', { title: 'walk-incident', systemIds: [system.id], severity: 'minor' });
  const maintenance = await created('/api/v1/maintenance', { title: 'walk-maintenance', systemIds: [system.id], startsAt: '2030-01-01T00:00:00Z', endsAt: '2030-01-01T01:00:00Z' });
  const satellite = await created('/api/v1/satellites', { name: 'walk-satellite' });
  satelliteToken = satellite.token;
  const automation = await created('/api/v1/automations', { name: 'walk-automation', trigger: 'healthcheck.system_degraded', actions: [{ type: 'incident.resolve' }] });
  ids = { satellites: satellite.id, automations: automation.id, maintenance: maintenance.id, incidents: incident.id, 'notification-channels': channel.id, subscriptions: subscription.id, slos: slo.id, systems: system.id, groups: group.id, environments: environment.id, configurations: configuration.id, assignments: assignment.id, users: user.id, tokens: token.id, runs: run!, strategies: 'http' };
});
afterAll(() => api.close());

/** The satellites' channel takes a satellite's token, never a user's. */
let satelliteToken = '';

function concrete(path: string): string {
  return path.replace(/\/([^/]+)\/\{(\w+)\}/g, (_whole, resource: string, parameter: string) => {
    const value = parameter === 'name' && resource === 'secrets' ? secretName : parameter === 'id' ? ids[resource] : undefined;
    if (value === undefined) throw new Error(`No value for {${parameter}} under /${resource} in ${path}: teach this test about it`);
    return `/${resource}/${encodeURIComponent(value)}`;
  });
}

/** Sends one request; a server-sent-events answer is read up to its first event, then dropped. */
async function send(method: string, path: string): Promise<{ status: number; text: string }> {
  const withBody = ['POST', 'PUT', 'PATCH'].includes(method);
  const response = await api.app.request(path, {
    method,
    headers: { ...(path.startsWith('/api/satellite/') ? { authorization: `Bearer ${satelliteToken}` } : api.authHeaders), ...(withBody ? { 'content-type': 'application/json' } : {}) },
    ...(withBody && { body: '{}' }),
  });
  if (!response.headers.get('content-type')?.startsWith('text/event-stream')) return { status: response.status, text: await response.text() };
  const reader = response.body!.getReader();
  const first = await reader.read();
  await reader.cancel();
  return { status: response.status, text: new TextDecoder().decode(first.value) };
}

describe('every operation the OpenAPI document lists', () => {
  it('lists the operational endpoints and the event stream where they are served', () => {
    for (const path of ['/healthz', '/readyz', '/metrics', '/api/v1/events']) expect(document.paths, path).toHaveProperty([path]);
    expect(Object.keys(document.paths).filter((path) => path.includes('/api/v1/api/v1'))).toEqual([]);
    const streamParameters = document.paths['/api/v1/events']!.get!.parameters!.filter((p) => p.in === 'query').map((p) => p.name);
    expect(streamParameters.sort()).toEqual(['coalesce', 'environmentId', 'environments', 'systemId', 'topics']);
  });

  it('names each operation, once', () => {
    const operations = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ at: `${method.toUpperCase()} ${path}`, operationId: operation.operationId })),
    );
    expect(operations.filter((o) => !o.operationId).map((o) => o.at)).toEqual([]);
    const names = operations.map((o) => o.operationId);
    expect(names.filter((name, i) => names.indexOf(name) !== i)).toEqual([]);
  });

  it('refuses, on every route with a query, a parameter it does not declare', async () => {
    const withQuery = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods)
        .filter(([, operation]) => operation.parameters?.some((parameter) => parameter.in === 'query'))
        .map(([method]) => ({ method: method.toUpperCase(), path })),
    );
    expect(withQuery.map((r) => r.path)).toEqual(expect.arrayContaining(['/api/v1/systems', '/api/v1/runs', '/api/v1/events']));
    for (const { method, path } of withQuery) {
      const { status, text } = await send(method, `${concrete(path)}?sytemId=x`);
      expect(status, `${method} ${path}`).toBe(400);
      expect(JSON.parse(text).error.details, `${method} ${path}`).toContainEqual({ path: 'sytemId', message: 'Unknown query parameter "sytemId"' });
    }
  });

  it('is served: no path and method of the document is unknown to the router', async () => {
    // Deletions last, so every other request still finds what it refers to.
    const order = ['get', 'put', 'post', 'patch', 'delete'];
    const requests = Object.entries(document.paths)
      .flatMap(([path, methods]) => Object.keys(methods).map((method) => ({ method: method.toUpperCase(), path })))
      .sort((a, b) => order.indexOf(a.method.toLowerCase()) - order.indexOf(b.method.toLowerCase()));
    expect(requests.length).toBeGreaterThan(20);
    const unserved: string[] = [];
    for (const { method, path } of requests) {
      const { status, text } = await send(method, concrete(path));
      if (status === 405 || (status === 404 && text.includes('No route'))) unserved.push(`${method} ${path} → ${status} ${text}`);
    }
    expect(unserved).toEqual([]);
  });
});
