/**
 * The heartbeat ping endpoint at scale (issue 23): 1,000 heartbeat checks, each pinged over a
 * real socket (`GET /ping/<token>`, which records a run through the recorder) by 16 concurrent
 * clients; requests per second and latency p50/p99 as the client sees it.
 *
 *   node bin/run-ts.js bench/heartbeats.ts [checks=1000] [requests=5000]     (BENCH_DATABASE_URL, else the local PostgreSQL)
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

const CHECKS = Number(process.argv[2] ?? 1000);
const REQUESTS = Number(process.argv[3] ?? 5000);
const CONCURRENCY = 16;
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function main() {
  const log = silentLogger();
  const { database, drop } = await createBenchDatabase('heartbeats');
  const queue = createMemoryQueue();
  try {
    const services = createServices(database, createMemoryBus(), log, randomBytes(32), queue);
    const pool = database.pool;
    const { rows: [config] } = await pool.query(`INSERT INTO configurations (name, strategy, config, interval_seconds) VALUES ('cron-job', 'heartbeat', '{"period":"5m","grace":"1m"}', 300) RETURNING id`);
    await pool.query(`INSERT INTO systems (name) SELECT 'job-' || lpad(i::text, 5, '0') FROM generate_series(1, $1) i`, [CHECKS]);
    const { rows: assignments } = await pool.query(`INSERT INTO assignments (system_id, configuration_id) SELECT id, $1 FROM systems RETURNING id`, [config.id]);
    const app = createHttpApp(database, services, log);
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', createServer });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const urls = [...(await services.heartbeats.pingUrls(assignments.map((a) => a.id), base)).values()];
    console.log(`${urls.length} heartbeat checks, ${REQUESTS} pings by ${CONCURRENCY} clients (each check pinged ${Math.round(REQUESTS / urls.length)} times, well under its 60/min limit).\n`);

    const latencies: number[] = [];
    let next = 0;
    let failed = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < REQUESTS; i = next++) {
          const url = urls[i % urls.length]!;
          const t0 = performance.now();
          const response = await fetch(url);
          await response.arrayBuffer();
          latencies.push(performance.now() - t0);
          if (response.status !== 200) failed++;
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const { rows: [runs] } = await pool.query(`SELECT count(*)::int AS n FROM runs`);
    console.log('| measure | value |\n| --- | --- |');
    console.log(`| pings per second (one process, ${CONCURRENCY} clients) | ${Math.round(REQUESTS / seconds)} |`);
    console.log(`| latency p50 / p99 / max | ${quantile(latencies, 0.5).toFixed(1)} ms / ${quantile(latencies, 0.99).toFixed(1)} ms / ${latencies.at(-1)!.toFixed(1)} ms |`);
    console.log(`| runs recorded / non-200 answers | ${runs.n} / ${failed} |`);
    // One client, one ping at a time: what a cron job's ping costs when the server is not busy.
    const alone: number[] = [];
    for (let i = 0; i < 500; i++) {
      const t0 = performance.now();
      const response = await fetch(urls[(i * 7) % urls.length]!);
      await response.arrayBuffer();
      alone.push(performance.now() - t0);
    }
    alone.sort((a, b) => a - b);
    console.log(`| one client, one ping at a time (500): p50 / p99 | ${quantile(alone, 0.5).toFixed(1)} ms / ${quantile(alone, 0.99).toFixed(1)} ms |`);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  } finally {
    await queue.close();
    await drop();
  }
}

await main();
