/**
 * Automation rules at scale (issue 20): events per second through 100 enabled rules (filters and
 * windows) on one worker, and the time from an event's commit to its action reaching a local
 * webhook, p50/p99, with those 100 rules in place.
 *
 *   node bin/run-ts.js bench/automation.ts [events=2000] [samples=200]     (BENCH_DATABASE_URL, else the local PostgreSQL)
 */
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AutomationRunner } from '../src/automation/runner.ts';
import { createServices } from '../src/app.ts';
import { createMemoryBus } from '../src/events/bus.ts';
import { writeOutbox } from '../src/events/outbox.ts';
import type { BusEvent } from '../src/events/topics.ts';
import { silentLogger } from '../src/kernel/log.ts';
import { createMemoryQueue } from '../src/queue/memory.ts';
import { createBenchDatabase } from './database.ts';

const EVENTS = Number(process.argv[2] ?? 2000);
const SAMPLES = Number(process.argv[3] ?? 200);
const RULES = 100;
const SYSTEMS = 200;
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function main() {
  const log = silentLogger();
  const { database, drop } = await createBenchDatabase('automation');
  const queue = createMemoryQueue();
  const arrivals = new Map<string, number>();
  const receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const mark = (JSON.parse(body) as { mark?: string }).mark;
      if (mark) arrivals.set(mark, performance.now());
      response.writeHead(200, { connection: 'keep-alive' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  try {
    const services = createServices(database, createMemoryBus(), log, randomBytes(32), queue);
    // 100 rules on health changes: a filter each, half with a window; a tenth fire a webhook on every bad change.
    for (let i = 0; i < RULES; i++) {
      const windowed = i % 2 === 0;
      await services.automations.create({
        name: `rule-${i}`,
        description: '',
        enabled: true,
        trigger: 'healthcheck.system_health_changed',
        filter: i % 10 === 0 ? 'trigger.payload.newStatus != "healthy"' : `trigger.payload.newStatus == "unhealthy" and trigger.payload.systemName contains "-${String(i).padStart(3, '0')}"`,
        window: windowed ? { count: 3, minutes: 60, refire: 'once', partitionBy: null } : null,
        for: null,
        actions: [{ type: 'webhook', input: { url: `${hook}/rule-${i}`, body: { rule: i } } }],
      } as Parameters<typeof services.automations.create>[0]);
    }
    const runner = new AutomationRunner(database.pool, { log, doors: {} as never });
    const change = (system: number, bad: boolean, mark?: string): Omit<BusEvent, 'id'> => ({
      topic: 'healthcheck.system_health_changed',
      payload: {
        systemId: `00000000-0000-4000-8000-${String(system).padStart(12, '0')}`,
        systemName: `system-${String(system % 1000).padStart(3, '0')}`,
        previousStatus: bad ? 'healthy' : 'unhealthy',
        newStatus: bad ? 'unhealthy' : 'healthy',
        healthyChecks: bad ? 0 : 1,
        totalChecks: 1,
        timestamp: new Date().toISOString(),
        ...(mark ? { environmentId: mark } : {}),
      },
    } as Omit<BusEvent, 'id'>);

    // 1. Throughput: a backlog of events, evaluated against every rule by one runner.
    await runner.pass();
    const client = await database.pool.connect();
    for (let i = 0; i < EVENTS; i += 500) {
      await writeOutbox(client, Array.from({ length: Math.min(500, EVENTS - i) }, (_, j) => change((i + j) % SYSTEMS, (i + j) % 3 !== 0)));
    }
    client.release();
    const started = performance.now();
    let evaluated = 0;
    for (;;) {
      const n = await runner.evaluateEvents();
      evaluated += n;
      if (!n) break;
    }
    const evaluatingMs = performance.now() - started;
    const { rows: counts } = await database.pool.query(`SELECT state, count(*)::int AS n FROM automation_executions GROUP BY state ORDER BY state`);
    console.log('| measure | value |\n| --- | --- |');
    console.log(`| events evaluated against ${RULES} rules | ${EVENTS} events (${evaluated} rule evaluations) in ${(evaluatingMs / 1000).toFixed(1)} s |`);
    console.log(`| events per second (one worker) | ${Math.round(EVENTS / (evaluatingMs / 1000))} |`);
    console.log(`| rule evaluations per second | ${Math.round(evaluated / (evaluatingMs / 1000))} |`);
    console.log(`| executions by state | ${counts.map((c) => `${c.state} ${c.n}`).join(', ')} |`);
    // Drain the actions that fired (not timed: the webhook receiver is local and instant).
    while ((await runner.runDueActions(200)) > 0);

    // 2. Latency: one event at a time, as the worker's bus subscription kicks the runner, 100 rules evaluated each time.
    const latencies: number[] = [];
    // All 100 rules stay enabled; rule-0 fires on every bad change, with no window.
    await database.pool.query(`UPDATE automation_rules SET "window" = NULL, actions = $1 WHERE name = 'rule-0'`, [
      JSON.stringify([{ type: 'webhook', input: { url: `${hook}/latency`, body: { mark: '{{ trigger.payload.environmentId }}' } } }]),
    ]);
    for (let i = 0; i < SAMPLES; i++) {
      const mark = `m${i}`;
      const writer = await database.pool.connect();
      await writer.query('BEGIN');
      await writeOutbox(writer, [change(i % SYSTEMS, true, mark)]);
      await writer.query('COMMIT');
      writer.release();
      const committed = performance.now();
      await runner.pass();
      const arrived = arrivals.get(mark);
      if (arrived !== undefined) latencies.push(arrived - committed);
    }
    latencies.sort((a, b) => a - b);
    console.log(`| event commit → webhook, p50 / p99 (${latencies.length} of ${SAMPLES} arrived in the pass) | ${quantile(latencies, 0.5).toFixed(1)} ms / ${quantile(latencies, 0.99).toFixed(1)} ms |`);
    void services;
  } finally {
    receiver.close();
    await queue.close();
    await drop();
  }
}

await main();
