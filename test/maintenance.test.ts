import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Status } from '../src/kernel/status.ts';
import { createTestApi, type TestApi } from './support/api.ts';
import { startReceiver, type Receiver } from './targets/receiver.ts';

/**
 * Maintenance reaching notifications (SPEC §6.2) through the wiring app.ts does: a change during
 * an occurrence of a window with suppression is recorded as suppressed, not sent; a window
 * without suppression lets it through.
 */

let api: TestApi;
let receiver: Receiver;
let configurationId: string;
let channelId: string;
let at = Date.now() - 3_600_000;

const iso = (ms: number) => new Date(ms).toISOString();

beforeAll(async () => {
  api = await createTestApi({ notifications: { groupWindowSeconds: 0 } });
  receiver = await startReceiver();
  configurationId = (await api.call('POST', '/api/v1/configurations', { name: 'probe', strategy: 'tcp', config: { host: '127.0.0.1', port: 9 }, intervalSeconds: 60 })).body.id;
  channelId = (await api.call('POST', '/api/v1/notification-channels', { name: 'ops', type: 'webhook', config: { url: `${receiver.url}/hook` } })).body.id;
});
afterAll(async () => {
  await api.close();
  await receiver.close();
});

/** A watched system, subscribed to, in a window covering the last two hours and the next one. */
async function systemInMaintenance(name: string, suppressNotifications: boolean): Promise<string> {
  return (await inMaintenance(name, suppressNotifications)).systemId;
}

async function inMaintenance(name: string, suppressNotifications: boolean): Promise<{ systemId: string; windowId: string }> {
  const systemId = (await api.call('POST', '/api/v1/systems', { name })).body.id;
  await api.call('POST', '/api/v1/assignments', { systemId, configurationId });
  await api.call('POST', '/api/v1/subscriptions', { systemId, channelId, on: ['unhealthy'] });
  const window = await api.call('POST', '/api/v1/maintenance', {
    title: `${name} upgrade`,
    systemIds: [systemId],
    startsAt: iso(Date.now() - 2 * 3_600_000),
    endsAt: iso(Date.now() + 3_600_000),
    suppressNotifications,
  });
  expect(window.status, JSON.stringify(window.body)).toBe(201);
  return { systemId, windowId: window.body.id };
}

async function run(systemId: string, status: Status) {
  at += 60_000;
  await api.services.recorder.recordRun({ systemId, configurationId, environmentId: null, source: 'Local', status, latencyMs: 5, message: '', result: {}, scheduledFor: new Date(at), at: new Date(at) });
}

async function breakDown(systemId: string) {
  await run(systemId, 'healthy');
  for (let i = 0; i < 5; i++) await run(systemId, 'unhealthy');
  await api.services.notificationLoop.kick();
}

const deliveries = async (systemId: string) =>
  (await api.call('GET', `/api/v1/notifications?systemId=${systemId}`)).body.items.map((d: { state: string; reason: string | null }) => [d.state, d.reason]);

describe('maintenance and notifications', () => {
  it('records an alert during a window with suppression as suppressed, naming the window', async () => {
    const systemId = await systemInMaintenance('payments', true);
    await breakDown(systemId);
    expect(await deliveries(systemId)).toEqual([['suppressed', 'maintenance "payments upgrade" is active']]);
    expect(receiver.received.filter((r) => r.path === '/hook')).toEqual([]);
  });

  it('sends it when the window does not suppress', async () => {
    const systemId = await systemInMaintenance('search', false);
    await breakDown(systemId);
    await expect.poll(() => deliveries(systemId)).toEqual([['delivered', null]]);
  });

  it('sends the held alert when the window ends with the system still unhealthy', async () => {
    const { systemId, windowId } = await inMaintenance('ledger', true);
    await breakDown(systemId);
    expect(await deliveries(systemId)).toEqual([['suppressed', 'maintenance "ledger upgrade" is active']]);
    // The window ends: its end is announced once (maintenance.ended) and the held alert goes.
    await api.services.maintenance.advance();
    expect((await api.call('PATCH', `/api/v1/maintenance/${windowId}`, { endsAt: iso(Date.now() - 1_000) })).status).toBe(200);
    expect(await api.services.maintenance.advance()).toBeGreaterThan(0);
    await api.services.notificationLoop.kick();
    await expect.poll(() => deliveries(systemId)).toEqual([['delivered', null], ['suppressed', 'maintenance "ledger upgrade" is active']]);
    expect(receiver.received.filter((r) => r.path === '/hook').map((r) => (r.json as { title: string }).title)).toContain('ledger is unhealthy');
  });
});
