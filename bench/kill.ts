/**
 * kill -9 of each role under load (issue 25), server mode: a scheduler, two workers and an API
 * process on the local PostgreSQL and Redis; N HTTP checks every S seconds, a fifth of them against
 * a target that flips between 200 and 500 every FLIP_S seconds, so health changes happen while
 * processes die. Each role in turn is killed with SIGKILL at a random moment and started again 3 s
 * later. Prints, over the whole window: ticks due against recorded (lost), ticks recorded twice,
 * how late the latest-starting runs were (a killed worker's in-flight jobs are retried by BullMQ's
 * stalled check), and whether the flipping systems' transitions and change events each happened
 * once per real change (a repeated status in the sequence, or more events than changes, is a
 * duplicate).
 *
 *
 * Then Redis goes away for REDIS_OUTAGE_S (the benchmark runs a redis-server of its own, without
 * persistence, killed and started again empty): the ticks due meanwhile are not run one by one, but
 * each check's latest unrun tick runs once, late, when the schedules are back (README); printed: how
 * many ran late, whether any was recorded twice, and how long until checks ran again.
 *
 *   node bin/run-ts.js bench/kill.ts [--assignments 1000] [--interval-s 5] [--redis-outage-s 60]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { HEALTH_CHANGES_SQL, TICK_GAPS_SQL, numberOption, spawnVigil, startFlippingTargets, waitForOutput, type HealthChanges, type TickGap } from './processes.ts';

const ASSIGNMENTS = numberOption('assignments', 1_000);
const INTERVAL_S = numberOption('interval-s', 5);
const FLIP_S = 12;
const LOCAL_PG = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_OUTAGE_S = numberOption('redis-outage-s', 60);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A redis-server of the benchmark's own on a free port, so that it can be stopped. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'ignore'] });
  await waitForOutput(child, /(Ready to accept connections)/);
  return child;
}

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function main() {
  const redisPort = await freePort();
  let redis = await startRedis(redisPort);
  const REDIS_URL = `redis://127.0.0.1:${redisPort}`;
  const admin = new pg.Client({ connectionString: LOCAL_PG });
  await admin.connect();
  const databaseName = `vigil_bench_kill_${process.pid}`;
  await admin.query(`CREATE DATABASE ${databaseName}`);
  const url = new URL(LOCAL_PG);
  url.pathname = `/${databaseName}`;
  const env = { DATABASE_URL: url.toString(), REDIS_URL, VIGIL_REDIS_PREFIX: `vigil-bench-kill-${process.pid}`, VIGIL_SECRET_KEY: randomBytes(32).toString('base64'), LOG_LEVEL: 'info' };
  const targets = await startFlippingTargets();
  const roles: { name: string; argv: string[]; child?: ChildProcess }[] = [
    { name: 'scheduler', argv: ['--role', 'scheduler'] },
    { name: 'worker 1', argv: ['--role', 'worker'] },
    { name: 'worker 2', argv: ['--role', 'worker'] },
    { name: 'api', argv: ['--role', 'api'] },
  ];
  const start = async (role: (typeof roles)[number]) => {
    role.child = spawnVigil(role.argv, env);
    await waitForOutput(role.child, role.name === 'api' ? /(listening on)/ : role.name === 'scheduler' ? /(Scheduler started)/ : /(Worker started)/);
  };
  const client = new pg.Client({ connectionString: url.toString() });
  let flipper: NodeJS.Timeout | undefined;
  try {
    await start(roles[0]!); // migrates first
    await Promise.all(roles.slice(1).map(start));
    await client.connect();
    const flipping = Math.round(ASSIGNMENTS / 5);
    await client.query(`INSERT INTO systems (name) SELECT 'kill-' || i FROM generate_series(1, $1) i`, [ASSIGNMENTS]);
    await client.query(
      `INSERT INTO configurations (name, strategy, config, interval_seconds)
       SELECT 'kill-check-' || i, 'http', jsonb_build_object('url', $1 || CASE WHEN i <= $2 THEN '/flip' ELSE '/ok' END, 'timeout', 3000), $3 FROM generate_series(1, $4) i`,
      [targets.base, flipping, INTERVAL_S, ASSIGNMENTS],
    );
    // Consecutive thresholds of 1: every flip is a real change of the system's health.
    await client.query(
      `INSERT INTO assignments (system_id, configuration_id, state_thresholds)
       SELECT s.id, c.id, '{"mode":"consecutive","healthy":{"minSuccessCount":1},"degraded":{"minFailureCount":1},"unhealthy":{"minFailureCount":1}}'
         FROM systems s JOIN configurations c ON substring(c.name FROM 12) = substring(s.name FROM 6)`,
    );
    await sleep((INTERVAL_S * 3 + 5) * 1000);
    const windowStart = new Date();
    flipper = setInterval(() => void fetch(`${targets.base}/flip`, { method: 'POST' }).catch(() => undefined), FLIP_S * 1000);
    const kills: string[] = [];
    for (const role of [roles[1]!, roles[0]!, roles[3]!, roles[2]!]) {
      await sleep(5_000 + Math.random() * INTERVAL_S * 1000);
      role.child!.kill('SIGKILL');
      kills.push(`${role.name} at +${((Date.now() - windowStart.getTime()) / 1000).toFixed(1)} s`);
      await sleep(3_000);
      await start(role);
    }
    // A killed worker's jobs come back through the stalled check 30–60 s later: Redis must not go
    // away before that (it would take the stalled jobs with it), nor the window end after.
    await sleep(65_000);
    clearInterval(flipper);
    const windowEnd = new Date(Date.now() - INTERVAL_S * 2_000);

    // Redis away for REDIS_OUTAGE_S, then back empty.
    const redisDown = new Date();
    redis.kill('SIGKILL');
    await sleep(REDIS_OUTAGE_S * 1000);
    redis = await startRedis(redisPort);
    const redisUp = new Date();
    let resumedMs = NaN;
    for (let i = 0; i < 1_200; i++) {
      const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM runs WHERE created_at > $1', [redisUp]);
      if (rows[0]!.n >= ASSIGNMENTS / 10) {
        resumedMs = Date.now() - redisUp.getTime();
        break;
      }
      await sleep(100);
    }
    await sleep(INTERVAL_S * 2_000);
    const [outage] = (await client.query<{ during: number; late: number; late_checks: number; twice: number; after: number; every_s: number }>(
      `SELECT (SELECT count(*)::int FROM runs WHERE scheduled_for >= $1 AND scheduled_for < $2 AND created_at <= $2) AS during,
              (SELECT count(*)::int FROM runs WHERE scheduled_for >= $1 AND scheduled_for < $2 AND created_at > $2) AS late,
              (SELECT count(DISTINCT (system_id, configuration_id))::int FROM runs WHERE scheduled_for >= $1 AND scheduled_for < $2 AND created_at > $2) AS late_checks,
              (SELECT count(*)::int FROM (SELECT 1 FROM runs GROUP BY system_id, configuration_id, scheduled_for HAVING count(*) > 1) d) AS twice,
              (SELECT count(*)::int FROM runs WHERE created_at > $2) AS after,
              (SELECT max(first)::float FROM (SELECT extract(epoch FROM min(created_at) - $2::timestamptz) AS first FROM runs WHERE created_at > $2 GROUP BY system_id, configuration_id) f) AS every_s`,
      [redisDown, redisUp],
    )).rows;
    const dueDuring = Math.round((ASSIGNMENTS * (redisUp.getTime() - redisDown.getTime())) / 1000 / INTERVAL_S);
    const redisRow = `| Redis away ${REDIS_OUTAGE_S} s, started again empty | ${outage!.during} of ~${dueDuring} ticks due during it recorded meanwhile (in flight when it went); ${outage!.late} run late, after it, by ${outage!.late_checks} checks (their latest unrun tick, once each: ${outage!.late === outage!.late_checks ? 'yes' : 'no'}) | ${outage!.twice} | checks ran again ${(resumedMs / 1000).toFixed(1)} s after Redis was back (a tenth of them), every check within ${outage!.every_s.toFixed(1)} s; ${outage!.after} runs since | |`;

    const [ticks] = (await client.query<{ due: number; recorded: number; twice: number; late_p99: number; late_max: number; late_over_interval: number }>(
      `WITH first AS (SELECT system_id, configuration_id, min(scheduled_for) AS t FROM runs WHERE scheduled_for >= $1 GROUP BY 1, 2)
       SELECT (SELECT sum(ceil(extract(epoch FROM ($2::timestamptz - t)) / $3))::int FROM first) AS due, -- ticks t + k·interval < end
              (SELECT count(*)::int FROM runs WHERE scheduled_for >= $1 AND scheduled_for < $2) AS recorded,
              (SELECT count(*)::int FROM (SELECT 1 FROM runs GROUP BY system_id, configuration_id, scheduled_for HAVING count(*) > 1) d) AS twice,
              (SELECT percentile_disc(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM created_at - scheduled_for) * 1000 - coalesce(latency_ms, 0)) FROM runs WHERE scheduled_for >= $1 AND scheduled_for < $2)::int AS late_p99,
              (SELECT max(extract(epoch FROM created_at - scheduled_for) * 1000 - coalesce(latency_ms, 0)) FROM runs WHERE scheduled_for >= $1 AND scheduled_for < $2)::int AS late_max,
              (SELECT count(*)::int FROM runs WHERE scheduled_for >= $1 AND scheduled_for < $2 AND created_at - scheduled_for > make_interval(secs => $3)) AS late_over_interval`,
      [windowStart, windowEnd, INTERVAL_S],
    )).rows;
    const [health] = (await client.query<HealthChanges>(
      HEALTH_CHANGES_SQL,
      [windowStart],
    )).rows;
    // Where the lost ticks were: each gap in an assignment's ticks, relative to the window's start,
    // beside the kills' times; and the late retries.
    const { rows: gaps } = await client.query<TickGap>(
      TICK_GAPS_SQL,
      [windowStart, windowEnd, INTERVAL_S],
    );
    const { rows: lateRuns } = await client.query<{ due_s: number; late_s: number }>(
      `SELECT round(extract(epoch FROM scheduled_for - $1::timestamptz)::numeric, 1)::float AS due_s,
              round(extract(epoch FROM created_at - scheduled_for)::numeric, 1)::float AS late_s
         FROM runs WHERE scheduled_for >= $1 AND scheduled_for < $2 AND created_at - scheduled_for > make_interval(secs => $3) ORDER BY 1`,
      [windowStart, windowEnd, INTERVAL_S],
    );
    for (const gap of gaps) console.error(`gap: ${gap.missing} tick(s) after the one due at +${((gap.t.getTime() - windowStart.getTime()) / 1000).toFixed(1)} s (system ${gap.system})`);
    for (const late of lateRuns) console.error(`late: the tick due at +${late.due_s} s was recorded ${late.late_s} s after it`);
    console.error(`killed: ${kills.join(', ')}`);
    console.log(
      `| kill -9 of each role, ${ASSIGNMENTS} × ${INTERVAL_S} s, ${flipping} flipping every ${FLIP_S} s | ${ticks!.recorded} of ${ticks!.due} due (${Math.max(0, ticks!.due - ticks!.recorded)} lost) | ${ticks!.twice} | ${ticks!.late_p99} ms / ${(ticks!.late_max / 1000).toFixed(1)} s (${ticks!.late_over_interval} runs later than an interval) | ${health!.transitions} transitions, ${health!.repeated} repeating the status before them; ${health!.events} change events (one per transition: ${health!.events === health!.transitions ? 'yes' : 'no'}) |`,
    );
    console.log(redisRow);
  } finally {
    clearInterval(flipper);
    await client.end().catch(() => undefined);
    for (const role of roles) role.child?.kill('SIGTERM');
    await Promise.all(roles.map((role) => new Promise((resolve) => (!role.child || role.child.exitCode !== null || role.child.signalCode ? resolve(null) : role.child.once('exit', resolve)))));
    targets.child.kill();
    redis.kill('SIGKILL');
    await admin.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
    await admin.end();
  }
}

console.log('| event | ticks recorded | ticks recorded twice | start lateness p99 / max | health changes |');
console.log('| --- | --- | ---: | --- | --- |');
await main();
