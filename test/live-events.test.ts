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

    const response = await fetch(`${base}/api/v1/events?systemId=${system.id}`);
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
});
