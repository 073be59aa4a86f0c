/**
 * Scheduling benchmark: N schedules on one interval, a no-op (or sleeping) handler, for a bounded
 * time, through the real scheduler (reconciling every 5 s) and the chosen queue.
 *
 *   node bin/run-ts.js bench/scheduling.ts [memory|bullmq] [--count 10000] [--interval-ms 30000]
 *     [--duration-s 65] [--concurrency 50] [--handler-ms 0] [--reconcile-ms 5000]
 *     [--redis-url redis://127.0.0.1:6379]
 *
 * Prints lag p50/p99 (handler start − scheduledFor) of the ticks due after the initial sync (the
 * ticks that raced the initial sync are reported apart as startup), jobs/s, missed and duplicated ticks, CPU
 * seconds per job (this process; plus Redis for bullmq) and memory.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { deleteRedisPrefix } from './processes.ts';
import { jitterOffset } from '../src/queue/schedule.ts';
import { createScheduler } from '../src/engine/scheduler.ts';
import { createLogger } from '../src/kernel/log.ts';
import { createBullmqQueue } from '../src/queue/bullmq.ts';
import { createMemoryQueue, type MemoryQueue } from '../src/queue/memory.ts';
import type { CheckJob, CheckQueue, Schedule } from '../src/queue/types.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    count: { type: 'string', default: '10000' },
    'interval-ms': { type: 'string', default: '30000' },
    'duration-s': { type: 'string', default: '65' },
    concurrency: { type: 'string', default: '50' },
    'handler-ms': { type: 'string', default: '0' },
    'reconcile-ms': { type: 'string', default: '5000' },
    'redis-url': { type: 'string', default: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' },
  },
});
const kind = positionals[0] ?? 'memory';
if (kind !== 'memory' && kind !== 'bullmq') {
  console.error(`unknown queue "${kind}": expected memory or bullmq`);
  process.exit(64);
}
const count = Number(values.count);
const intervalMs = Number(values['interval-ms']);
const durationMs = Number(values['duration-s']) * 1_000;
const concurrency = Number(values.concurrency);
const handlerMs = Number(values['handler-ms']);
const reconcileMs = Number(values['reconcile-ms']);
const redisUrl = values['redis-url'];
// Ticks due this close to the end may legitimately still be on their way to a worker.
const SETTLE_MS = 2_000;

const log = createLogger({ level: 'warn', format: 'json' });
const schedules: Schedule[] = Array.from({ length: count }, () => {
  const id = randomUUID();
  return { id, configurationId: id, systemId: randomUUID(), intervalMs, offsetMs: jitterOffset(id, intervalMs) };
});

const prefix = `vigil-bench-${process.pid}`;
const redis = kind === 'bullmq' ? new Redis(redisUrl) : undefined;
const queue: CheckQueue = kind === 'memory' ? createMemoryQueue({ log }) : createBullmqQueue({ redisUrl, prefix, log, closeGraceMs: 5_000 });

const lags: { dueAt: number; lagMs: number }[] = [];
const handled = new Map<string, number[]>();
queue.work(async (queued) => {
  const job = queued as CheckJob; // only ticks here
  lags.push({ dueAt: job.scheduledFor, lagMs: Date.now() - job.scheduledFor });
  let ticks = handled.get(job.configurationId);
  if (!ticks) handled.set(job.configurationId, (ticks = []));
  ticks.push(job.scheduledFor);
  if (handlerMs > 0) await sleep(handlerMs);
}, concurrency);

const scheduler = createScheduler({ loadSchedules: async () => schedules, queue, log, reconcileMs });
const setupStarted = performance.now();
await scheduler.reconcileNow();
const initialSyncMs = performance.now() - setupStarted;

const startedAt = Date.now();
const cpuAtStart = process.cpuUsage();
const redisCpuAtStart = await redisCpuSeconds();
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 1_000);
scheduler.start();

await sleep(durationMs);

await scheduler.stop();
const endedAt = Date.now();
const cpu = process.cpuUsage(cpuAtStart);
const redisCpu = (await redisCpuSeconds()) - redisCpuAtStart;
clearInterval(sampler);
const rss = process.memoryUsage().rss;
peakRss = Math.max(peakRss, rss);
const memoryStats = kind === 'memory' ? (queue as MemoryQueue).stats() : undefined;
const steadySyncStarted = performance.now();
await queue.sync(schedules);
const steadySyncMs = performance.now() - steadySyncStarted;
const redisMemory = await redisField('memory', 'used_memory_rss');
await queue.close();
if (redis) {
  await deleteRedisPrefix(redisUrl, prefix);
  redis.disconnect();
}

const { expected, missed, duplicated } = tickAccounting();
const jobs = lags.length;
const seconds = (endedAt - startedAt) / 1_000;
// Steady state: ticks due after the initial sync, which on BullMQ competes with the first ticks.
const steadyLags = lags.filter((entry) => entry.dueAt > startedAt).map((entry) => entry.lagMs).sort((a, b) => a - b);
const startupLags = lags.filter((entry) => entry.dueAt <= startedAt).map((entry) => entry.lagMs).sort((a, b) => a - b);
const processCpuSeconds = (cpu.user + cpu.system) / 1e6;
const result = {
  queue: kind,
  schedules: count,
  intervalMs,
  durationS: seconds,
  concurrency,
  handlerMs,
  reconcileMs,
  jobs,
  jobsPerS: round(jobs / seconds, 1),
  lagP50Ms: percentile(steadyLags, 0.5),
  lagP99Ms: percentile(steadyLags, 0.99),
  lagMaxMs: steadyLags.at(-1) ?? 0,
  startupJobs: startupLags.length,
  startupLagP99Ms: percentile(startupLags, 0.99),
  expectedTicks: expected,
  missedTicks: missed,
  duplicatedTicks: duplicated,
  queueMissedCounter: memoryStats?.missed,
  cpuSeconds: round(processCpuSeconds, 2),
  cpuMsPerJob: round((processCpuSeconds * 1_000) / jobs, 3),
  redisCpuMsPerJob: redis ? round((redisCpu * 1_000) / jobs, 3) : undefined,
  rssMb: round(rss / 2 ** 20, 1),
  peakRssMb: round(peakRss / 2 ** 20, 1),
  redisRssMb: redisMemory === undefined ? undefined : round(redisMemory / 2 ** 20, 1),
  initialSyncMs: Math.round(initialSyncMs),
  steadySyncMs: Math.round(steadySyncMs),
};
console.table(Object.entries(result).filter(([, value]) => value !== undefined).map(([measure, value]) => ({ measure, value })));
console.log(JSON.stringify(result));
process.exit(0);

/** Every tick due between the start and the settle margin must have run exactly once. */
function tickAccounting() {
  let expectedTicks = 0;
  let missedTicks = 0;
  let duplicatedTicks = 0;
  const windowEnd = endedAt - SETTLE_MS;
  for (const schedule of schedules) {
    const seen = new Map<number, number>();
    for (const due of handled.get(schedule.configurationId) ?? []) seen.set(due, (seen.get(due) ?? 0) + 1);
    for (const times of seen.values()) if (times > 1) duplicatedTicks += times - 1;
    const firstSlot = Math.ceil((startedAt - schedule.offsetMs) / intervalMs);
    for (let due = firstSlot * intervalMs + schedule.offsetMs; due <= windowEnd; due += intervalMs) {
      if (due <= startedAt) continue;
      expectedTicks += 1;
      if (!seen.has(due)) missedTicks += 1;
    }
  }
  return { expected: expectedTicks, missed: missedTicks, duplicated: duplicatedTicks };
}

async function redisField(section: string, field: string): Promise<number | undefined> {
  if (!redis) return undefined;
  const info = await redis.info(section);
  const match = new RegExp(`^${field}:([\\d.]+)`, 'm').exec(info);
  return match ? Number(match[1]) : undefined;
}

async function redisCpuSeconds(): Promise<number> {
  return ((await redisField('cpu', 'used_cpu_user')) ?? 0) + ((await redisField('cpu', 'used_cpu_sys')) ?? 0);
}

function percentile(sorted: number[], fraction: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))]!;
}

function round(value: number, digits: number): number {
  return Number(value.toFixed(digits));
}
