import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BusEvent } from '../src/events/topics.ts';
import { SloService } from '../src/history/slo-service.ts';
import { silentLogger } from '../src/kernel/log.ts';
import type { Status } from '../src/kernel/status.ts';
import { createTestApi, type TestApi } from './support/api.ts';

/**
 * SLOs (SPEC §5.4) over runs recorded through the real write path: SLI and error budget from the
 * tiers equal the runs, burn rates per window, and the burn-rate alert's start and end published
 * once each even when two processes evaluate at the same moment.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
let api: TestApi;
let systemId: string;
let configurationId: string;
const now = Date.now();
const generated: { at: number; status: Status }[] = [];
const events: BusEvent[] = [];

beforeAll(async () => {
  api = await createTestApi();
  api.services.bus.subscribe((event) => {
    if (event.topic.startsWith('slo.')) events.push(event);
  });
  systemId = (await api.call('POST', '/api/v1/systems', { name: 'slo-system' })).body.id;
  configurationId = (await api.call('POST', '/api/v1/configurations', { name: 'slo-check', strategy: 'tcp', config: { host: '127.0.0.1', port: 9 }, intervalSeconds: 60 })).body.id;
  // 40 days, a run every 20 minutes, one in 50 unhealthy and one in 25 degraded …
  for (let at = now - 40 * DAY + 30_000, i = 0; at < now - HOUR; at += 20 * MINUTE, i += 1) {
    generated.push({ at, status: i % 50 === 7 ? 'unhealthy' : i % 25 === 3 ? 'degraded' : 'healthy' });
  }
  // … and in the last hour a run every minute, every second one failing: a fast burn.
  for (let at = now - HOUR + 15_000, i = 0; at < now; at += MINUTE, i += 1) generated.push({ at, status: i % 2 ? 'unhealthy' : 'healthy' });
  for (const run of generated) {
    await api.services.recorder.recordRun({ systemId, configurationId, environmentId: null, source: 'Local', status: run.status, latencyMs: 10, message: '', result: {}, scheduledFor: new Date(run.at), at: new Date(run.at) });
  }
}, 180_000);
afterAll(() => api.close());

describe('SLOs', () => {
  let sloId: string;

  it('are created with defaults and refused with the field named', async () => {
    const created = await api.call('POST', '/api/v1/slos', { name: 'checkout availability', systemId, objective: 99.5 });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body).toMatchObject({ windowDays: 30, degradedIsGood: true, configurationId: null, environmentId: null });
    sloId = created.body.id;
    const full = await api.call('POST', '/api/v1/slos', { name: 'perfect', systemId, objective: 100 });
    expect(full.status).toBe(400);
    expect(full.body.error.details[0]).toEqual({ path: 'objective', message: 'expected less than 100 (100 % leaves no error budget)' });
    const unknown = await api.call('POST', '/api/v1/slos', { name: 'nowhere', systemId: '00000000-0000-4000-8000-000000000000', objective: 99 });
    expect(unknown.body.error.details[0].path).toBe('systemId');
    expect((await api.call('POST', '/api/v1/slos', { name: 'Checkout Availability', systemId, objective: 99 })).status).toBe(409);
    const [audited] = (await api.call('GET', `/api/v1/audit?resourceType=slo&resourceId=${sloId}`)).body.items;
    expect(audited.action).toBe('create');
  });

  it('answers SLI, budget and burn rates equal to the runs', async () => {
    const status = await api.call('GET', `/api/v1/slos/${sloId}/status`);
    expect(status.status, JSON.stringify(status.body)).toBe(200);
    const at = Date.parse(status.body.evaluatedAt);
    const from = Math.floor((at - 30 * DAY) / HOUR) * HOUR; // the window starts at the hour 30 days ago
    const inside = generated.filter((r) => r.at >= from && r.at < at);
    const bad = inside.filter((r) => r.status === 'unhealthy').length;
    expect(status.body.window).toMatchObject({ runs: inside.length, badRuns: bad });
    expect(status.body.sli).toBeCloseTo(((inside.length - bad) / inside.length) * 100, 3);
    expect(status.body.budget.totalRuns).toBeCloseTo(0.005 * inside.length, 3);
    expect(status.body.budget.usedRuns).toBe(bad);
    const rate = (ms: number) => {
      const runs = generated.filter((r) => r.at >= at - ms && r.at < at);
      return runs.filter((r) => r.status === 'unhealthy').length / runs.length / 0.005;
    };
    expect(status.body.burnRates['5m']).toBeCloseTo(rate(5 * MINUTE), 3);
    expect(status.body.burnRates['1h']).toBeCloseTo(rate(HOUR), 3);
    expect(status.body.burnRates['6h']).toBeCloseTo(rate(6 * HOUR), 3);
    expect(status.body.burning).toBe(true);
    expect(status.body.hoursToExhaustion).not.toBeNull();
  });

  it('counts degraded runs as bad when told to', async () => {
    const strict = await api.call('POST', '/api/v1/slos', { name: 'strict', systemId, configurationId, objective: 99, degradedIsGood: false, windowDays: 7 });
    const status = (await api.call('GET', `/api/v1/slos/${strict.body.id}/status`)).body;
    const from = Math.floor((Date.parse(status.evaluatedAt) - 7 * DAY) / HOUR) * HOUR;
    const inside = generated.filter((r) => r.at >= from && r.at < Date.parse(status.evaluatedAt));
    expect(status.window.badRuns).toBe(inside.filter((r) => r.status !== 'healthy').length);
    await api.call('DELETE', `/api/v1/slos/${strict.body.id}`);
  });

  it('publishes the alert’s start once when two processes evaluate together, and its end once', async () => {
    const service = (at: number) => new SloService(api.database.db, api.database.pool, { deliver: (ids) => api.services.relay.deliver(ids), log: silentLogger(), now: () => new Date(at) });
    const changed = await Promise.all([service(now).evaluateAll(), service(now).evaluateAll()]);
    expect(changed.reduce((a, b) => a + b, 0)).toBe(1);
    expect(await service(now).evaluateAll()).toBe(0);
    await expect.poll(() => events.map((e) => e.topic)).toEqual(['slo.burn_rate_high']);
    expect(events[0]!.payload).toMatchObject({ sloId, systemId, objective: 99.5 });
    // Two hours later the last hour and the last 5 minutes have no runs: the fast burn is over.
    const later = now + 2 * HOUR;
    const ended = await Promise.all([service(later).evaluateAll(), service(later).evaluateAll()]);
    expect(ended.reduce((a, b) => a + b, 0)).toBe(1);
    await expect.poll(() => events.map((e) => e.topic)).toEqual(['slo.burn_rate_high', 'slo.burn_rate_normal']);
  });
});
