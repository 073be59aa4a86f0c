import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApi } from './support/api.ts';
import { startCluster, type Cluster } from './support/cluster.ts';
import { processOfConnection } from './support/socket-owner.ts';
import { startHoldingReceiver, type Arrival, type HoldingReceiver } from './targets/holding-receiver.ts';
import { redisMissing } from './support/redis.ts';
import { waitFor, within } from './support/wait.ts';

/**
 * Notifications across processes (issue 19): three `vigil start --role worker` processes on one
 * PostgreSQL and Redis plan and send the deliveries of N real status changes to two webhooks — one
 * that answers 200, one that fails each delivery's first attempt with 503 — and the worker sending
 * the first request is killed with SIGKILL while its requests are in flight. Every change reaches
 * both receivers under its one delivery id; only what the dead worker was sending is sent again,
 * with the same id, once its lease is over; nothing is left pending.
 */
const noRedis = await redisMissing('distributed notification');

const SYSTEMS = 20;
/** Each answer is held this long, so a kill lands while requests are in flight. */
const HOLD_MS = 400;

describe.skipIf(noRedis)('notifications on several worker processes', () => {
  let cluster: Cluster;
  let api: TestApi;
  let receiver: HoldingReceiver<Delivered>;
  const workers: ReturnType<Cluster['start']>[] = [];

  beforeAll(async () => {
    cluster = await startCluster();
    api = cluster.api;
    // Every answer held HOLD_MS; `/flaky` answers 503 the first time it answers each delivery id (a
    // request whose sender vanished was never answered, so it does not count) and 200 after, `/ok` 200.
    const refused = new Set<string>();
    receiver = await startHoldingReceiver(
      (headers, body) => {
        const message = body as { id: string; systems: { id: string }[] };
        return { id: String(headers['x-vigil-delivery']), bodyId: message.id, systemId: message.systems[0]!.id };
      },
      (arrival, respond) =>
        setTimeout(() => {
          if (arrival.clientGone) return;
          const status = arrival.path === '/flaky' && !refused.has(arrival.id) ? 503 : 200;
          if (status === 503) refused.add(arrival.id);
          respond(status);
        }, HOLD_MS),
    );
  });

  afterAll(async () => {
    await cluster?.close();
    await receiver?.close();
  });

  it('delivers every change once per channel, resends only what a killed worker was sending, and leaves nothing pending', async () => {
    const call = async (path: string, body: unknown) => {
      const answer = await api.call('POST', path, body);
      if (answer.status !== 201) throw new Error(`POST ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer.body.id as string;
    };
    // No group window on the channels: the workers' VIGIL_NOTIFICATION_GROUP_SECONDS=0 holds, each change is a message.
    const okChannel = await call('/api/v1/notification-channels', { name: 'always ok', type: 'webhook', config: { url: `${receiver.url}/ok` } });
    const flakyChannel = await call('/api/v1/notification-channels', { name: 'fails once', type: 'webhook', config: { url: `${receiver.url}/flaky` } });
    // Nothing schedules it (no scheduler process): the test records the runs itself.
    const configurationId = await call('/api/v1/configurations', { name: 'probe', strategy: 'tcp', config: { host: '127.0.0.1', port: 9 }, intervalSeconds: 60 });
    const oneFailureIsUnhealthy = { mode: 'consecutive', healthy: { minSuccessCount: 1 }, degraded: { minFailureCount: 1 }, unhealthy: { minFailureCount: 1 } };
    const systemIds: string[] = [];
    for (let i = 0; i < SYSTEMS; i++) {
      const systemId = await call('/api/v1/systems', { name: `system-${String(i).padStart(2, '0')}` });
      await call('/api/v1/assignments', { systemId, configurationId, stateThresholds: oneFailureIsUnhealthy });
      for (const channelId of [okChannel, flakyChannel]) await call('/api/v1/subscriptions', { systemId, channelId, on: ['unhealthy'] });
      systemIds.push(systemId);
    }
    const record = (systemId: string, status: 'healthy' | 'unhealthy', at: Date) =>
      api.services.recorder.recordRun({ systemId, configurationId, environmentId: null, source: 'Local', status, latencyMs: 3, message: status === 'healthy' ? '' : 'connect ECONNREFUSED', result: {}, scheduledFor: at, at });
    const before = new Date(Date.now() - 60_000);
    for (const systemId of systemIds) await record(systemId, 'healthy', before); // a new view: nothing to tell

    for (let i = 0; i < 3; i++) workers.push(cluster.start('worker', { VIGIL_NOTIFICATION_GROUP_SECONDS: '0' }));
    await waitFor(() => workers.every((w) => w.output().includes('Worker started')), 30_000, 'three workers started');
    // A worker has planned once: the outbox cursor exists before the changes are written.
    await waitFor(async () => (await api.database.pool.query('SELECT 1 FROM notification_cursor')).rowCount === 1, 10_000, 'a first planning pass');

    // The worker that sends the first request is killed the moment it arrives, its answer held back:
    // it dies mid-send, with whatever else it had claimed.
    const pids = workers.map((w) => w.child.pid!);
    const killed = new Promise<{ victimPid: number; cut: Delivered[] }>((resolve, reject) => {
      receiver.onArrival = (arrival) => {
        receiver.onArrival = undefined;
        const victimPid = processOfConnection(arrival.clientPort, receiver.port, pids);
        if (victimPid === undefined) return reject(new Error('no worker holds the connection of the first request'));
        const cut = receiver.arrivals.filter((a) => inFlight(a) && processOfConnection(a.clientPort, receiver.port, [victimPid]) === victimPid);
        process.kill(victimPid, 'SIGKILL');
        resolve({ victimPid, cut });
      };
    });
    const now = new Date();
    await Promise.all(systemIds.map((systemId) => record(systemId, 'unhealthy', now)));
    const { victimPid, cut } = await within(killed, 20_000, 'a first webhook request');
    const victim = workers.find((w) => w.child.pid === victimPid)!;
    expect(await victim.exited).toBe('SIGKILL');
    expect(cut.length).toBeGreaterThan(0);
    // The kill landed mid-send: the receiver saw those clients vanish before it answered.
    await waitFor(() => cut.every((a) => a.clientGone), 5_000, 'the killed worker’s connections closed');

    // What the dead worker had claimed: its rows share one lease (now() of the statement that claimed them).
    const claimed = await api.database.pool.query<{ id: string; lease_until: Date }>(
      `SELECT id, lease_until FROM notification_deliveries
        WHERE state = 'sending' AND lease_until IN (SELECT lease_until FROM notification_deliveries WHERE id = ANY($1::uuid[]))`,
      [cut.map((a) => a.id)],
    );
    const orphans = claimed.rows.map((r) => r.id);
    expect(orphans).toEqual(expect.arrayContaining(cut.map((a) => a.id)));
    // The survivors finish everything else, planning and retrying included, and leave the dead worker's rows alone while its lease holds.
    const notDelivered = async (except: string[]) =>
      Number((await api.database.pool.query(`SELECT count(*) FROM notification_deliveries WHERE state <> 'delivered' AND id <> ALL($1::uuid[])`, [except])).rows[0].count);
    await waitFor(async () => (await notDelivered(orphans)) === 0, 20_000, 'the survivors delivering the rest');
    const held = await api.database.pool.query(`SELECT count(*)::int AS n FROM notification_deliveries WHERE id = ANY($1::uuid[]) AND state = 'sending' AND lease_until > now()`, [orphans]);
    expect(held.rows[0].n).toBe(orphans.length);

    // The lease is 30 s. Rather than wait it out, the dead worker's rows (and only they: the
    // survivors' leases are untouched) are moved to the moment their lease would run out — what
    // the clock does 30 s later; taking over is then up to the survivors, as it would be.
    await api.database.pool.query(`UPDATE notification_deliveries SET lease_until = now() WHERE id = ANY($1::uuid[]) AND state = 'sending'`, [orphans]);
    await waitFor(async () => (await notDelivered([])) === 0, 20_000, 'the dead worker’s deliveries taken over');
    await waitFor(() => !receiver.arrivals.some(inFlight), 5_000, 'the last answers');

    const { rows: deliveries } = await api.database.pool.query<{ id: string; channel_id: string; system_id: string; event_id: string; state: string; attempts: number }>(
      `SELECT id, channel_id, system_id, event_id, state, attempts FROM notification_deliveries`,
    );
    expect(deliveries.every((d) => d.state === 'delivered')).toBe(true);
    const byId = new Map(deliveries.map((d) => [d.id, d]));
    for (const [path, channelId] of [['/ok', okChannel], ['/flaky', flakyChannel]] as const) {
      const rows = deliveries.filter((d) => d.channel_id === channelId);
      // One delivery per change: every system's one change, each under its own event.
      expect(rows.map((d) => d.system_id).sort()).toEqual([...systemIds].sort());
      expect(new Set(rows.map((d) => d.event_id)).size).toBe(SYSTEMS);
      const arrivals = receiver.arrivals.filter((a) => a.path === path);
      for (const a of arrivals) {
        expect(byId.get(a.id)?.channel_id).toBe(channelId);
        expect(a.bodyId).toBe(a.id);
        expect(a.systemId).toBe(byId.get(a.id)!.system_id);
      }
      // Answered 200 exactly once per delivery id; the only other requests are ones the kill cut
      // off, and only for what the dead worker held (sent again by a survivor under the same id).
      const answered = arrivals.filter((a) => a.status === 200).map((a) => a.id);
      expect(answered.sort()).toEqual(rows.map((d) => d.id).sort());
      for (const a of arrivals.filter((x) => x.clientGone)) expect(orphans).toContain(a.id);
    }
    // The healthy receiver: nothing else, so each change arrived once, or twice when the kill cut its first request.
    const ok = receiver.arrivals.filter((a) => a.path === '/ok');
    expect(ok.every((a) => a.status === 200 || a.clientGone)).toBe(true);
    expect(ok.filter((a) => a.clientGone).length).toBe(new Set(ok.filter((a) => a.clientGone).map((a) => a.id)).size);
    // One attempt each, two for what the dead worker was sending: its cut-off attempt counts too.
    for (const d of deliveries.filter((x) => x.channel_id === okChannel)) expect(d.attempts, d.id).toBe(orphans.includes(d.id) ? 2 : 1);
    // The flaky one: for every delivery a 503, then a 200 to the same id; two attempts logged.
    const flaky = receiver.arrivals.filter((a) => a.path === '/flaky' && !a.clientGone);
    for (const d of deliveries.filter((x) => x.channel_id === flakyChannel)) {
      expect(flaky.filter((a) => a.id === d.id).map((a) => a.status), d.id).toEqual([503, 200]);
      expect(d.attempts).toBeGreaterThanOrEqual(2);
    }
    const survivors = workers.filter((w) => w !== victim);
    expect(survivors.map((w) => w.output()).join('\n')).not.toMatch(/Notification pass failed/);
  }, 90_000);
});

/** The x-vigil-delivery header, and the message's own id and its system from the body. */
type Delivered = Arrival & { id: string; bodyId: string; systemId: string };

const inFlight = (a: Delivered) => a.status === undefined && !a.clientGone;
