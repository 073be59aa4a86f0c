/**
 * Notification figures (issue 19) on the local PostgreSQL with a webhook receiver on 127.0.0.1,
 * everything in one process as a worker runs it: runs recorded through the real recorder, whose
 * outbox events kick the NotificationLoop over the (in-memory) bus, as app.ts wires a worker.
 * Each part gets a database of its own, so no part's events are in another's planning window.
 *
 *   node bin/run-ts.js bench/notifications.ts [samples=200]      (BENCH_DATABASE_URL, else the local PostgreSQL)
 *
 * - commit → delivery: from the moment recordRun (whose transaction wrote the transition and its
 *   outbox event) returns to the moment the receiver gets the request; one change at a time, idle
 *   and while runs for 10,000 streams are recorded in the background at 10,000 per 30 s (the
 *   database writes of the engine at that load, without its HTTP checks);
 * - deliveries per second: 2,000 planned deliveries sent by one sender (grouping off);
 * - a burst: 1,000 systems failing at once, one channel, grouping 10 s and off.
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus, totalmem } from 'node:os';
import { createServices, type Services } from '../src/app.ts';
import type { Database } from '../src/db/database.ts';
import { createMemoryBus, type EventBus } from '../src/events/bus.ts';
import { SYSTEM_HEALTH_CHANGED } from '../src/events/topics.ts';
import { silentLogger } from '../src/kernel/log.ts';
import { NotificationPlanner } from '../src/notifications/planner.ts';
import { NotificationSender } from '../src/notifications/sender.ts';
import { createMemoryQueue } from '../src/queue/memory.ts';
import { createBenchDatabase } from './database.ts';
import { cpuSeconds } from './processes.ts';

const SAMPLES = Number(process.argv[2] ?? 200);
const LOAD_STREAMS = 10_000;
const LOAD_PER_SECOND = 10_000 / 30;
const RATE_DELIVERIES = 2_000;
const BURST = 1_000;
const log = silentLogger();
const ONE_FAILURE_IS_UNHEALTHY = JSON.stringify({ mode: 'consecutive', healthy: { minSuccessCount: 1 }, degraded: { minFailureCount: 1 }, unhealthy: { minFailureCount: 1 } });

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const ms = (value: number) => (value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(0)} ms`);
const sleep = (time: number) => new Promise((resolve) => setTimeout(resolve, time));

interface Arrival {
  at: number;
  /** The systems the message is about (a grouped one: several). */
  systems: string[];
}

/** A webhook receiver answering 200 at once; it notes when each request arrived and what it carried. */
async function startReceiver(): Promise<{ url: string; arrivals: Arrival[]; next(): Promise<Arrival>; close(): void }> {
  const arrivals: Arrival[] = [];
  let waiting: ((arrival: Arrival) => void) | undefined;
  const server = createServer((request, response) => {
    const at = performance.now();
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { systems: { id: string }[] };
      const arrival = { at, systems: body.systems.map((s) => s.id) };
      arrivals.push(arrival);
      const resolve = waiting;
      waiting = undefined;
      resolve?.(arrival);
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end('{"ok":true}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    arrivals,
    next: () => new Promise((resolve) => (waiting = resolve)),
    close: () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

interface Part {
  database: Database;
  services: Services;
  bus: EventBus;
  receiver: Awaited<ReturnType<typeof startReceiver>>;
  configurationId: string;
}

/** A fresh database, the services on it (platform grouping off) and a receiver; all closed after `run`. */
async function part<T>(tag: string, run: (part: Part) => Promise<T>): Promise<T> {
  const { database, drop } = await createBenchDatabase(tag);
  const bus = createMemoryBus();
  const queue = createMemoryQueue();
  const receiver = await startReceiver();
  try {
    const services = createServices(database, bus, log, randomBytes(32), queue, { notifications: { groupWindowSeconds: 0 } });
    const { rows } = await database.pool.query<{ id: string }>(`INSERT INTO configurations (name, strategy, config, interval_seconds) VALUES ('probe', 'tcp', '{"host":"127.0.0.1","port":9}', 30) RETURNING id`);
    return await run({ database, services, bus, receiver, configurationId: rows[0]!.id });
  } finally {
    receiver.close();
    await queue.close();
    await drop();
  }
}

/** `count` systems, each with the probe assigned (one failing run: unhealthy) and, with a channel, subscribed to it. */
async function addSystems(p: Part, name: string, count: number, channelId?: string): Promise<string[]> {
  const { rows } = await p.database.pool.query<{ id: string }>(`INSERT INTO systems (name) SELECT $1 || '-' || lpad(i::text, 5, '0') FROM generate_series(1, $2) i RETURNING id`, [name, count]);
  const ids = rows.map((row) => row.id);
  await p.database.pool.query(`INSERT INTO assignments (system_id, configuration_id, state_thresholds) SELECT unnest($1::uuid[]), $2, $3`, [ids, p.configurationId, ONE_FAILURE_IS_UNHEALTHY]);
  if (channelId) await p.database.pool.query(`INSERT INTO subscriptions (system_id, channel_id, "on") SELECT unnest($1::uuid[]), $2, ARRAY['any']`, [ids, channelId]);
  return ids;
}

async function addChannel(p: Part, groupWindowSeconds: number): Promise<string> {
  const channel = await p.services.notifications.createChannel({ name: `hook-${groupWindowSeconds}`, type: 'webhook', config: { url: p.receiver.url }, enabled: true, groupWindowSeconds });
  return channel.id;
}

function record(p: Part, systemId: string, configurationId: string, status: 'healthy' | 'unhealthy', at = new Date()) {
  return p.services.recorder.recordRun({ systemId, configurationId, environmentId: null, source: 'Local', status, latencyMs: 5, message: status === 'healthy' ? '' : 'connect ECONNREFUSED', result: {}, scheduledFor: at, at });
}

/** The loop as app.ts runs it on a worker: every second, and at once on each status change heard on the bus. */
function startWorker(p: Part): () => Promise<void> {
  p.services.notificationLoop.start();
  const unsubscribe = p.bus.subscribe((event) => {
    if (event.topic === SYSTEM_HEALTH_CHANGED) void p.services.notificationLoop.kick();
  });
  return async () => {
    unsubscribe();
    await p.services.notificationLoop.stop();
  };
}

/** Runs `work(i)` for i < count, `concurrency` at a time. */
async function inParallel(count: number, concurrency: number, work: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) await work(next++);
  }));
}

/**
 * CPU used from now until the returned function is called, in ms: this process, and the PostgreSQL
 * backends serving this database (those connected at either end; one that came and went between is missed).
 */
async function cpuOf(database: Database): Promise<() => Promise<{ node: number; postgres: number }>> {
  const backends = async () => (await database.pool.query<{ pid: number }>('SELECT pid FROM pg_stat_activity WHERE datname = current_database()')).rows.map((row) => row.pid);
  const before = await backends();
  const ticks = (pids: number[]) => new Map(pids.map((pid) => [pid, cpuSeconds([pid])]));
  const start = ticks(before);
  const node = process.cpuUsage();
  return async () => {
    const used = process.cpuUsage(node);
    const end = ticks([...new Set([...before, ...(await backends())])]);
    let postgres = 0;
    for (const [pid, seconds] of end) postgres += Math.max(0, seconds - (start.get(pid) ?? 0)); // an exited backend reads 0
    return { node: (used.user + used.system) / 1000, postgres: postgres * 1000 };
  };
}

async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: not within ${timeoutMs} ms`)), timeoutMs)))]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * One change at a time on 10 systems (each alternately unhealthy and healthy), every `spacingMs`
 * (or as soon as the last one arrived): how long from recordRun's return to the receiver's request,
 * in the order measured.
 */
async function commitToDelivery(p: Part, spacingMs: number): Promise<number[]> {
  const channelId = await addChannel(p, 0);
  const systems = await addSystems(p, 'sample', 10, channelId);
  const stopWorker = startWorker(p);
  const latencies: number[] = [];
  try {
    for (let i = 0; i < SAMPLES; i++) {
      const started = performance.now();
      const systemId = systems[i % systems.length]!;
      const arrived = p.receiver.next();
      await record(p, systemId, p.configurationId, Math.floor(i / systems.length) % 2 === 0 ? 'unhealthy' : 'healthy');
      const committed = performance.now();
      const arrival = await within(arrived, 10_000, `sample ${i}`);
      if (arrival.systems[0] !== systemId) throw new Error(`sample ${i}: the receiver got a message about ${arrival.systems[0]}, not ${systemId}`);
      latencies.push(arrival.at - committed);
      await sleep(Math.max(0, spacingMs - (performance.now() - started)));
    }
  } finally {
    await stopWorker();
  }
  return latencies;
}

/** Healthy runs for `streams` streams at `perSecond`, until stopped: the database writes of a loaded engine. */
function startLoad(p: Part, streams: { systemId: string; configurationId: string }[], perSecond: number) {
  const started = performance.now();
  const base = Date.now();
  let stopped = false;
  let next = 0;
  const writes: number[] = [];
  let late = 0;
  // Sixteen writers at most, as a worker's slots would be; a run is due at i / perSecond.
  const writers = Array.from({ length: 16 }, async () => {
    while (!stopped) {
      const i = next++;
      const due = started + (i * 1000) / perSecond;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      else if (wait < -1000) late++;
      if (stopped) break;
      const stream = streams[i % streams.length]!;
      const at = new Date(base + (i * 1000) / perSecond);
      const t = performance.now();
      await record(p, stream.systemId, stream.configurationId, 'healthy', at);
      writes.push(performance.now() - t);
    }
  });
  return async () => {
    stopped = true;
    await Promise.all(writers);
    const seconds = (performance.now() - started) / 1000;
    return { runs: writes.length, perSecond: writes.length / seconds, late, writes: writes.sort((a, b) => a - b) };
  };
}

async function main() {
  const rows: string[] = [];
  // The first 20 also on their own: every planning pass reads back over the last two minutes' changes, so later ones wait longer.
  const latencyRow = (name: string, measured: number[], extra = '') => {
    const sorted = [...measured].sort((a, b) => a - b);
    const first = measured.slice(0, 20).sort((a, b) => a - b);
    rows.push(`| ${name} | ${sorted.length} | ${ms(quantile(first, 0.5))} | ${ms(quantile(sorted, 0.5))} | ${ms(quantile(sorted, 0.99))} | ${ms(sorted.at(-1)!)} | < 2 s | ${extra} |`);
  };

  let version = '';
  const idle = await part('notify_idle', async (p) => {
    version = (await p.database.pool.query<{ server_version: string }>('SHOW server_version')).rows[0]!.server_version;
    return commitToDelivery(p, 100);
  });
  console.log(`${new Date().toISOString().slice(0, 10)} — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, PostgreSQL ${version}\n`);
  latencyRow('idle', idle);

  const loaded = await part('notify_load', async (p) => {
    // 1,000 systems × 10 checks, each stream written once before (steady state: a view to compare with).
    const { rows: configurations } = await p.database.pool.query<{ id: string }>(
      `INSERT INTO configurations (name, strategy, config, interval_seconds) SELECT 'load-' || i, 'tcp', '{"host":"127.0.0.1","port":9}', 30 FROM generate_series(1, 9) i RETURNING id`,
    );
    const configurationIds = [p.configurationId, ...configurations.map((c) => c.id)];
    const systems = await addSystems(p, 'load', LOAD_STREAMS / configurationIds.length);
    await p.database.pool.query(`INSERT INTO assignments (system_id, configuration_id) SELECT s, c FROM unnest($1::uuid[]) s, unnest($2::uuid[]) c WHERE c <> $3`, [systems, configurationIds, p.configurationId]);
    const streams = systems.flatMap((systemId) => configurationIds.map((configurationId) => ({ systemId, configurationId })));
    const warming = performance.now();
    const before = new Date(Date.now() - 60_000);
    await inParallel(streams.length, 8, (i) => record(p, streams[i]!.systemId, streams[i]!.configurationId, 'healthy', before));
    console.log(`Load: ${streams.length} streams written once in ${ms(performance.now() - warming)}.`);
    const stopLoad = startLoad(p, streams, LOAD_PER_SECOND);
    await sleep(2_000);
    const latencies = await commitToDelivery(p, 100);
    const load = await stopLoad();
    return { latencies, load };
  });
  const { load } = loaded;
  latencyRow(
    `while runs are recorded at ${LOAD_PER_SECOND.toFixed(0)}/s for ${LOAD_STREAMS} streams`,
    loaded.latencies,
    `load: ${load.runs} runs at ${load.perSecond.toFixed(0)}/s (${load.late} more than 1 s late), each write p50 ${ms(quantile(load.writes, 0.5))}, p99 ${ms(quantile(load.writes, 0.99))}`,
  );
  console.log('### Commit → delivery at a local webhook\n');
  console.log('| when | changes | p50 of the first 20 | p50 | p99 | max | target p99 | |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(row);
  console.log('');

  const rate = await part('notify_rate', async (p) => {
    const channelId = await addChannel(p, 0);
    const systems = await addSystems(p, 'rate', RATE_DELIVERIES, channelId);
    await inParallel(systems.length, 8, (i) => record(p, systems[i]!, p.configurationId, 'unhealthy'));
    const planner = new NotificationPlanner(p.database.pool, { log, groupWindowSeconds: 0 });
    const sender = new NotificationSender(p.database.pool, p.database.db, p.services.notifications, { log, groupWindowSeconds: 0 });
    const planning = performance.now();
    const planCpu = await cpuOf(p.database);
    const planned = await planner.plan();
    const planMs = performance.now() - planning;
    const planCpuMs = await planCpu();
    const sending = performance.now();
    const sendCpu = await cpuOf(p.database);
    for (let round = 0; round < 2 * RATE_DELIVERIES && (await sender.sendDue()) > 0; round++);
    const sendMs = performance.now() - sending;
    const sendCpuMs = await sendCpu();
    if (p.receiver.arrivals.length !== RATE_DELIVERIES) throw new Error(`sent ${p.receiver.arrivals.length} of ${RATE_DELIVERIES}`);
    // One more pass over the same events, as the next second's pass does: nothing new, but it reads them all again.
    const again = performance.now();
    await planner.plan();
    return { planned, planMs, planCpuMs, sendMs, sendCpuMs, replanMs: performance.now() - again };
  });
  console.log('### One worker, grouping off\n');
  const perDelivery = (cpu: { node: number; postgres: number }, count: number) => `${(cpu.node / count).toFixed(2)} + ${(cpu.postgres / count).toFixed(2)} ms`;
  console.log('| step | deliveries | time | per second | CPU per delivery: Node (receiver included) + PostgreSQL |');
  console.log('| --- | --- | --- | --- | --- |');
  console.log(`| plan (one pass over ${RATE_DELIVERIES} new outbox events) | ${rate.planned} | ${ms(rate.planMs)} | ${((rate.planned * 1000) / rate.planMs).toFixed(0)} | ${perDelivery(rate.planCpuMs, rate.planned)} |`);
  console.log(`| send (\`sendDue()\` back to back, 20 a call, all to one webhook) | ${RATE_DELIVERIES} | ${ms(rate.sendMs)} | ${((RATE_DELIVERIES * 1000) / rate.sendMs).toFixed(0)} | ${perDelivery(rate.sendCpuMs, RATE_DELIVERIES)} |`);
  console.log(`| the next pass over the same events (nothing to plan) | 0 | ${ms(rate.replanMs)} | | |`);
  console.log('');

  console.log(`### ${BURST} systems failing at once, one channel\n`);
  console.log('| grouping | write of the burst | messages | changes per message | changes carried | first message | last message (drained) |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const window of [10, 0]) {
    const burst = await part(`notify_burst_${window}`, async (p) => {
      const channelId = await addChannel(p, window);
      const systems = await addSystems(p, 'burst', BURST, channelId);
      const stopWorker = startWorker(p);
      try {
        const started = performance.now();
        await inParallel(systems.length, 8, (i) => record(p, systems[i]!, p.configurationId, 'unhealthy'));
        const written = performance.now() - started;
        const carried = () => p.receiver.arrivals.reduce((sum, a) => sum + a.systems.length, 0);
        const deadline = performance.now() + 60_000;
        while (carried() < BURST && performance.now() < deadline) await sleep(20);
        const { arrivals } = p.receiver;
        const sizes = arrivals.length <= 5 ? arrivals.map((a) => a.systems.length).join(' + ') : `${arrivals.length} × ${new Set(arrivals.map((a) => a.systems.length)).size === 1 ? arrivals[0]!.systems.length : 'mixed'}`;
        return { written, messages: arrivals.length, sizes, carried: carried(), first: arrivals[0]!.at - started, last: arrivals.at(-1)!.at - started };
      } finally {
        await stopWorker();
      }
    });
    console.log(`| ${window ? `${window} s` : 'off'} | ${ms(burst.written)} | ${burst.messages} | ${burst.sizes} | ${burst.carried} of ${BURST} | ${ms(burst.first)} | ${ms(burst.last)} |`);
  }
}

await main();
