import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from './support/wait.ts';
import { OutboxRelay } from '../src/events/outbox.ts';
import { silentLogger } from '../src/kernel/log.ts';
import { createTestApi, type TestApi } from './support/api.ts';
import { startFlipTarget, type FlipTarget } from './support/flip-target.ts';

/**
 * The engine end to end in one process: runs recorded through the real executor against a real
 * HTTP target, health evaluated by the thresholds, transitions and change events exactly once.
 */
let api: TestApi;
let target: FlipTarget;
// Loosely typed: the assertions read whichever payload fields the topic has.
const events: { id: string; topic: string; payload: any }[] = [];

beforeAll(async () => {
  api = await createTestApi();
  target = await startFlipTarget();
  api.services.bus.subscribe((event) => events.push(event));
});
afterAll(async () => {
  await target.close();
  await api.close();
});

async function setup(name: string, options: { thresholds?: unknown; environmentIds?: string[] | null } = {}) {
  const system = (await api.call('POST', '/api/v1/systems', { name })).body;
  const configuration = (
    await api.call('POST', '/api/v1/configurations', {
      name: `${name}-check`,
      strategy: 'http',
      config: { url: target.url, timeout: 5000 },
      assertions: ['statusCode == 200'],
      intervalSeconds: 60,
    })
  ).body;
  const assignment = (
    await api.call('POST', '/api/v1/assignments', {
      systemId: system.id,
      configurationId: configuration.id,
      stateThresholds: options.thresholds ?? { mode: 'consecutive', healthy: { minSuccessCount: 1 }, degraded: { minFailureCount: 1 }, unhealthy: { minFailureCount: 2 } },
      environmentIds: options.environmentIds ?? null,
    })
  ).body;
  expect(assignment.id).toBeDefined();
  return { system, configuration, assignment };
}

async function runNow(assignmentId: string) {
  const response = await api.call('POST', `/api/v1/assignments/${assignmentId}/run`);
  expect(response.status).toBe(200);
  return response.body.items as { status: string; message: string; environmentId: string | null }[];
}

const changesOf = (systemId: string) => events.filter((e) => e.topic === 'healthcheck.system_health_changed' && e.payload.systemId === systemId);

describe('a check run through the engine', () => {
  it('records runs, follows the thresholds and records each change once', async () => {
    const { system, assignment } = await setup('engine-flip');
    const none = await api.call('GET', `/api/v1/systems/${system.id}/health`);
    expect(none.body).toMatchObject({ status: 'healthy', healthyChecks: 1, totalChecks: 1 }); // baseline before any run

    target.setStatus(200);
    const [first] = await runNow(assignment.id);
    expect(first).toMatchObject({ status: 'healthy', environmentId: null });
    expect(first!.message).toMatch(/^Completed in \d+ms$/);

    target.setStatus(500);
    const [failed] = await runNow(assignment.id);
    expect(failed).toMatchObject({ status: 'unhealthy' });
    expect(failed!.message).toMatch(/^Check failed: Unexpected status code 500/);
    await api.services.relay.sweep();
    let health = (await api.call('GET', `/api/v1/systems/${system.id}/health`)).body;
    expect(health).toMatchObject({ status: 'degraded', healthyChecks: 0, totalChecks: 1 });
    await runNow(assignment.id);
    health = (await api.call('GET', `/api/v1/systems/${system.id}/health`)).body;
    expect(health).toMatchObject({ status: 'unhealthy', healthyChecks: 0, totalChecks: 1, transitionsInWindow: 2 });
    expect(health.checks).toEqual([expect.objectContaining({ name: 'engine-flip-check', status: 'unhealthy' })]);
    expect(health.successRate).toBeCloseTo(1 / 3, 5);
    expect(health.avgLatencyMs).toBeGreaterThanOrEqual(0);
    expect(health.p95LatencyMs).not.toBeNull();
    expect(Date.parse(health.inStatusSince)).toBeLessThanOrEqual(Date.parse(health.evaluatedAt));

    target.setStatus(200);
    await runNow(assignment.id);
    await api.services.relay.sweep();

    const transitions = (await api.call('GET', `/api/v1/transitions?systemId=${system.id}`)).body.items;
    expect(transitions.map((t: { fromStatus: string | null; toStatus: string }) => `${t.fromStatus}→${t.toStatus}`)).toEqual([
      'unhealthy→healthy',
      'degraded→unhealthy',
      'healthy→degraded',
      'null→healthy',
    ]);
    const changes = changesOf(system.id).map((e) => `${e.payload.previousStatus}→${e.payload.newStatus}`);
    expect(changes).toEqual(['healthy→degraded', 'degraded→unhealthy', 'unhealthy→healthy']);
    const topics = events.filter((e) => e.payload.systemId === system.id && e.topic.startsWith('healthcheck.system')).map((e) => e.topic);
    expect(topics).toEqual([
      'healthcheck.system_degraded',
      'healthcheck.system_health_changed',
      'healthcheck.system_health_changed',
      'healthcheck.system_healthy',
      'healthcheck.system_health_changed',
    ]);
    const healthy = events.find((e) => e.topic === 'healthcheck.system_healthy' && e.payload.systemId === system.id)!;
    expect(healthy.payload).not.toHaveProperty('newStatus');
    expect(healthy.payload).toMatchObject({ systemName: 'engine-flip', previousStatus: 'unhealthy', healthyChecks: 1, totalChecks: 1 });
    expect(events.filter((e) => e.topic === 'healthcheck.check_failed' && e.payload.systemId === system.id)).toHaveLength(2);

    // The hourly buckets add up to the runs, per collector too (SPEC §5.1); a run may straddle an hour.
    const buckets = (await api.database.pool.query('SELECT run_count, healthy_count, unhealthy_count, collectors FROM run_hourly WHERE system_id = $1', [system.id])).rows;
    const sum = (pick: (b: any) => number) => buckets.reduce((total, b) => total + pick(b), 0);
    expect([sum((b) => b.run_count), sum((b) => b.healthy_count), sum((b) => b.unhealthy_count)]).toEqual([4, 2, 2]);
    expect(sum((b) => b.collectors['http.request'].runs)).toBe(4);
    expect(sum((b) => b.collectors['http.request'].errors)).toBe(2);
    expect(sum((b) => b.collectors['http.request'].latencyCount)).toBe(4);

    const metrics = String((await api.call('GET', '/metrics')).body);
    expect(Number(/vigil_runs_total\{strategy="http",status="unhealthy"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(2);
    expect(Number(/vigil_run_latency_seconds_count\{strategy="http"\} (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(4);
    expect(Number(/vigil_scheduling_lag_seconds_count (\d+)/.exec(metrics)?.[1])).toBeGreaterThanOrEqual(4);

    const runs = (await api.call('GET', `/api/v1/runs?systemId=${system.id}&limit=2`)).body;
    expect(runs.items.map((r: { status: string }) => r.status)).toEqual(['healthy', 'unhealthy']);
    expect(runs.nextCursor).not.toBeNull();
    const older = (await api.call('GET', `/api/v1/runs?systemId=${system.id}&cursor=${runs.nextCursor}`)).body;
    expect(older.items.map((r: { status: string }) => r.status)).toEqual(['unhealthy', 'healthy']);
  });

  it('makes a first unhealthy evaluation a real healthy → unhealthy change', async () => {
    const { system, assignment } = await setup('engine-first-fail', {
      thresholds: { mode: 'consecutive', healthy: { minSuccessCount: 1 }, degraded: { minFailureCount: 1 }, unhealthy: { minFailureCount: 1 } },
    });
    target.setStatus(500);
    await runNow(assignment.id);
    await api.services.relay.sweep();
    expect(changesOf(system.id).map((e) => e.payload)).toEqual([expect.objectContaining({ previousStatus: 'healthy', newStatus: 'unhealthy' })]);
    target.setStatus(200);
  });

  it('has no health state for a system without enabled checks', async () => {
    const system = (await api.call('POST', '/api/v1/systems', { name: 'engine-no-checks' })).body;
    const health = (await api.call('GET', `/api/v1/systems/${system.id}/health`)).body;
    expect(health).toMatchObject({ status: null, healthyChecks: 0, totalChecks: 0, checks: [] });
    const many = await api.call('GET', `/api/v1/health?systemIds=${system.id},00000000-0000-4000-8000-000000000000`);
    expect(many.body.items.map((h: { systemId: string }) => h.systemId)).toEqual([system.id]);
    // Without systemIds: every system, by name (one call for a dashboard).
    const everyone = await api.call('GET', '/api/v1/health');
    const systems = (await api.call('GET', '/api/v1/systems?limit=500')).body.items.map((s: { id: string; name: string }) => s);
    expect(everyone.body.items.map((h: { systemId: string }) => h.systemId).sort()).toEqual(systems.map((s: { id: string }) => s.id).sort());
    expect(everyone.body.items.find((h: { systemId: string }) => h.systemId === system.id)).toMatchObject({ status: null, totalChecks: 0 });
  });

  it('records nothing for a paused configuration (SPEC §2.2)', async () => {
    const { configuration, assignment } = await setup('engine-paused');
    await api.call('PATCH', `/api/v1/configurations/${configuration.id}`, { paused: true });
    expect(await runNow(assignment.id)).toEqual([]);
  });

  it('records nothing when the assignment is gone or the strategy is unknown (SPEC §2.2)', async () => {
    const { system, configuration } = await setup('engine-no-op');
    const gone = { configurationId: '00000000-0000-4000-8000-000000000000', systemId: system.id, scheduledFor: Date.now() };
    expect(await api.services.executor.execute(gone)).toEqual([]);
    await api.database.pool.query(`UPDATE configurations SET strategy = 'carrier-pigeon', updated_at = now() WHERE id = $1`, [configuration.id]);
    expect(await api.services.executor.execute({ configurationId: configuration.id, systemId: system.id, scheduledFor: Date.now() })).toEqual([]);
    expect((await api.call('GET', `/api/v1/runs?systemId=${system.id}`)).body.items).toEqual([]);
  });

  it('records one env-less unhealthy run when the stored config cannot be migrated (SPEC §2.9)', async () => {
    const { system, configuration, assignment } = await setup('engine-broken-config');
    await api.database.pool.query(`UPDATE configurations SET config = '{"version": 1, "url": 7}', updated_at = now() WHERE id = $1`, [configuration.id]);
    const runs = await runNow(assignment.id);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ status: 'unhealthy', environmentId: null });
    const stored = (await api.call('GET', `/api/v1/runs?systemId=${system.id}`)).body.items[0];
    expect(stored.result.error).toMatch(/url/);
  });

  it('evaluates N concurrent runs of one view into exactly one transition and one change', async () => {
    const { system, configuration } = await setup('engine-concurrent', {
      thresholds: { mode: 'consecutive', healthy: { minSuccessCount: 1 }, degraded: { minFailureCount: 1 }, unhealthy: { minFailureCount: 50 } },
    });
    // The new assignment's own re-evaluation creates the view first (healthy); the runs then change it once.
    const transitionsOf = async () => (await api.call('GET', `/api/v1/transitions?systemId=${system.id}`)).body.items as { toStatus: string }[];
    await waitFor(async () => (await transitionsOf()).length === 1, 5_000, 'the view created');
    const at = Date.now();
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        api.services.recorder.recordRun({
          systemId: system.id,
          configurationId: configuration.id,
          environmentId: null,
          source: 'Local',
          status: 'unhealthy',
          latencyMs: 5,
          message: 'Check failed: down',
          result: {},
          scheduledFor: new Date(at + i),
          at: new Date(),
        }),
      ),
    );
    await api.services.relay.sweep();
    const transitions = (await api.call('GET', `/api/v1/transitions?systemId=${system.id}`)).body.items;
    expect(transitions.map((t: { toStatus: string }) => t.toStatus)).toEqual(['degraded', 'healthy']);
    expect(changesOf(system.id)).toHaveLength(1);
  });

  it('never records one tick of one stream twice (a retried job)', async () => {
    const { system, configuration } = await setup('engine-retry');
    const job = { configurationId: configuration.id, systemId: system.id, scheduledFor: Date.now() - 1000 };
    const first = await api.services.executor.execute(job);
    const retried = await api.services.executor.execute(job);
    expect(first).toHaveLength(1);
    expect(retried).toEqual([]);
    expect((await api.call('GET', `/api/v1/runs?systemId=${system.id}`)).body.items).toHaveLength(1);
  });
});

describe('changes to checks', () => {
  it('re-evaluate the system at once: removing its failing check makes it healthy without a new run', async () => {
    const { system, assignment } = await setup('engine-removed-check', {
      thresholds: { mode: 'consecutive', healthy: { minSuccessCount: 1 }, degraded: { minFailureCount: 1 }, unhealthy: { minFailureCount: 1 } },
    });
    const healthyConfiguration = (
      await api.call('POST', '/api/v1/configurations', { name: 'engine-removed-check-2', strategy: 'tcp', config: { host: '127.0.0.1', port: Number(new URL(target.url).port) }, intervalSeconds: 60 })
    ).body;
    await api.call('POST', '/api/v1/assignments', { systemId: system.id, configurationId: healthyConfiguration.id });
    target.setStatus(500);
    await runNow(assignment.id);
    target.setStatus(200);
    expect((await api.call('GET', `/api/v1/systems/${system.id}/health`)).body).toMatchObject({ status: 'unhealthy', healthyChecks: 1, totalChecks: 2 });

    await api.call('DELETE', `/api/v1/assignments/${assignment.id}`);
    let health: any;
    for (let i = 0; i < 50; i++) {
      health = (await api.call('GET', `/api/v1/systems/${system.id}/health`)).body;
      if (health.status === 'healthy') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(health).toMatchObject({ status: 'healthy', healthyChecks: 1, totalChecks: 1 });
    const latest = (await api.call('GET', `/api/v1/transitions?systemId=${system.id}&rollup=true&limit=1`)).body.items[0];
    expect(latest).toMatchObject({ fromStatus: 'unhealthy', toStatus: 'healthy', configurationId: null });
  });
});

describe('a re-enabled assignment (SPEC §4.2: a view that comes back is a created view)', () => {
  it('brings the view back at the status it has: one null → unhealthy transition, no change event', async () => {
    const { system, assignment } = await setup('engine-reenabled', {
      thresholds: { mode: 'consecutive', healthy: { minSuccessCount: 1 }, degraded: { minFailureCount: 1 }, unhealthy: { minFailureCount: 1 } },
    });
    const transitions = async () =>
      (await api.call('GET', `/api/v1/transitions?systemId=${system.id}`)).body.items.map((t: { fromStatus: string | null; toStatus: string }) => `${t.fromStatus}→${t.toStatus}`);
    const healthEvents = () => events.filter((e) => e.payload.systemId === system.id && e.topic.startsWith('healthcheck.')).map((e) => e.topic);
    const setEnabled = async (enabled: boolean) => {
      expect((await api.call('PATCH', `/api/v1/assignments/${assignment.id}`, { enabled })).status).toBe(200);
      // The service re-evaluates in the background; doing it here too makes the test wait for it.
      await api.services.recorder.recomputeSystem(system.id);
      await api.services.relay.sweep();
    };

    target.setStatus(500);
    await runNow(assignment.id);
    target.setStatus(200);
    await api.services.relay.sweep();
    expect(healthEvents()).toEqual(['healthcheck.check_failed', 'healthcheck.system_degraded', 'healthcheck.system_health_changed']);
    expect(await transitions()).toEqual(['healthy→unhealthy', 'null→healthy']);

    await setEnabled(false);
    expect((await api.call('GET', `/api/v1/systems/${system.id}/health`)).body).toMatchObject({ status: null, totalChecks: 0 });

    await setEnabled(true);
    expect((await api.call('GET', `/api/v1/systems/${system.id}/health`)).body).toMatchObject({ status: 'unhealthy', healthyChecks: 0, totalChecks: 1 });
    expect(await transitions()).toEqual(['null→unhealthy', 'healthy→unhealthy', 'null→healthy']);
    expect(healthEvents()).toEqual(['healthcheck.check_failed', 'healthcheck.system_degraded', 'healthcheck.system_health_changed']);
  });
});

describe('environments', () => {
  it('runs once per effective environment, with per-environment views and a rollup of the worst', async () => {
    const prod = (await api.call('POST', '/api/v1/environments', { name: 'engine-prod' })).body;
    const staging = (await api.call('POST', '/api/v1/environments', { name: 'engine-staging' })).body;
    const { system, assignment } = await setup('engine-envs');
    await api.call('PUT', `/api/v1/systems/${system.id}/environments`, { environmentIds: [prod.id, staging.id] });

    target.setStatus(500);
    const runs = await runNow(assignment.id);
    expect(runs.map((r) => r.environmentId)).toEqual([prod.id, staging.id]);
    await api.services.relay.sweep();
    const health = (await api.call('GET', `/api/v1/systems/${system.id}/health`)).body;
    expect(health.status).toBe('degraded');
    expect(health.environments.map((e: { name: string; status: string }) => `${e.name}:${e.status}`)).toEqual(['engine-prod:degraded', 'engine-staging:degraded']);
    const changes = changesOf(system.id);
    expect(changes.filter((e) => e.payload.environmentId === undefined)).toHaveLength(1); // one rollup change
    expect(changes.filter((e) => e.payload.environmentId !== undefined).map((e) => e.payload.environmentId).sort()).toEqual([prod.id, staging.id].sort());

    await api.call('PATCH', `/api/v1/assignments/${assignment.id}`, { environmentIds: [] });
    target.setStatus(200);
    const envLess = await runNow(assignment.id);
    expect(envLess.map((r) => r.environmentId)).toEqual([null]);
  });
});

describe('the outbox (SPEC §4.4)', () => {
  it('keeps a change event whose publish failed and delivers it on a later sweep', async () => {
    const failing = new OutboxRelay(api.database.pool, { publish: async () => Promise.reject(new Error('bus down')), subscribe: () => () => undefined, close: async () => undefined }, silentLogger());
    await api.database.pool.query(`INSERT INTO outbox (topic, payload) VALUES ('healthcheck.system_health_changed', '{"systemId": "outbox-probe"}')`);
    await failing.sweep();
    const pending = await api.database.pool.query(`SELECT count(*)::int AS n FROM outbox WHERE delivered_at IS NULL AND payload->>'systemId' = 'outbox-probe'`);
    expect(pending.rows[0].n).toBe(1);

    await api.services.relay.sweep(); // "after the restart": a relay whose bus works
    expect(events.filter((e) => e.payload.systemId === 'outbox-probe')).toHaveLength(1);
    await api.services.relay.sweep();
    expect(events.filter((e) => e.payload.systemId === 'outbox-probe')).toHaveLength(1);
  });
});
