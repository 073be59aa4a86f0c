/**
 * The public status page (issue 21) at 50 and 500 public systems: HTML size (raw and gzip) and
 * time to first byte of `GET /status` over a real socket, cold (first request of the process) and
 * warm, on the local PostgreSQL. Each system has one check, a run recorded now through the real
 * recorder (its health state) and 89 earlier days of daily buckets written with SQL, in two shapes:
 * `typical` (a bad day now and then, every other day 100 %) and `worst` (every day's uptime
 * different from the day before, so no two days' bars merge). When Chromium is installed
 * (/usr/bin/chromium), also the first contentful paint of the page in it, 375 px wide, over the
 * DevTools protocol: the first load of the process and the median of five more.
 *
 *   node bin/run-ts.js bench/status-page.ts [systems=50,500] [requests=30]     (BENCH_DATABASE_URL, else the local PostgreSQL)
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'undici';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { serve } from '@hono/node-server';
import { createHttpApp, createServices } from '../src/app.ts';
import { AssignmentInput } from '../src/checks/model.ts';
import { createMemoryBus } from '../src/events/bus.ts';
import { silentLogger } from '../src/kernel/log.ts';
import { createMemoryQueue } from '../src/queue/memory.ts';
import { createBenchDatabase } from './database.ts';

const COUNTS = (process.argv[2] ?? '50,500').split(',').map(Number);
const REQUESTS = Number(process.argv[3] ?? 30);
const DAY = 86_400_000;
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

/** One GET: milliseconds to the status line and headers, to the last byte, and the body. */
function fetchTimed(url: string): Promise<{ firstByte: number; total: number; body: string; status: number }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    get(url, (response) => {
      const firstByte = performance.now() - started;
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => resolve({ firstByte, total: performance.now() - started, body: Buffer.concat(chunks).toString(), status: response.statusCode ?? 0 }));
    }).on('error', reject);
  });
}

const CHROMIUM = '/usr/bin/chromium';

/** First contentful paint (ms from navigation start) of each of `times` loads of `url` in headless Chromium. */
async function paints(url: string, times: number): Promise<number[]> {
  const profile = mkdtempSync(join(tmpdir(), 'vigil-paint-'));
  const chromium = spawn(CHROMIUM, ['--headless', '--no-sandbox', '--disable-gpu', `--user-data-dir=${profile}`, '--remote-debugging-port=0', '--window-size=375,800', 'about:blank'], { stdio: 'ignore' });
  try {
    let port: string | undefined;
    for (let i = 0; i < 100 && !port; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      if (existsSync(join(profile, 'DevToolsActivePort'))) port = readFileSync(join(profile, 'DevToolsActivePort'), 'utf8').split('\n')[0];
    }
    if (!port) throw new Error('Chromium did not open its DevTools port');
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { type: string; webSocketDebuggerUrl: string }[];
    const socket = new WebSocket(targets.find((t) => t.type === 'page')!.webSocketDebuggerUrl);
    await new Promise((resolve) => socket.addEventListener('open', resolve, { once: true }));
    let id = 0;
    const waiting = new Map<number, (result: unknown) => void>();
    let loaded: (() => void) | undefined;
    socket.addEventListener('message', (event) => {
      const message = JSON.parse(String(event.data));
      if (message.method === 'Page.loadEventFired') loaded?.();
      waiting.get(message.id)?.(message.result);
    });
    const send = (method: string, params: object = {}) =>
      new Promise<{ result: { value: number } }>((resolve) => {
        waiting.set(++id, resolve as (result: unknown) => void);
        socket.send(JSON.stringify({ id, method, params }));
      });
    await send('Page.enable');
    await send('Network.enable');
    await send('Network.setCacheDisabled', { cacheDisabled: true });
    const found: number[] = [];
    for (let i = 0; i < times; i++) {
      const load = new Promise<void>((resolve) => (loaded = resolve));
      await send('Page.navigate', { url });
      await load;
      // The paint entry may land just after the load event: wait for it (a page that never paints counts as -1).
      const expression = `new Promise((resolve) => {
        new PerformanceObserver((list) => list.getEntriesByName('first-contentful-paint').forEach((e) => resolve(e.startTime))).observe({ type: 'paint', buffered: true });
        setTimeout(() => resolve(-1), 5000);
      })`;
      const { result } = await send('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
      found.push(result.value);
    }
    socket.close();
    return found;
  } finally {
    chromium.kill();
    await new Promise((resolve) => chromium.once('exit', resolve));
    rmSync(profile, { recursive: true, force: true });
  }
}

async function measure(systems: number, shape: 'typical' | 'worst'): Promise<string> {
  const log = silentLogger();
  const { database, drop } = await createBenchDatabase(`status_${shape}`);
  const queue = createMemoryQueue();
  try {
    const services = createServices(database, createMemoryBus(), log, randomBytes(32), queue);
    const pool = database.pool;
    const {
      rows: [config],
    } = await pool.query(`INSERT INTO configurations (name, strategy, config, interval_seconds) VALUES ('probe', 'tcp', '{"host":"127.0.0.1","port":9}', 60) RETURNING id`);
    const { rows } = await pool.query(
      `INSERT INTO systems (name, description, public) SELECT 'service-' || lpad(i::text, 4, '0') || '-' || md5(i::text), 'What people use every day', true FROM generate_series(1, $1) i RETURNING id`,
      [systems],
    );
    for (const { id } of rows) await services.checks.createAssignment(AssignmentInput.parse({ systemId: id, configurationId: config.id }));
    const now = Date.now();
    for (const { id } of rows) {
      await services.recorder.recordRun({ systemId: id, configurationId: config.id, environmentId: null, source: 'Local', status: 'healthy', latencyMs: 40, message: '', result: {}, scheduledFor: new Date(now), at: new Date(now) });
    }
    const today = Math.floor(now / DAY) * DAY;
    // typical: about one day in thirty loses 14 of 1440 runs; worst: each day loses 1–7 runs, never as many as the day before.
    const unhealthy = shape === 'typical' ? `CASE WHEN (hashtext(s.id::text || d) % 30) = 0 THEN 14 ELSE 0 END` : `1 + (d % 7)`;
    await pool.query(
      `INSERT INTO run_daily (system_id, configuration_id, environment_id, source, day, run_count, healthy_count, degraded_count, unhealthy_count,
                              latency_count, latency_sum, latency_min, latency_max, latency_sketch)
       SELECT s.id, $1, NULL, 'Local', $2::timestamptz - make_interval(days => d), 1440, 1440 - ${unhealthy}, 0, ${unhealthy}, 1440, 1440 * 40, 10, 90, '{}'::jsonb
         FROM systems s, generate_series(1, 89) d`,
      [config.id, new Date(today)],
    );
    await pool.query('ANALYZE run_daily; ANALYZE systems');

    const server = await new Promise<{ base: string; close(): void }>((resolve) => {
      const s = serve({ fetch: createHttpApp(database, services, log).fetch, hostname: '127.0.0.1', port: 0, createServer }, () =>
        resolve({ base: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, close: () => s.close() }),
      );
    });
    const cold = await fetchTimed(`${server.base}/status`);
    if (cold.status !== 200) throw new Error(`GET /status: ${cold.status} ${cold.body.slice(0, 200)}`);
    const firstBytes: number[] = [];
    const totals: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const warm = await fetchTimed(`${server.base}/status`);
      firstBytes.push(warm.firstByte);
      totals.push(warm.total);
    }
    firstBytes.sort((a, b) => a - b);
    totals.sort((a, b) => a - b);
    const json = await fetchTimed(`${server.base}/status.json`);
    let paint = 'no Chromium';
    if (existsSync(CHROMIUM)) {
      const [first, ...rest] = await paints(`${server.base}/status`, 6);
      rest.sort((a, b) => a - b);
      paint = `${first!.toFixed(0)} ms / ${quantile(rest, 0.5).toFixed(0)} ms`;
    }
    server.close();
    const kib = (text: string) => `${(Buffer.byteLength(text) / 1024).toFixed(1)} KiB`;
    return `| ${systems} | ${shape} | ${kib(cold.body)} | ${(gzipSync(cold.body).length / 1024).toFixed(1)} KiB | ${cold.firstByte.toFixed(0)} ms | ${quantile(firstBytes, 0.5).toFixed(0)} ms | ${quantile(firstBytes, 0.95).toFixed(0)} ms | ${quantile(totals, 0.5).toFixed(0)} ms | ${paint} | ${kib(json.body)} |`;
  } finally {
    await queue.close();
    await drop();
  }
}

console.log(`GET /status over a socket, ${REQUESTS} warm requests one after another after a cold one.\n`);
console.log('| public systems | history | HTML | HTML gzip | first byte, cold | first byte p50 | p95 | whole answer p50 | first paint in Chromium, first / p50 | /status.json |');
console.log('| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const systems of COUNTS) for (const shape of ['typical', 'worst'] as const) console.log(await measure(systems, shape));
