import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationsService, resealChannels } from '../src/notifications/service.ts';
import { SecretCipher } from '../src/secrets/cipher.ts';
import { rotateSecretKey } from '../src/secrets/rotate.ts';
import type { Status } from '../src/kernel/status.ts';
import { NotificationPlanner } from '../src/notifications/planner.ts';
import { NotificationSender } from '../src/notifications/sender.ts';
import { silentLogger } from '../src/kernel/log.ts';
import { createTestApi, type TestApi } from './support/api.ts';
import { startReceiver, type Receiver } from './targets/receiver.ts';

/**
 * Notifications end to end (issue 19) through the real write path and a real local receiver:
 * status changes become deliveries once per (change × subscription), are sent with their
 * idempotency key, retried with backoff, logged, and secrets never come back out.
 */

let api: TestApi;
let receiver: Receiver;
let systemId: string;
let configurationId: string;
const secret = 'whsec-0123456789abcdef';
let at = Date.now() - 3_600_000;

async function run(status: Status) {
  at += 60_000;
  await api.services.recorder.recordRun({ systemId, configurationId, environmentId: null, source: 'Local', status, latencyMs: 12, message: status === 'healthy' ? '' : 'statusCode: expected 200, got 503', result: {}, scheduledFor: new Date(at), at: new Date(at) });
}
const hooks = () => receiver.received.filter((r) => r.path === '/hook');

beforeAll(async () => {
  // Grouping off: each change is its own message here (notifications-grouping.test.ts groups).
  api = await createTestApi({ notifications: { groupWindowSeconds: 0 } });
  receiver = await startReceiver();
  systemId = (await api.call('POST', '/api/v1/systems', { name: 'payments-api' })).body.id;
  configurationId = (await api.call('POST', '/api/v1/configurations', { name: 'payments-http', strategy: 'tcp', config: { host: '127.0.0.1', port: 9 }, intervalSeconds: 60 })).body.id;
  await api.call('POST', '/api/v1/assignments', { systemId, configurationId });
});
afterAll(async () => {
  await api.close();
  await receiver.close();
});

describe('notification channels', () => {
  let channelId: string;

  it('keep secret fields write-only: stored sealed, answered as ****, kept when sent back masked', async () => {
    const created = await api.call('POST', '/api/v1/notification-channels', { name: 'ops webhook', type: 'webhook', config: { url: `${receiver.url}/hook`, secret } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    channelId = created.body.id;
    expect(created.body.config).toEqual({ url: `${receiver.url}/hook`, secret: '****' });
    const stored = await api.database.pool.query('SELECT config::text, sealed::text FROM notification_channels WHERE id = $1', [channelId]);
    expect(JSON.stringify(stored.rows)).not.toContain(secret);
    expect((await api.call('PATCH', `/api/v1/notification-channels/${channelId}`, { name: 'ops hook', config: { secret: '****' } })).body.config.secret).toBe('****');
    const everything = JSON.stringify([(await api.call('GET', '/api/v1/notification-channels')).body, (await api.call('GET', '/api/v1/audit?resourceType=notification_channel')).body]);
    expect(everything).not.toContain(secret);
  });

  it('refuse an unknown type and a bad config naming the field', async () => {
    const unknown = await api.call('POST', '/api/v1/notification-channels', { name: 'x', type: 'carrier-pigeon', config: {} });
    expect(unknown.body.error.details[0]).toEqual({ path: 'type', message: expect.stringMatching(/^Unknown channel type "carrier-pigeon"\. Available: webhook/) });
    const bad = await api.call('POST', '/api/v1/notification-channels', { name: 'y', type: 'webhook', config: { url: 'not a url' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0]).toEqual({ path: 'config.url', message: 'expected an http:// or https:// URL' });
  });

  it('send a test and show the receiver’s answer, the secret masked', async () => {
    const ok = await api.call('POST', `/api/v1/notification-channels/${channelId}/test`);
    expect(ok.body).toMatchObject({ ok: true, status: 200 });
    expect(hooks().at(-1)!.json).toMatchObject({ kind: 'test', title: 'Vigil test notification' });
    receiver.answer('/hook', { status: 401, body: `bad signature for secret ${secret}` });
    const refused = await api.call('POST', `/api/v1/notification-channels/${channelId}/test`);
    expect(refused.body).toMatchObject({ ok: false, status: 401, response: 'bad signature for secret ****' });
    expect(JSON.stringify(refused.body)).not.toContain(secret);
  });

  it('tell subscribers each real change once, with what fails and why, and how long it was down', async () => {
    const subscription = await api.call('POST', '/api/v1/subscriptions', { systemId, channelId, on: ['unhealthy', 'recovered'] });
    expect(subscription.status, JSON.stringify(subscription.body)).toBe(201);
    const before = hooks().length;
    await run('healthy'); // a created view: no message
    for (let i = 0; i < 5; i++) await run('unhealthy'); // healthy → degraded (not subscribed) → unhealthy
    await api.services.notificationLoop.kick();
    await run('healthy');
    // Two planners and two senders at once, as on two workers: still one message per change.
    const log = silentLogger();
    const planners = [0, 1].map(() => new NotificationPlanner(api.database.pool, { log, groupWindowSeconds: 0 }));
    const senders = [0, 1].map(() => new NotificationSender(api.database.pool, api.database.db, api.services.notifications, { log }));
    await Promise.all(planners.map((p) => p.plan()));
    await Promise.all(senders.map((s) => s.sendDue()));
    await api.services.notificationLoop.kick();
    const sent = hooks().slice(before).map((r) => r.json as { kind: string; title: string; text: string; systems: { downForMs?: number }[] });
    expect(sent.map((m) => m.title)).toEqual(['payments-api is unhealthy', 'payments-api recovered']);
    expect(sent[0]!.text).toMatch(/Failing: payments-http — statusCode: expected 200, got 503/);
    // Not healthy from the second failure (degraded, by the default thresholds) to the recovery four runs later.
    expect(sent[1]!.systems[0]!.downForMs).toBe(4 * 60_000);
    const ids = hooks().slice(before).map((r) => r.headers['x-vigil-delivery']);
    expect(new Set(ids).size).toBe(2);
    const logged = await api.call('GET', `/api/v1/notifications?systemId=${systemId}`);
    expect(logged.body.items.map((d: { state: string; attempts: number }) => [d.state, d.attempts])).toEqual([['delivered', 1], ['delivered', 1]]);
  });

  it('retry a receiver that fails with backoff, sending the same delivery id, and log every attempt', async () => {
    const before = hooks().length;
    receiver.answer('/hook', { status: 503, body: 'busy' });
    for (let i = 0; i < 5; i++) await run('unhealthy');
    await api.services.notificationLoop.kick();
    const [pending] = (await api.call('GET', '/api/v1/notifications?state=pending')).body.items;
    expect(pending).toMatchObject({ attempts: 1, attemptLog: [{ ok: false, status: 503, error: 'The receiver answered 503: busy' }] });
    expect(Date.parse(pending.nextAttemptAt)).toBeGreaterThan(Date.now());
    await api.database.pool.query(`UPDATE notification_deliveries SET next_attempt_at = now() WHERE id = $1`, [pending.id]);
    await api.services.notificationLoop.kick();
    const attempts = hooks().slice(before);
    expect(attempts.map((r) => r.headers['x-vigil-delivery'])).toEqual([pending.id, pending.id]);
    const done = (await api.call('GET', `/api/v1/notifications?systemId=${systemId}&state=delivered`)).body.items[0];
    expect(done).toMatchObject({ id: pending.id, attempts: 2 });
  });

  it('cancel pending deliveries when their channel is deleted, keeping them in the log', async () => {
    receiver.answer('/hook', { status: 500 });
    await run('healthy');
    await api.services.notificationLoop.kick();
    expect((await api.call('GET', '/api/v1/notifications?state=pending')).body.items).toHaveLength(1);
    expect((await api.call('DELETE', `/api/v1/notification-channels/${channelId}`)).status).toBe(204);
    const [cancelled] = (await api.call('GET', '/api/v1/notifications?state=cancelled')).body.items;
    expect(cancelled).toMatchObject({ reason: 'the channel was deleted', channelId: null });
    expect((await api.call('GET', `/api/v1/subscriptions?systemId=${systemId}`)).body.items).toEqual([]);
  });
});

describe('a burst of changes', () => {
  it('is planned whole even when it is larger than one page of events', async () => {
    const burstSystem = (await api.call('POST', '/api/v1/systems', { name: 'bursty' })).body.id;
    await api.call('POST', '/api/v1/assignments', { systemId: burstSystem, configurationId });
    const channel = (await api.call('POST', '/api/v1/notification-channels', { name: 'burst hook', type: 'webhook', config: { url: `${receiver.url}/burst` } })).body.id;
    await api.call('POST', '/api/v1/subscriptions', { systemId: burstSystem, channelId: channel, on: ['any'] });
    const record = async (status: Status) => {
      at += 60_000;
      await api.services.recorder.recordRun({ systemId: burstSystem, configurationId, environmentId: null, source: 'Local', status, latencyMs: 5, message: '', result: {}, scheduledFor: new Date(at), at: new Date(at) });
    };
    // healthy (created, silent) → degraded → unhealthy → healthy → degraded: four changes.
    for (const status of ['healthy', 'unhealthy', 'unhealthy', 'unhealthy', 'unhealthy', 'unhealthy', 'healthy', 'unhealthy', 'unhealthy'] as Status[]) await record(status);
    await new NotificationPlanner(api.database.pool, { log: silentLogger(), batch: 1 }).plan();
    const planned = await api.database.pool.query(`SELECT message->>'title' AS title FROM notification_deliveries WHERE system_id = $1 ORDER BY created_at`, [burstSystem]);
    expect(planned.rows.map((r) => r.title)).toEqual(['bursty is degraded', 'bursty is unhealthy', 'bursty recovered', 'bursty is degraded']);
  });
});

describe('rotating the secret key', () => {
  it('re-seals channel secrets in the same transaction, so channels still send afterwards', async () => {
    const [before, after] = [new SecretCipher(randomBytes(32)), new SecretCipher(randomBytes(32))];
    const noGroups = async () => [];
    const created = await new NotificationsService(api.database.db, before, noGroups).createChannel({ name: 'rotated', type: 'webhook', config: { url: `${receiver.url}/rotated`, secret }, enabled: true, groupWindowSeconds: null });
    // Other channels in this database were sealed under the test app's own key: leave them out of this rotation.
    await api.database.pool.query(`UPDATE notification_channels SET sealed = NULL WHERE id <> $1`, [created.id]);
    expect(await rotateSecretKey(api.database.db, before, after, [resealChannels])).toBeGreaterThanOrEqual(1);
    const opened = await new NotificationsService(api.database.db, after, noGroups).openChannel(created.id);
    expect(opened.config).toMatchObject({ secret });
  });
});
