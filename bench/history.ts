/**
 * History reads at dashboard scale (issue 18): `GET /api/v1/uptime` for 1,000 systems (ranges
 * 24h,7d,30d,90d and the 90-day series) and `GET /api/v1/history` for one check over 365 days
 * (auto buckets), over a real socket, on PostgreSQL. The tiers are filled as default retention
 * leaves them: hourly buckets for the last 30 days, daily buckets for 365 (one check per system, a
 * run every 30 s, so 120 runs an hour), written with SQL for speed.
 *
 *   node bin/run-ts.js bench/history.ts [systems=1000] [requests=60]     (BENCH_DATABASE_URL, else the local PostgreSQL)
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createHttpApp, createServices } from '../src/app.ts';
import { createMemoryBus } from '../src/events/bus.ts';
import { silentLogger } from '../src/kernel/log.ts';
import { createMemoryQueue } from '../src/queue/memory.ts';
import { createBenchDatabase } from './database.ts';

const SYSTEMS = Number(process.argv[2] ?? 1000);
const REQUESTS = Number(process.argv[3] ?? 60);
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function main() {
  const log = silentLogger();
  const { database, drop } = await createBenchDatabase('history');
  const queue = createMemoryQueue();
  try {
    const services = createServices(database, createMemoryBus(), log, randomBytes(32), queue);
    await services.access.ensureAdmin('bench@vigil.test', 'bench password long');
    const [user] = await services.access.listUsers();
    const { token } = await services.access.createToken({ kind: 'user', userId: user!.id, email: 'bench@vigil.test', role: 'admin', grants: [] }, { name: 'bench' });
    const pool = database.pool;
    const filling = performance.now();
    const { rows: [config] } = await pool.query(
      `INSERT INTO configurations (name, strategy, config, intervalSeconds) VALUES ('bench-http', 'http', '{"url":"http://127.0.0.1:9/"}', 30) RETURNING id`.replace('intervalSeconds', 'interval_seconds'),
    );
    await pool.query(`INSERT INTO systems (name) SELECT 'system-' || lpad(i::text, 5, '0') FROM generate_series(1, $1) i`, [SYSTEMS]);
    const now = Date.now();
    const hourStart = new Date(Math.floor(now / 3_600_000) * 3_600_000);
    const dayStart = new Date(Math.floor(now / 86_400_000) * 86_400_000);
    // A sketch of about two dozen keys, like an hour of real latencies.
    const sketch = JSON.stringify(Object.fromEntries(Array.from({ length: 24 }, (_, i) => [String(160 + i * 4), 5])));
    await pool.query(
      `INSERT INTO run_hourly (system_id, configuration_id, environment_id, source, hour, run_count, healthy_count, degraded_count, unhealthy_count,
                               latency_count, latency_sum, latency_min, latency_max, latency_sketch)
       SELECT s.id, $1, NULL, 'Local', $2::timestamptz - make_interval(hours => h), 120, 118, 1, 1, 120, 120 * 42, 12, 180, $3::jsonb
         FROM systems s, generate_series(0, 30 * 24 - 1) h`,
      [config.id, hourStart, sketch],
    );
    await pool.query(
      `INSERT INTO run_daily (system_id, configuration_id, environment_id, source, day, run_count, healthy_count, degraded_count, unhealthy_count,
                              latency_count, latency_sum, latency_min, latency_max, latency_sketch)
       SELECT s.id, $1, NULL, 'Local', $2::timestamptz - make_interval(days => d), 2880, 2870, 5, 5, 2880, 2880 * 42, 10, 400, $3::jsonb
         FROM systems s, generate_series(0, 365) d`,
      [config.id, dayStart, sketch],
    );
    await pool.query('ANALYZE run_hourly; ANALYZE run_daily; ANALYZE systems');
    const sizes = await pool.query(`SELECT (SELECT count(*) FROM run_hourly)::int AS hourly, (SELECT count(*) FROM run_daily)::int AS daily`);
    console.log(`Filled ${sizes.rows[0].hourly} hourly and ${sizes.rows[0].daily} daily buckets for ${SYSTEMS} systems in ${((performance.now() - filling) / 1000).toFixed(1)} s.\n`);

    const server = await new Promise<{ base: string; close(): void }>((resolve) => {
      const s = serve({ fetch: createHttpApp(database, services, log).fetch, hostname: '127.0.0.1', port: 0, createServer }, () =>
        resolve({ base: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, close: () => s.close() }),
      );
    });
    const { rows: [first] } = await pool.query('SELECT id FROM systems ORDER BY name LIMIT 1');
    const cases = [
      { name: `GET /api/v1/uptime, ${SYSTEMS} systems, ranges 24h,7d,30d,90d + 90-day series`, path: '/api/v1/uptime?ranges=24h,7d,30d,90d', target: 150 },
      { name: 'GET /api/v1/history, one check, 365 days, bucket=auto', path: `/api/v1/history?systemId=${first.id}&configurationId=${config.id}&from=${new Date(now - 365 * 86_400_000).toISOString()}&to=${new Date(now).toISOString()}`, target: 50 },
    ];
    console.log('| request | p50 | p95 | max | target p95 | answer |');
    console.log('| --- | --- | --- | --- | --- | --- |');
    for (const c of cases) {
      const times: number[] = [];
      let bytes = 0;
      for (let i = 0; i < REQUESTS + 5; i++) {
        const started = performance.now();
        const response = await fetch(`${server.base}${c.path}`, { headers: { authorization: `Bearer ${token}` } });
        const body = await response.text();
        if (response.status !== 200) throw new Error(`${c.name}: ${response.status} ${body.slice(0, 200)}`);
        if (i >= 5) times.push(performance.now() - started); // the first five warm the caches
        bytes = body.length;
      }
      times.sort((a, b) => a - b);
      console.log(`| ${c.name} | ${quantile(times, 0.5).toFixed(1)} ms | ${quantile(times, 0.95).toFixed(1)} ms | ${times.at(-1)!.toFixed(1)} ms | < ${c.target} ms | ${(bytes / 1024).toFixed(0)} KiB |`);
    }
    server.close();
  } finally {
    await queue.close();
    await drop();
  }
}

await main();
