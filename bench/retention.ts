/**
 * Retention at scale and the size of history (issue 18), on PostgreSQL.
 *
 * 1. Retention over millions of raw runs: CHECKS checks with a run every INTERVAL seconds over 14
 *    days (generated with SQL), then the real RetentionJob keeps 7 days of them. Reports its time
 *    and rows/s, and — as the check loop's view of it — the latency of recording runs through the
 *    real write path (HealthRecorder.recordRun, one after another) before and while it runs.
 * 2. Database size per check per year at a 30 s interval with default retention: bytes per row of
 *    each tier measured from the tables (heap + indexes + TOAST) ÷ rows, times the rows one check
 *    keeps at steady state.
 *
 *   node bin/run-ts.js bench/retention.ts [checks=1000] [intervalSeconds=120]   (BENCH_DATABASE_URL, else the local PostgreSQL)
 */
import { createMemoryBus } from '../src/events/bus.ts';
import { OutboxRelay } from '../src/events/outbox.ts';
import { HealthRecorder } from '../src/health/recorder.ts';
import { DEFAULT_RETENTION, RetentionJob } from '../src/history/retention.ts';
import { silentLogger } from '../src/kernel/log.ts';
import { createBenchDatabase } from './database.ts';

const CHECKS = Number(process.argv[2] ?? 1000);
const INTERVAL = Number(process.argv[3] ?? 120);
const DAYS = 14;
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

async function main() {
  const log = silentLogger();
  const { database, drop } = await createBenchDatabase('retention');
  const pool = database.pool;
  try {
    const started = performance.now();
    const { rows: [config] } = await pool.query(
      `INSERT INTO configurations (name, strategy, config, interval_seconds) VALUES ('bench-http', 'http', '{"url":"http://127.0.0.1:9/"}', $1) RETURNING id`,
      [INTERVAL],
    );
    await pool.query(`INSERT INTO systems (name) SELECT 'system-' || lpad(i::text, 5, '0') FROM generate_series(1, $1) i`, [CHECKS]);
    await pool.query(`INSERT INTO assignments (system_id, configuration_id) SELECT id, $1 FROM systems`, [config.id]);
    const now = Date.now();
    const perCheck = Math.floor((DAYS * 86_400) / INTERVAL);
    // A result like an HTTP check's (status, headers, timings); latencies spread over 20–220 ms.
    const result = JSON.stringify({ statusCode: 200, contentLength: 1234, headers: { 'content-type': 'application/json' }, timings: { dns: 1, connect: 2, tls: 0, firstByte: 40 } });
    // In slices of systems, so one statement never holds millions of rows in memory.
    for (let offset = 0; offset < CHECKS; offset += 100) {
      await pool.query(
        `INSERT INTO runs (system_id, configuration_id, environment_id, source, status, latency_ms, message, result, scheduled_for, created_at)
         SELECT s.id, $1, NULL, 'Local', CASE WHEN n % 97 = 0 THEN 'unhealthy' ELSE 'healthy' END, 20 + (n * 37) % 200, '', $2::jsonb,
                $3::timestamptz - make_interval(secs => n * $4), $3::timestamptz - make_interval(secs => n * $4) + interval '40 ms'
           FROM (SELECT id FROM systems ORDER BY name OFFSET $5 LIMIT 100) s, generate_series(1, $6) n`,
        [config.id, result, new Date(now), INTERVAL, offset, perCheck],
      );
    }
    // The tiers as recording would have left them.
    for (const [table, unit] of [['run_hourly', 'hour'], ['run_daily', 'day']] as const) {
      await pool.query(
        `INSERT INTO ${table} (system_id, configuration_id, environment_id, source, ${unit}, run_count, healthy_count, degraded_count, unhealthy_count,
                               latency_count, latency_sum, latency_min, latency_max, latency_sketch)
         SELECT system_id, configuration_id, NULL, 'Local', date_bin('1 ${unit}', created_at, 'epoch'), count(*), count(*) FILTER (WHERE status = 'healthy'), 0,
                count(*) FILTER (WHERE status = 'unhealthy'), count(*), sum(latency_ms), min(latency_ms), max(latency_ms),
                jsonb_build_object('230', count(*) / 3, '260', count(*) / 3, '280', count(*) - 2 * (count(*) / 3))
           FROM runs GROUP BY system_id, configuration_id, date_bin('1 ${unit}', created_at, 'epoch')`,
      );
    }
    for (const table of ['runs', 'run_hourly', 'run_daily']) await pool.query(`VACUUM ANALYZE ${table}`);
    const total = Number((await pool.query('SELECT count(*) AS n FROM runs')).rows[0].n);
    console.log(`Generated ${total.toLocaleString('en')} raw runs (${CHECKS} checks, every ${INTERVAL} s, ${DAYS} days) in ${((performance.now() - started) / 1000).toFixed(0)} s.\n`);

    // ── size per check per year ────────────────────────────────────────────────
    const size = async (table: string) => {
      const { rows } = await pool.query(`SELECT pg_total_relation_size($1::regclass)::float8 AS bytes, (SELECT count(*) FROM ${table})::float8 AS n`, [table]);
      return rows[0].bytes / rows[0].n;
    };
    const perRow = { runs: await size('runs'), run_hourly: await size('run_hourly'), run_daily: await size('run_daily') };
    const kept = { runs: DEFAULT_RETENTION.rawDays * 2_880, run_hourly: DEFAULT_RETENTION.hourlyDays * 24, run_daily: DEFAULT_RETENTION.dailyDays };
    console.log('| tier (30 s interval, default retention) | bytes per row (heap + indexes + TOAST) | rows kept per check | bytes per check |');
    console.log('| --- | --- | --- | --- |');
    let perCheckBytes = 0;
    for (const table of ['runs', 'run_hourly', 'run_daily'] as const) {
      const bytes = perRow[table] * kept[table];
      perCheckBytes += bytes;
      console.log(`| ${table} | ${perRow[table].toFixed(0)} | ${kept[table].toLocaleString('en')} | ${(bytes / 2 ** 20).toFixed(2)} MiB |`);
    }
    console.log(`| **one check, steady state (a year and on)** | | | **${(perCheckBytes / 2 ** 20).toFixed(2)} MiB** (1,000 checks: ${(perCheckBytes * 1000 / 2 ** 30).toFixed(1)} GiB) |\n`);

    // ── retention while runs are being recorded ────────────────────────────────
    const bus = createMemoryBus();
    const recorder = new HealthRecorder(database, new OutboxRelay(pool, bus, log), bus, log);
    const { rows: systems } = await pool.query<{ id: string }>('SELECT id FROM systems ORDER BY name LIMIT 50');
    let tick = 0;
    const record = async () => {
      const at = new Date(Date.now() + tick++);
      const t = performance.now();
      await recorder.recordRun({ systemId: systems[tick % systems.length]!.id, configurationId: config.id, environmentId: null, source: 'Local', status: 'healthy', latencyMs: 30, message: '', result: {}, scheduledFor: at, at });
      return performance.now() - t;
    };
    const baseline: number[] = [];
    for (let i = 0; i < 2_000; i++) baseline.push(await record());
    const during: number[] = [];
    let done = false;
    const job = new RetentionJob(pool, database.lockPool, { platform: DEFAULT_RETENTION, log });
    const jobStarted = performance.now();
    const running = job.run({ force: true }).finally(() => (done = true));
    while (!done) during.push(await record());
    const report = await running;
    const seconds = (performance.now() - jobStarted) / 1000;
    const deleted = report.runsDeleted + report.hoursDeleted + report.daysDeleted;
    console.log(`Retention: deleted ${report.runsDeleted.toLocaleString('en')} raw runs and ${report.hoursDeleted.toLocaleString('en')} hourly buckets in ${seconds.toFixed(1)} s (${Math.round(deleted / seconds).toLocaleString('en')} rows/s), batches of 5,000.\n`);
    console.log('| recording a run (one after another, real write path) | runs | p50 | p99 | max |');
    console.log('| --- | --- | --- | --- | --- |');
    for (const [name, times] of [['before retention', baseline], ['while retention runs', during]] as const) {
      const sorted = [...times].sort((a, b) => a - b);
      console.log(`| ${name} | ${sorted.length} | ${quantile(sorted, 0.5).toFixed(2)} ms | ${quantile(sorted, 0.99).toFixed(2)} ms | ${sorted.at(-1)!.toFixed(1)} ms |`);
    }
    const after = (await pool.query(`SELECT pg_total_relation_size('runs')::float8 AS bytes`)).rows[0].bytes;
    console.log(`\nruns table after retention: ${mib(after)} (space is reused by new runs; VACUUM returns it to the table, not the disk).`);
  } finally {
    await drop();
  }
}

await main();
