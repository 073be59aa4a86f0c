import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Status } from '../src/kernel/status.ts';
import { silentLogger } from '../src/kernel/log.ts';
import { NotificationPlanner } from '../src/notifications/planner.ts';
import { createTestApi, type TestApi } from './support/api.ts';
import { startReceiver, type Receiver } from './targets/receiver.ts';

/**
 * Who is told what, and when (issue 19; SPEC §3.7, §6.2), end to end through the real write path
 * and real local receivers: dependencies hold a child's alerts while its parent is down and send
 * them when it recovers; incidents and the notification policy suppress; a burst to one channel is
 * grouped; reminders repeat; users get email at their own address. Every suppressed message is in
 * the delivery log with its reason.
 */

interface Mail {
  to: string[];
  mail: ParsedMail;
}

let api: TestApi;
let receiver: Receiver;
let smtp: SMTPServer;
const mails: Mail[] = [];
let configurationId: string;
let at = Date.now() - 6 * 3_600_000;

// One failure is unhealthy, one success healthy: every run below is a status change.
const sharp = { mode: 'consecutive', healthy: { minSuccessCount: 1 }, degraded: { minFailureCount: 1 }, unhealthy: { minFailureCount: 1 } };

async function system(name: string, options: { thresholds?: unknown; policy?: unknown } = {}): Promise<string> {
  const id = (await api.call('POST', '/api/v1/systems', { name })).body.id;
  const assigned = await api.call('POST', '/api/v1/assignments', { systemId: id, configurationId, stateThresholds: options.thresholds ?? sharp, notificationPolicy: options.policy ?? null });
  expect(assigned.status, JSON.stringify(assigned.body)).toBe(201);
  return id;
}
async function run(systemId: string, status: Status) {
  at += 1_000;
  await api.services.recorder.recordRun({ systemId, configurationId, environmentId: null, source: 'Local', status, latencyMs: 3, message: status === 'healthy' ? '' : 'connection refused', result: {}, scheduledFor: new Date(at), at: new Date(at) });
}
async function channel(path: string, groupWindowSeconds: number | null = 0): Promise<string> {
  const created = await api.call('POST', '/api/v1/notification-channels', { name: path, type: 'webhook', config: { url: `${receiver.url}${path}` }, groupWindowSeconds });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id;
}
async function subscribe(body: Record<string, unknown>) {
  const created = await api.call('POST', '/api/v1/subscriptions', { on: ['any'], ...body });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id as string;
}
const titles = (path: string) => receiver.received.filter((r) => r.path === path).map((r) => (r.json as { title: string }).title);
const deliveries = async (systemId: string) =>
  (await api.call('GET', `/api/v1/notifications?systemId=${systemId}&limit=100`)).body.items.reverse().map((d: { title: string; state: string; reason: string | null }) => [d.title, d.state, d.reason]);

beforeAll(async () => {
  smtp = new SMTPServer({
    logger: false,
    disabledCommands: ['STARTTLS', 'AUTH'],
    onData(stream, session, callback) {
      simpleParser(stream).then((mail) => {
        mails.push({ to: session.envelope.rcptTo.map((to) => to.address), mail });
        callback();
      }, callback);
    },
  });
  await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
  const port = (smtp.server.address() as AddressInfo).port;
  api = await createTestApi({ notifications: { groupWindowSeconds: 0, userMail: { url: `smtp://127.0.0.1:${port}`, from: 'vigil@example.test' } } });
  receiver = await startReceiver();
  configurationId = (await api.call('POST', '/api/v1/configurations', { name: 'tcp', strategy: 'tcp', config: { host: '127.0.0.1', port: 9 }, intervalSeconds: 60 })).body.id;
});
afterAll(async () => {
  await api.close();
  await receiver.close();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

describe('dependencies (SPEC §3.7)', () => {
  it('refuse a cycle, naming it, and keep what was stored', async () => {
    const a = await system('cycle-a');
    const b = await system('cycle-b');
    expect((await api.call('PUT', `/api/v1/systems/${a}/dependencies`, { dependsOn: [b] })).body.dependsOn).toEqual([b]);
    const refused = await api.call('PUT', `/api/v1/systems/${b}/dependencies`, { dependsOn: [a] });
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual([{ path: 'dependsOn', message: 'expected no dependency cycle, but cycle-b → cycle-a → cycle-b would be one' }]);
    expect((await api.call('GET', `/api/v1/systems/${b}`)).body.dependsOn).toEqual([]);
    const unknown = await api.call('PUT', `/api/v1/systems/${a}/dependencies`, { dependsOn: ['00000000-0000-4000-8000-000000000000'] });
    expect(unknown.body.error.details).toEqual([{ path: 'dependsOn', message: 'no system with id 00000000-0000-4000-8000-000000000000' }]);
    expect((await api.call('GET', `/api/v1/systems/${a}`)).body.dependsOn).toEqual([b]);
  });

  it("hold a child's alert while its parent is unhealthy, send its recovery, and send a held alert when the parent recovers", async () => {
    const db = await system('orders-db');
    const app = await system('orders-api');
    await api.call('PUT', `/api/v1/systems/${app}/dependencies`, { dependsOn: [db] });
    const hook = await channel('/deps');
    await subscribe({ systemId: db, channelId: hook });
    await subscribe({ systemId: app, channelId: hook });
    for (const id of [db, app]) await run(id, 'healthy');

    await run(db, 'unhealthy');
    await run(app, 'unhealthy');
    await api.services.notificationLoop.kick();
    expect(titles('/deps')).toEqual(['orders-db is unhealthy']);
    expect(await deliveries(app)).toEqual([['orders-api is unhealthy', 'suppressed', 'parent orders-db is unhealthy']]);

    // The child recovers and fails again while the parent is still down: the recovery is sent, the new alert held.
    await run(app, 'healthy');
    await run(app, 'unhealthy');
    await api.services.notificationLoop.kick();
    expect(titles('/deps')).toEqual(['orders-db is unhealthy', 'orders-api recovered']);

    // The parent recovers with the child still down: the child's alert goes now, once.
    await run(db, 'healthy');
    await api.services.notificationLoop.kick();
    await api.services.notificationLoop.kick();
    expect(titles('/deps')).toEqual(['orders-db is unhealthy', 'orders-api recovered', 'orders-db recovered', 'orders-api is unhealthy']);
    const released = receiver.received.filter((r) => r.path === '/deps').at(-1)!.json as { text: string };
    expect(released.text).toContain('Failing: tcp — connection refused');
  });
});

describe('the notification policy (SPEC §6.2)', () => {
  it('mutes de-escalations when the assignment says so, recording them as suppressed', async () => {
    const window = { mode: 'window', windowSize: 3, degraded: { minFailureCount: 1 }, unhealthy: { minFailureCount: 2 } };
    const id = await system('search', { thresholds: window, policy: { suppressDeEscalations: true } });
    await subscribe({ systemId: id, channelId: await channel('/policy') });
    // [u] degraded, [u,u] unhealthy, [h,u,u] still unhealthy, [h,h,u] degraded (a de-escalation), [h,h,h] healthy.
    for (const status of ['healthy', 'unhealthy', 'unhealthy', 'healthy', 'healthy', 'healthy'] as Status[]) await run(id, status);
    await api.services.notificationLoop.kick();
    expect(titles('/policy')).toEqual(['search is degraded', 'search is unhealthy', 'search recovered']);
    expect((await deliveries(id)).filter((d: string[]) => d[1] === 'suppressed')).toEqual([['search is degraded', 'suppressed', 'de-escalations are muted by the notification policy']]);
  });

  it('reminds while a system stays unhealthy, once per period', async () => {
    const id = await system('billing', { policy: { renotifyMinutes: 30 } });
    await subscribe({ systemId: id, channelId: await channel('/remind') });
    await run(id, 'healthy');
    await run(id, 'unhealthy');
    await api.services.notificationLoop.kick();
    expect(titles('/remind')).toEqual(['billing is unhealthy']);
    const planner = new NotificationPlanner(api.database.pool, { log: silentLogger(), groupWindowSeconds: 0 });
    // Not yet: 29 minutes later.
    expect(await planner.plan(new Date(Date.now() + 29 * 60_000))).toBe(0);
    const later = new Date(Date.now() + 31 * 60_000);
    expect(await new NotificationPlanner(api.database.pool, { log: silentLogger(), groupWindowSeconds: 0 }).plan(later)).toBe(1);
    // A second planner in the same period plans nothing more.
    expect(await new NotificationPlanner(api.database.pool, { log: silentLogger(), groupWindowSeconds: 0 }).plan(later)).toBe(0);
    // Planned for the simulated time: due now, for the sender that runs on the real clock.
    await api.database.pool.query(`UPDATE notification_deliveries SET next_attempt_at = now() WHERE kind = 'reminder'`);
    await api.services.notificationLoop.kick();
    expect(titles('/remind')).toEqual(['billing is unhealthy', 'Still: billing is unhealthy']);
  });
});

describe('incidents', () => {
  it("tell subscribers about an incident and its updates, and suppress its systems' alerts while it is open", async () => {
    const id = await system('checkout');
    await subscribe({ systemId: id, channelId: await channel('/incidents') });
    await run(id, 'healthy');
    const opened = await api.call('POST', '/api/v1/incidents', { title: 'Card payments failing', systemIds: [id], severity: 'major', suppressNotifications: true, description: 'Some cards are declined.' });
    expect(opened.status, JSON.stringify(opened.body)).toBe(201);
    await run(id, 'unhealthy');
    await api.services.notificationLoop.kick();
    expect(titles('/incidents')).toEqual(['Incident (major): Card payments failing']);
    expect((await deliveries(id)).find((d: string[]) => d[0] === 'checkout is unhealthy')).toEqual(['checkout is unhealthy', 'suppressed', 'incident "Card payments failing" is open']);

    await api.call('POST', `/api/v1/incidents/${opened.body.id}/updates`, { status: 'resolved', message: 'The acquirer fixed it.' });
    await api.services.notificationLoop.kick();
    const resolved = receiver.received.filter((r) => r.path === '/incidents')[1]!.json as { kind: string; title: string; text: string };
    expect(resolved).toMatchObject({ kind: 'recovery', title: 'Incident resolved: Card payments failing' });
    expect(resolved.text).toContain('The acquirer fixed it.');
    // Still failing after the incident is resolved: the alert it held goes now.
    expect(titles('/incidents')).toEqual(['Incident (major): Card payments failing', 'Incident resolved: Card payments failing', 'checkout is unhealthy']);
  });
});

describe('failing open', () => {
  it('sends when the maintenance or incident lookup fails, and says so in the log', async () => {
    const id = await system('fail-open');
    await subscribe({ systemId: id, channelId: await channel('/fail-open') });
    await run(id, 'healthy');
    await run(id, 'unhealthy');
    const warnings: string[] = [];
    const log = silentLogger();
    log.warn = ((_: unknown, message: string) => void warnings.push(message)) as typeof log.warn;
    const broken = () => Promise.reject(new Error('relation "maintenance_windows" is locked'));
    const planner = new NotificationPlanner(api.database.pool, { log, groupWindowSeconds: 0, lookups: { maintenance: broken, incidents: broken } });
    expect(await planner.plan()).toBe(1);
    expect(await deliveries(id)).toEqual([['fail-open is unhealthy', 'pending', null]]);
    expect(warnings).toEqual([
      'Could not read the maintenance of a system; its notification is sent (fail open)',
      'Could not read the incident of a system; its notification is sent (fail open)',
    ]);
    await api.services.notificationLoop.kick();
    expect(titles('/fail-open')).toEqual(['fail-open is unhealthy']);
  });
});

describe('grouping (SPEC §6.2)', () => {
  it('sends a burst to one channel as one message after the first, and never holds one longer than the window', async () => {
    const hook = await channel('/grouped', 2);
    const group = (await api.call('POST', '/api/v1/groups', { name: 'storefront' })).body.id;
    const ids: string[] = [];
    for (const name of ['cart', 'catalog', 'images', 'reviews', 'search-ui']) ids.push(await system(name));
    await api.call('PATCH', `/api/v1/groups/${group}`, { systemIds: ids });
    await subscribe({ groupId: group, channelId: hook });
    for (const id of ids) await run(id, 'healthy');

    for (const id of ids) await run(id, 'unhealthy');
    const failedAt = Date.now();
    await api.services.notificationLoop.kick();
    expect(titles('/grouped')).toEqual(['cart is unhealthy']);
    // Held until the window ends, then one message for the other four.
    const deadline = Date.now() + 5_000;
    while (titles('/grouped').length < 2 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
      await api.services.notificationLoop.kick();
    }
    expect(Date.now() - failedAt).toBeLessThan(4_000);
    expect(titles('/grouped')).toEqual(['cart is unhealthy', '4 systems unhealthy: catalog, images, reviews, search-ui']);
    const grouped = receiver.received.filter((r) => r.path === '/grouped')[1]!;
    expect((grouped.json as { systems: unknown[] }).systems).toHaveLength(4);
    // Every member is logged delivered, under the one key the message carried.
    const log = await api.database.pool.query(`SELECT message->>'title' AS title, state FROM notification_deliveries WHERE batch_id = $1 ORDER BY created_at`, [grouped.headers['x-vigil-delivery']]);
    expect(log.rows).toEqual(['catalog', 'images', 'reviews', 'search-ui'].map((name) => ({ title: `${name} is unhealthy`, state: 'delivered' })));
  });
});

describe('users as subscribers', () => {
  it('get email at their own address', async () => {
    const user = await api.call('POST', '/api/v1/users', { email: 'dana@example.test', role: 'viewer', password: 'a long enough password' });
    expect(user.status, JSON.stringify(user.body)).toBe(201);
    const id = await system('mailer');
    await subscribe({ systemId: id, userId: user.body.id, on: ['unhealthy'] });
    await run(id, 'healthy');
    await run(id, 'unhealthy');
    await api.services.notificationLoop.kick();
    expect(mails).toHaveLength(1);
    expect(mails[0]!.to).toEqual(['dana@example.test']);
    expect(mails[0]!.mail.subject).toBe('[CRITICAL] mailer is unhealthy');
    expect(mails[0]!.mail.text).toContain('Failing: tcp — connection refused');
  });

  it('refuse a subscription with both or neither of a channel and a user', async () => {
    const id = await system('nobody');
    const neither = await api.call('POST', '/api/v1/subscriptions', { systemId: id, on: ['any'] });
    expect(neither.status).toBe(400);
    expect(neither.body.error.details).toEqual([{ path: 'channelId', message: 'expected exactly one of channelId and userId' }]);
  });
});

describe('deleting a system', () => {
  it('removes its subscriptions', async () => {
    const id = await system('short-lived');
    await subscribe({ systemId: id, channelId: await channel('/gone') });
    expect((await api.call('DELETE', `/api/v1/systems/${id}`)).status).toBe(204);
    expect((await api.database.pool.query('SELECT count(*)::int AS n FROM subscriptions WHERE system_id = $1', [id])).rows[0].n).toBe(0);
  });
});
