/**
 * HTTP checks per second from one process, through the http strategy (full
 * timing capture, a new connection per check), next to raw `undici.request`
 * on the same keep-alive-less target in the same run; then memory per
 * in-flight check with 500 checks waiting on slow responses.
 *
 *   node bin/run-ts.js bench/http-checks.ts
 *
 * Loopback only; every loop is bounded by a count and a time limit.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Worker } from 'node:worker_threads';
import { Agent } from 'undici';
import { planDefinition } from '../src/definitions/plan.ts';
import { executeRun } from '../src/engine/execute-run.ts';
import type { DefinitionPlan } from '../src/definitions/plan.ts';
import { closeHttpPools } from '../src/strategies/http/timing.ts';
import { getCollector, getStrategy, listStrategies } from '../src/strategies/registry.ts';
import type { RunContext } from '../src/strategies/types.ts';

const CONCURRENCY = 32;
const MAX_REQUESTS_PER_ROUND = 5_000;
/** Short alternating rounds, so background load hits both paths alike. */
const ROUND_MS = 750;
const ROUNDS = 8;
const IN_FLIGHT = 500;
const SLOW_MS = 2_000;

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

/** The target runs on its own thread so it does not take CPU from the checks being measured. */
async function startTarget(): Promise<{ port: number; stop(): Promise<number> }> {
  const worker = new Worker(
    `
    const { parentPort } = require('node:worker_threads');
    const http = require('node:http');
    const server = http.createServer((req, res) => {
      const send = () => { res.writeHead(200, { 'content-type': 'application/json', connection: 'close' }); res.end('{"status":"UP"}'); };
      if (req.url === '/slow') setTimeout(send, ${SLOW_MS}); else send();
    });
    server.keepAliveTimeout = 0;
    server.listen(0, '127.0.0.1', () => parentPort.postMessage(server.address().port));
    parentPort.on('message', () => { server.closeAllConnections(); server.close(() => process.exit(0)); });
    `,
    { eval: true },
  );
  const port = await new Promise<number>((resolve) => worker.once('message', resolve));
  return {
    port,
    stop: () => {
      worker.postMessage('stop');
      return new Promise((resolve) => worker.once('exit', resolve));
    },
  };
}

/** Runs `task` with CONCURRENCY workers until the count or the time limit is reached. */
async function throughput(task: () => Promise<void>): Promise<{ perSecond: number; done: number }> {
  let started = 0;
  let done = 0;
  const deadline = performance.now() + ROUND_MS;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (started < MAX_REQUESTS_PER_ROUND && performance.now() < deadline) {
        started++;
        await task();
        done++;
      }
    }),
  );
  return { perSecond: done / ((performance.now() - t0) / 1000), done };
}

const run: RunContext = { check: { id: 'bench', name: 'bench', intervalSeconds: 30 }, system: { id: 'bench', name: 'bench' } };
const registry = { getStrategy, listStrategies, getCollector };

function plan(url: string, assertions: string[]): DefinitionPlan {
  const planned = planDefinition(registry, { strategy: 'http', config: { url, timeout: 10_000 }, assertions });
  if (!planned.ok) throw new Error(JSON.stringify(planned.errors));
  return planned.plan;
}

const target = await startTarget();
const url = `http://127.0.0.1:${target.port}/health`;
const rawAgent = new Agent({ pipelining: 0 });

const rawRequest = async () => {
  const response = await rawAgent.request({ origin: url.replace('/health', ''), path: '/health', method: 'GET' });
  await response.body.text();
  if (response.statusCode !== 200) throw new Error(`raw: ${response.statusCode}`);
};
const strategyPlan = plan(url, ['statusCode == 200', 'json $.status == "UP"']);
const strategyCheck = async () => {
  const result = await executeRun({ ...strategyPlan, run });
  if (result.status !== 'healthy') throw new Error(`check: ${result.message}`);
};

// Memory first, while the heap is still small: IN_FLIGHT checks waiting on responses that take SLOW_MS.
const slowPlan = plan(url.replace('/health', '/slow'), ['statusCode == 200']);
await executeRun({ ...slowPlan, run: { ...run } }).catch(() => undefined);
gc();
const before = process.memoryUsage();
const inFlight = Array.from({ length: IN_FLIGHT }, () => executeRun({ ...slowPlan, run }));
await new Promise((resolve) => setTimeout(resolve, SLOW_MS / 2));
gc();
const during = process.memoryUsage();
const results = await Promise.all(inFlight);
const healthy = results.filter((result) => result.status === 'healthy').length;

// Warm up JIT and the connector before measuring.
await throughput(rawRequest);
await throughput(strategyCheck);

const raw: number[] = [];
const checks: number[] = [];
const ratios: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  // Alternate which path goes first so neither always meets a warmer or colder machine.
  const [first, second] = round % 2 === 0 ? [rawRequest, strategyCheck] : [strategyCheck, rawRequest];
  const a = (await throughput(first)).perSecond;
  const b = (await throughput(second)).perSecond;
  const [rawRate, checkRate] = round % 2 === 0 ? [a, b] : [b, a];
  raw.push(rawRate);
  checks.push(checkRate);
  ratios.push(checkRate / rawRate);
}
const median = (values: number[]) => [...values].sort((x, y) => x - y)[Math.floor(values.length / 2)] ?? 0;
const rawMedian = median(raw);
const checkMedian = median(checks);
const ratioMedian = median(ratios);

await rawAgent.close();
await closeHttpPools();
await target.stop();

const kib = (bytes: number) => (bytes / 1024).toFixed(1);
console.log(`## HTTP checks (loopback, new connection per check, concurrency ${CONCURRENCY}, ${ROUNDS} rounds of ≤ ${ROUND_MS / 1000}s, median)

| path | checks/s | rounds |
| --- | ---: | --- |
| raw \`undici.request\` (Agent, pipelining 0) | ${rawMedian.toFixed(0)} | ${raw.map((value) => value.toFixed(0)).join(', ')} |
| http strategy via \`executeRun\` (timings, 2 assertions) | ${checkMedian.toFixed(0)} | ${checks.map((value) => value.toFixed(0)).join(', ')} |
| ratio strategy / raw (median of per-round ratios) | ${(ratioMedian * 100).toFixed(0)} % | goal ≥ 70 %; ${ratios.map((r) => (r * 100).toFixed(0)).join(', ')} |

## Memory with ${IN_FLIGHT} checks in flight (responses held ${SLOW_MS} ms)

| measure | total | per in-flight check |
| --- | ---: | ---: |
| heap used | ${kib(during.heapUsed - before.heapUsed)} KiB | ${kib((during.heapUsed - before.heapUsed) / IN_FLIGHT)} KiB |
| external + array buffers | ${kib(during.external - before.external)} KiB | ${kib((during.external - before.external) / IN_FLIGHT)} KiB |
| RSS | ${kib(during.rss - before.rss)} KiB | ${kib((during.rss - before.rss) / IN_FLIGHT)} KiB |

${healthy}/${IN_FLIGHT} slow checks healthy. Node ${process.version}, ${process.platform}/${process.arch}.`);
