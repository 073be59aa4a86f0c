import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApi } from './support/api.ts';
import { startCluster, type Cluster } from './support/cluster.ts';
import { startFlipTarget, type FlipTarget } from './support/flip-target.ts';
import { redisMissing } from './support/redis.ts';
import { processOfConnection } from './support/socket-owner.ts';
import { startHoldingReceiver, type Arrival, type HoldingReceiver } from './targets/holding-receiver.ts';
import { waitFor, within } from './support/wait.ts';

/**
 * Automation rules across processes (SPEC §6.1; issue 20): two `vigil start --role worker`
 * processes and one `--role scheduler` on one PostgreSQL and Redis. The scheduler runs a real HTTP
 * check every second against a local target the test flips between 200 and 500; the workers run
 * the checks and the rules. Three rules, written as SPEC §6.1 writes them: flapping (three bad
 * changes in 60 minutes, refire once → a webhook), a sustained outage (degraded for 3 s → open an
 * incident) and its recovery (healthy → resolve it).
 *
 * The system goes down four times. The first two recoveries come before the `for` elapses. On the
 * third down the flapping webhook fires, and the worker calling it is SIGKILLed while the receiver
 * holds its request — and while the outage's `for` is waiting. The survivor fires the `for` (one
 * incident), sends the webhook again under the same key once the dead worker's lease is over, and
 * resolves the incident on recovery; the fourth down is inside the flapping episode and recovers
 * before its `for`. Nothing fires twice, nothing is left pending.
 */
const noRedis = await redisMissing('distributed automation');

/** A webhook call: the X-Vigil-Key header (the action run's idempotency key) and the body. */
type Called = Arrival & { key: string; body: unknown };

describe.skipIf(noRedis)('automation rules on two worker processes', () => {
  let cluster: Cluster;
  let api: TestApi;
  let target: FlipTarget;
  let receiver: HoldingReceiver<Called>;
  /** While true, requests get no answer; after, 200 at once. */
  let holding = true;

  beforeAll(async () => {
    cluster = await startCluster();
    api = cluster.api;
    target = await startFlipTarget(200);
    // The X-Vigil-Key header is the action run's idempotency key.
    receiver = await startHoldingReceiver(
      (headers, body) => ({ key: String(headers['x-vigil-key']), body }),
      (_arrival, respond) => {
        if (!holding) respond(200);
      },
    );
  });

  afterAll(async () => {
    await cluster?.close();
    await receiver?.close();
    await target?.close();
  });

  it('fires the flapping rule once, opens one incident for a sustained outage despite a killed worker, resolves it, and leaves nothing pending', async () => {
    const call = async (path: string, body: unknown) => {
      const answer = await api.call('POST', path, body);
      if (answer.status !== 201) throw new Error(`POST ${path}: ${answer.status} ${JSON.stringify(answer.body)}`);
      return answer.body.id as string;
    };
    const pool = api.database.pool;
    // One failure is unhealthy, one success healthy: every flip is a status change. One second is the shortest interval.
    const sharp = { mode: 'consecutive', healthy: { minSuccessCount: 1 }, degraded: { minFailureCount: 1 }, unhealthy: { minFailureCount: 1 } };
    const configurationId = await call('/api/v1/configurations', { name: 'payments health', strategy: 'http', config: { url: target.url, timeout: 2_000 }, intervalSeconds: 1 });
    const systemId = await call('/api/v1/systems', { name: 'payments' });
    await call('/api/v1/assignments', { systemId, configurationId, stateThresholds: sharp });
    const flapping = await call('/api/v1/automations', {
      name: 'flapping',
      trigger: 'healthcheck.system_health_changed',
      filter: 'trigger.payload.newStatus != "healthy"',
      window: { count: 3, minutes: 60, refire: 'once' },
      actions: [{ type: 'webhook', input: { url: `${receiver.url}/flapping`, body: { text: '{{ trigger.payload.systemName }} is flapping' } } }],
    });
    const outage = await call('/api/v1/automations', {
      name: 'sustained outage',
      trigger: 'healthcheck.system_degraded',
      for: '3s',
      actions: [{ type: 'incident.open', input: { title: '{{ trigger.payload.systemName }} is down', severity: 'major' } }],
    });
    const recovery = await call('/api/v1/automations', { name: 'recovered', trigger: 'healthcheck.system_healthy', actions: [{ type: 'incident.resolve', input: { message: 'Back to healthy.' } }] });

    const scheduler = cluster.start('scheduler');
    const workers = [cluster.start('worker'), cluster.start('worker')];
    await waitFor(() => scheduler.output().includes('Scheduler started') && workers.every((w) => w.output().includes('Worker started')), 30_000, 'a scheduler and two workers started');

    const status = async () => (await api.call('GET', `/api/v1/systems/${systemId}/health`)).body.status as string | null;
    /** Flips the target and waits for a real check to record the change. */
    const flip = async (code: 200 | 500) => {
      const expected = code === 200 ? 'healthy' : 'unhealthy';
      target.setStatus(code);
      await waitFor(async () => (await status()) === expected, 10_000, `payments ${expected}`);
    };
    const incidents = async () => (await api.call('GET', `/api/v1/incidents?systemId=${systemId}`)).body.items as { id: string; title: string; status: string }[];
    const executions = async (ruleId: string) =>
      (await pool.query<{ state: string; reason: string | null; created_at: Date; due_at: Date | null; fired_at: Date | null }>(
        `SELECT state, reason, created_at, due_at, fired_at FROM automation_executions WHERE rule_id = $1 ORDER BY created_at`,
        [ruleId],
      )).rows;
    await waitFor(async () => (await status()) === 'healthy', 30_000, 'a first healthy run');

    // Twice down and back within the `for`: two bad changes for the window, two `for`s cancelled.
    for (let i = 0; i < 2; i++) {
      await flip(500);
      await flip(200);
    }
    await waitFor(async () => (await executions(outage)).filter((x) => x.state === 'cancelled').length === 2, 10_000, 'two outages cancelled by their recovery');
    expect(receiver.arrivals).toEqual([]);

    // The third bad change fires the flapping rule: whichever worker calls the webhook dies
    // mid-request, the receiver holding its answer.
    const pids = workers.map((w) => w.child.pid!);
    const killed = new Promise<{ victimPid: number; cut: Called; killedAt: Date }>((resolve, reject) => {
      receiver.onArrival = (arrival) => {
        receiver.onArrival = undefined;
        const victimPid = processOfConnection(arrival.clientPort, receiver.port, pids);
        if (victimPid === undefined) return reject(new Error('no worker holds the connection of the flapping webhook'));
        process.kill(victimPid, 'SIGKILL');
        resolve({ victimPid, cut: arrival, killedAt: new Date() });
      };
    });
    target.setStatus(500);
    const { victimPid, cut, killedAt } = await within(killed, 15_000, 'the flapping webhook');
    const victim = workers.find((w) => w.child.pid === victimPid)!;
    const survivor = workers.find((w) => w !== victim)!;
    expect(await victim.exited).toBe('SIGKILL');
    await waitFor(() => cut.clientGone, 5_000, 'the killed worker’s connection closed');
    holding = false;
    // The outage's `for` was waiting when the worker died: stored before the kill, due after it.
    const waiting = (await executions(outage))[2]!;
    expect(waiting.created_at.getTime()).toBeLessThan(killedAt.getTime());
    expect(waiting.due_at!.getTime()).toBeGreaterThan(killedAt.getTime());

    // The survivor fires it when it is due: one incident.
    await waitFor(async () => (await incidents()).length > 0, 15_000, 'the sustained outage’s incident');
    // Meanwhile the dead worker's webhook run stays its own while its lease holds: not sent again yet.
    const claimed = await pool.query<{ id: string }>(
      `SELECT id FROM automation_action_runs
        WHERE state = 'running' AND lease_until > now() AND lease_until IN (SELECT lease_until FROM automation_action_runs WHERE id = $1)`,
      [cut.key],
    );
    const orphans = claimed.rows.map((r) => r.id);
    expect(orphans).toContain(cut.key);
    expect(receiver.arrivals).toHaveLength(1);
    // The lease is 90 s. Rather than wait it out, the dead worker's rows (its claim shares one
    // lease_until; the survivor's are untouched) are moved to the moment their lease would run
    // out — what the clock does 90 s later; taking over is then up to the survivor, as it would be.
    await pool.query(`UPDATE automation_action_runs SET lease_until = now() WHERE id = ANY($1::uuid[]) AND state = 'running'`, [orphans]);
    await waitFor(() => receiver.arrivals.some((a) => a.status === 200), 10_000, 'the webhook sent again by the survivor');

    // Recovery resolves the incident.
    await flip(200);
    await waitFor(async () => (await incidents())[0]?.status === 'resolved', 10_000, 'the incident resolved');

    // A fourth bad change, inside the flapping episode, and back before its `for`.
    await flip(500);
    await flip(200);
    const settled = async () => {
      const { rows } = await pool.query<{ unfinished: number; recoveries: number }>(
        `SELECT (SELECT count(*)::int FROM automation_executions WHERE state IN ('waiting', 'running'))
              + (SELECT count(*)::int FROM automation_action_runs WHERE state NOT IN ('succeeded', 'failed', 'skipped')) AS unfinished,
                (SELECT count(*)::int FROM automation_executions WHERE rule_id = $1) AS recoveries`,
        [recovery],
      );
      return rows[0]!.unfinished === 0 && rows[0]!.recoveries === 4;
    };
    await waitFor(settled, 10_000, 'every execution finished');

    // Flapping: four bad changes (the three recoveries are filtered out, not recorded); it fired
    // once, on the third, and its one webhook reached the receiver under one key, the second time
    // from the survivor after the kill cut the first.
    expect((await executions(flapping)).map((x) => [x.state, x.reason])).toEqual([
      ['skipped', '1 of 3 events in 60 min'],
      ['skipped', '2 of 3 events in 60 min'],
      ['succeeded', null],
      ['skipped', 'already fired in this episode (refire once)'],
    ]);
    expect(receiver.arrivals.map((a) => [a.path, a.key, a.body, a.status ?? (a.clientGone ? 'cut' : 'held')])).toEqual([
      ['/flapping', cut.key, { text: 'payments is flapping' }, 'cut'],
      ['/flapping', cut.key, { text: 'payments is flapping' }, 200],
    ]);

    // The sustained outage: three `for`s cancelled by a recovery, one fired — after the kill, by the survivor — and one incident.
    const outages = await executions(outage);
    expect(outages.map((x) => [x.state, x.reason])).toEqual([
      ['cancelled', 'healthcheck.system_healthy arrived before the for ended'],
      ['cancelled', 'healthcheck.system_healthy arrived before the for ended'],
      ['succeeded', null],
      ['cancelled', 'healthcheck.system_healthy arrived before the for ended'],
    ]);
    expect(outages[2]!.fired_at!.getTime()).toBeGreaterThan(killedAt.getTime());
    expect(await incidents()).toMatchObject([{ title: 'payments is down', status: 'resolved' }]);

    // The recovery rule ran on each recovery; only the third had an incident to resolve.
    const { rows: resolutions } = await pool.query<{ state: string; output: Record<string, unknown> }>(
      `SELECT a.state, a.output FROM automation_action_runs a JOIN automation_executions x ON x.id = a.execution_id WHERE x.rule_id = $1 ORDER BY x.created_at`,
      [recovery],
    );
    expect(resolutions.map((r) => [r.state, r.output.incidentId ?? null])).toEqual([
      ['succeeded', null],
      ['succeeded', null],
      ['succeeded', (await incidents())[0]!.id],
      ['succeeded', null],
    ]);

    // No action run left behind, one per fired execution and action.
    const { rows: runs } = await pool.query<{ state: string; n: number }>(`SELECT state, count(*)::int AS n FROM automation_action_runs GROUP BY state`);
    expect(runs).toEqual([{ state: 'succeeded', n: 6 }]);
    expect(survivor.output()).not.toMatch(/Automation pass failed|Could not evaluate an automation rule/);
  }, 90_000);
});
