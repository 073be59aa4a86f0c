import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventBus } from '../src/events/bus.ts';
import { createRedisBus } from '../src/events/redis-bus.ts';
import { silentLogger } from '../src/kernel/log.ts';
import { createTestDatabase, type TestDatabase } from './support/database.ts';
import { startFlipTarget, type FlipTarget } from './support/flip-target.ts';
import { connectionUrl } from './support/postgres.ts';
import { REDIS_URL, deleteRedisKeys, redisMissing } from './support/redis.ts';
import { waitFor } from './support/wait.ts';
import { runVigil } from './support/vigil-process.ts';

/**
 * SPEC §4.1 across processes: two schedulers and three workers on one PostgreSQL and Redis, one
 * system with two checks against a target that flips between 200 and 500, and one worker killed
 * with SIGKILL halfway. Every real change is one transition and one health.changed event; no tick
 * runs twice.
 */
const noRedis = await redisMissing('distributed engine (Redis)');

describe.skipIf(noRedis)('several scheduler and worker processes', () => {
  const prefix = `vigil-test-${randomBytes(4).toString('hex')}`;
  let database: TestDatabase;
  let target: FlipTarget;
  let bus: EventBus;
  const events: { id: string; topic: string; payload: any }[] = [];
  const processes: ReturnType<typeof runVigil>[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    target = await startFlipTarget(200);
    bus = await createRedisBus(REDIS_URL, silentLogger(), `${prefix}:events`);
    bus.subscribe((event) => events.push(event));
  });

  afterAll(async () => {
    await Promise.all(processes.map(async (p) => {
      p.child.kill('SIGTERM');
      await p.exited;
    }));
    await bus?.close();
    await target?.close();
    await database?.close();
    await deleteRedisKeys(REDIS_URL, prefix);
  });

  it('records exactly one transition and one change event per real change, and never a tick twice', async () => {
    const { rows: [system] } = await database.pool.query(`INSERT INTO systems (name) VALUES ('distributed') RETURNING id`);
    const thresholds = JSON.stringify({ mode: 'consecutive', healthy: { minSuccessCount: 1 }, degraded: { minFailureCount: 1 }, unhealthy: { minFailureCount: 1 } });
    for (const name of ['distributed-a', 'distributed-b']) {
      const { rows: [configuration] } = await database.pool.query(
        `INSERT INTO configurations (name, strategy, config, interval_seconds) VALUES ($1, 'http', $2, 1) RETURNING id`,
        [name, JSON.stringify({ url: target.url, timeout: 3000 })],
      );
      await database.pool.query(`INSERT INTO assignments (system_id, configuration_id, state_thresholds) VALUES ($1, $2, $3)`, [system.id, configuration.id, thresholds]);
    }

    const env = { DATABASE_URL: connectionUrl(database.connection), REDIS_URL, VIGIL_REDIS_PREFIX: prefix, LOG_LEVEL: 'info', VIGIL_SECRET_KEY: randomBytes(32).toString('base64') };
    for (const role of ['scheduler', 'scheduler', 'worker', 'worker', 'worker']) {
      processes.push(runVigil(['start', '--role', role], env));
    }
    const runsSoFar = async () => Number((await database.pool.query('SELECT count(*) FROM runs')).rows[0].count);
    await waitFor(async () => (await runsSoFar()) >= 4, 40_000, 'the first runs');

    for (const [flip, status] of [500, 200, 500, 200].entries()) {
      // Halfway, one worker dies without warning: the schedule carries on with the other two.
      if (flip === 2) processes[2]!.child.kill('SIGKILL');
      target.setStatus(status);
      const before = await runsSoFar();
      await waitFor(async () => (await runsSoFar()) >= before + 6, 20_000, 'three ticks of both checks');
    }
    for (const p of processes) p.child.kill('SIGTERM');
    await Promise.all(processes.map((p) => p.exited));
    await new Promise((resolve) => setTimeout(resolve, 300)); // last events in flight over Redis

    const transitions = (
      await database.pool.query(
        `SELECT from_status, to_status FROM transitions WHERE system_id = $1 AND environment_id IS NULL ORDER BY transitioned_at, seq`,
        [system.id],
      )
    ).rows as { from_status: string | null; to_status: string }[];
    const changes = transitions.filter((t) => t.from_status !== null);
    // Four flips, each a real change of the rollup; in order, each starting where the last ended.
    expect(changes.map((t) => `${t.from_status}→${t.to_status}`)).toEqual(['healthy→unhealthy', 'unhealthy→healthy', 'healthy→unhealthy', 'unhealthy→healthy']);

    const published = events.filter((e) => e.topic === 'healthcheck.system_health_changed' && e.payload.systemId === system.id);
    expect(published.map((e) => `${e.payload.previousStatus}→${e.payload.newStatus}`)).toEqual(changes.map((t) => `${t.from_status}→${t.to_status}`));
    expect(new Set(published.map((e) => e.id)).size).toBe(published.length);

    const duplicates = await database.pool.query(
      `SELECT configuration_id, scheduled_for, count(*) FROM runs GROUP BY configuration_id, scheduled_for HAVING count(*) > 1`,
    );
    expect(duplicates.rows).toEqual([]);
    const workerOutput = processes.map((p) => p.output()).join('\n');
    expect(workerOutput).not.toMatch(/already recorded/);
    const pending = await database.pool.query('SELECT count(*)::int AS n FROM outbox WHERE delivered_at IS NULL');
    expect(pending.rows[0].n).toBe(0);
  }, 150_000);
});
