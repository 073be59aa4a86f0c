import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from './support/api.ts';
import { startFlipTarget, type FlipTarget } from './support/flip-target.ts';

let api: TestApi;
let target: FlipTarget;
let server: ServerType;
let base: string;

beforeAll(async () => {
  api = await createTestApi();
  target = await startFlipTarget(500);
  server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: api.app.fetch, hostname: '127.0.0.1', port: 0, createServer }, () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  (server as Server).closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await target.close();
  await api.close();
});

/** Reads server-sent events until `until` says enough, or the time runs out. */
async function readEvents(response: Response, until: (events: { event: string; data: any }[]) => boolean, timeoutMs = 10_000) {
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  const events: { event: string; data: any }[] = [];
  let buffer = '';
  const deadline = Date.now() + timeoutMs;
  while (!until(events) && Date.now() < deadline) {
    const chunk = await Promise.race([reader.read(), new Promise<{ done: true; value: undefined }>((r) => setTimeout(() => r({ done: true, value: undefined }), deadline - Date.now()))]);
    if (chunk.done) break;
    buffer += decoder.decode(chunk.value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event && data) events.push({ event, data: JSON.parse(data) });
    }
  }
  await reader.cancel();
  return events;
}

describe('GET /api/v1/events', () => {
  it('streams run.completed and health.changed for the system asked about', async () => {
    const system = (await api.call('POST', '/api/v1/systems', { name: 'live' })).body;
    const other = (await api.call('POST', '/api/v1/systems', { name: 'live-other' })).body;
    const configuration = (
      await api.call('POST', '/api/v1/configurations', { name: 'live-check', strategy: 'http', config: { url: target.url, timeout: 5000 }, intervalSeconds: 60 })
    ).body;
    const thresholds = { mode: 'consecutive', healthy: { minSuccessCount: 1 }, degraded: { minFailureCount: 1 }, unhealthy: { minFailureCount: 1 } };
    const assignment = (await api.call('POST', '/api/v1/assignments', { systemId: system.id, configurationId: configuration.id, stateThresholds: thresholds })).body;
    const otherAssignment = (await api.call('POST', '/api/v1/assignments', { systemId: other.id, configurationId: configuration.id })).body;

    const response = await fetch(`${base}/api/v1/events?systemId=${system.id}`, { headers: api.authHeaders });
    expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
    const reading = readEvents(response, (events) => events.some((e) => e.event === 'health.changed'));
    await new Promise((resolve) => setTimeout(resolve, 100)); // the stream is subscribed once `ready` is out
    await api.call('POST', `/api/v1/assignments/${otherAssignment.id}/run`);
    await api.call('POST', `/api/v1/assignments/${assignment.id}/run`);
    const events = await reading;

    expect(events[0]!.event).toBe('ready');
    const runs = events.filter((e) => e.event === 'run.completed');
    expect(runs.map((e) => e.data.systemId)).toEqual([system.id]);
    expect(runs[0]!.data).toMatchObject({ configurationId: configuration.id, status: 'unhealthy' });
    const change = events.find((e) => e.event === 'health.changed')!;
    expect(change.data).toMatchObject({ systemId: system.id, systemName: 'live', previousStatus: 'healthy', newStatus: 'unhealthy', healthyChecks: 0, totalChecks: 1 });
    expect(change.data).not.toHaveProperty('environmentId');
  });

  it('keeps per-environment health changes to streams that ask for them (SPEC §4.5)', async () => {
    const system = (await api.call('POST', '/api/v1/systems', { name: 'live-envs' })).body;
    const east = (await api.call('POST', '/api/v1/environments', { name: 'live-east' })).body;
    const west = (await api.call('POST', '/api/v1/environments', { name: 'live-west' })).body;
    await api.call('PUT', `/api/v1/systems/${system.id}/environments`, { environmentIds: [east.id, west.id] });
    const configuration = (
      await api.call('POST', '/api/v1/configurations', { name: 'live-envs-check', strategy: 'http', config: { url: target.url, timeout: 5000 }, intervalSeconds: 60 })
    ).body;
    const thresholds = { mode: 'consecutive', healthy: { minSuccessCount: 1 }, degraded: { minFailureCount: 1 }, unhealthy: { minFailureCount: 1 } };
    const assignment = (await api.call('POST', '/api/v1/assignments', { systemId: system.id, configurationId: configuration.id, stateThresholds: thresholds })).body;

    const changesOf = (events: { event: string; data: any }[]) => events.filter((e) => e.event === 'health.changed').map((e) => e.data.environmentId ?? 'rollup');
    const open = async (query: string, until: (events: { event: string; data: any }[]) => boolean) =>
      readEvents(await fetch(`${base}/api/v1/events?systemId=${system.id}${query}`, { headers: api.authHeaders }), until);
    // A run.completed every stream of this system carries: once a stream has it, it has everything published before it.
    const fence = { runId: 'fence', systemId: system.id, configurationId: configuration.id, source: 'Local', status: 'healthy' as const, latencyMs: null, message: 'fence', timestamp: new Date().toISOString() };
    const untilFence = (events: { event: string; data: any }[]) => events.some((e) => e.data.runId === 'fence');
    const all = open('&environments=all', (events) => changesOf(events).length === 3);
    const rollup = open('', untilFence);
    const eastOnly = open(`&environmentId=${east.id}`, untilFence);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the streams are subscribed once `ready` is out
    expect((await api.call('POST', `/api/v1/assignments/${assignment.id}/run`)).body.items).toHaveLength(2);
    expect(changesOf(await all).sort()).toEqual([east.id, west.id, 'rollup'].sort());
    await api.services.bus.publish({ id: 'fence', topic: 'run.completed', payload: fence });

    expect(changesOf(await rollup)).toEqual(['rollup']);
    const eastEvents = await eastOnly;
    expect(changesOf(eastEvents)).toEqual([east.id]);
    const runs = eastEvents.filter((e) => e.event === 'run.completed' && e.data.runId !== 'fence');
    expect(runs.map((e) => e.data.environmentId).sort()).toEqual([east.id, west.id].sort());
  });

  it('carries only the topics asked for, and coalesces runs into one event per second when asked (issue 25)', async () => {
    const system = (await api.call('POST', '/api/v1/systems', { name: 'live-topics' })).body;
    const open = async (query: string, until: (events: { event: string; data: any }[]) => boolean) =>
      readEvents(await fetch(`${base}/api/v1/events?systemId=${system.id}${query}`, { headers: api.authHeaders }), until, 5_000);
    const run = (configurationId: string, i: number) => ({
      id: `r-${configurationId}-${i}`, topic: 'run.completed' as const,
      payload: { runId: `r-${configurationId}-${i}`, systemId: system.id, configurationId, source: 'Local', status: 'healthy' as const, latencyMs: i, message: 'ok', timestamp: new Date().toISOString() },
    });
    const change = {
      id: 'c-1', topic: 'healthcheck.system_health_changed' as const,
      payload: { systemId: system.id, systemName: 'live-topics', previousStatus: 'healthy' as const, newStatus: 'unhealthy' as const, healthyChecks: 0, totalChecks: 1, timestamp: new Date().toISOString() },
    };
    const healthOnly = open('&topics=health.changed', (events) => events.some((e) => e.event === 'health.changed'));
    const coalesced = open('&coalesce=1s', (events) => events.some((e) => e.event === 'runs.completed'));
    await new Promise((resolve) => setTimeout(resolve, 100)); // the streams are subscribed once `ready` is out
    // Three runs of stream a and two of b within the second, and a health change between them.
    for (const [configurationId, i] of [['a', 1], ['b', 1], ['a', 2], ['b', 2], ['a', 3]] as const) await api.services.bus.publish(run(configurationId, i));
    await api.services.bus.publish(change);

    const health = await healthOnly;
    expect(health.map((e) => e.event)).toEqual(['ready', 'health.changed']);
    const events = await coalesced;
    // The change is not held back for the batch; the batch has the latest run of each stream.
    expect(events.map((e) => e.event)).toEqual(['ready', 'health.changed', 'runs.completed']);
    expect((events[2]!.data as { runId: string }[]).map((r) => r.runId).sort()).toEqual(['r-a-3', 'r-b-2']);
  });

  it('names the topics it has when asked for one it does not', async () => {
    const response = await fetch(`${base}/api/v1/events?topics=health.changed,runs`, { headers: api.authHeaders });
    expect(response.status).toBe(400);
    expect((await response.json()).error.details).toEqual([{ path: 'topics', message: 'expected a comma-separated list of run.completed, health.changed; got "runs"' }]);
  });

  it('refuses environmentId together with environments=all', async () => {
    const response = await fetch(`${base}/api/v1/events?environmentId=${randomUUID()}&environments=all`, { headers: api.authHeaders });
    expect(response.status).toBe(400);
    expect((await response.json()).error.details).toEqual([{ path: 'environments', message: 'expected either environmentId or environments=all, not both' }]);
  });
});
