/**
 * Satellites at scale (issue 23). One real `vigil satellite` process runs 2,000 HTTP checks every
 * 30 s against a local target (its own process); the server is this process (the API over a real
 * socket, the local PostgreSQL). Measured over a window after warm-up: the satellite's CPU per
 * check and its memory (from /proc), and this server process's CPU per ingested run (PostgreSQL's
 * own CPU not counted). Then a backlog of 100,000 runs left in a satellite's buffer (as an agent
 * cut off from the server for 25 minutes at this rate would hold) is uploaded: time and server CPU.
 *
 *   node bin/run-ts.js bench/satellites.ts [checks=2000] [windowSeconds=60] [backlog=100000]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { createHttpApp, createServices } from '../src/app.ts';
import { createMemoryBus } from '../src/events/bus.ts';
import { silentLogger } from '../src/kernel/log.ts';
import { createMemoryQueue } from '../src/queue/memory.ts';
import { createBenchDatabase } from './database.ts';

const CHECKS = Number(process.argv[2] ?? 2000);
const WINDOW_SECONDS = Number(process.argv[3] ?? 60);
const BACKLOG = Number(process.argv[4] ?? 100_000);
const bin = new URL('../bin/vigil.js', import.meta.url).pathname;
/** Clock ticks per second in /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const TICKS = 100;

/** utime+stime (and children's) of a process, in ms. */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return ((Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14])) * 1000) / TICKS;
}

function memoryMb(pid: number): { rss: number; pss: number } {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(rollup)?.[1] ?? 0);
  return { rss: kb('Rss') / 1024, pss: kb('Pss') / 1024 };
}

const serverCpuMs = () => {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const log = silentLogger();
  const { database, drop } = await createBenchDatabase('satellites');
  const queue = createMemoryQueue();
  const root = mkdtempSync(join(tmpdir(), 'vigil-bench-satellites-'));
  chmodSync(root, 0o755);
  const children: ChildProcess[] = [];
  try {
    const target = spawn(process.execPath, ['-e', "require('http').createServer((q,s)=>s.end('ok')).listen(0,'127.0.0.1',function(){console.log(this.address().port)})"], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(target);
    const targetPort = await new Promise<number>((resolve) => target.stdout!.once('data', (chunk) => resolve(Number(String(chunk).trim()))));

    const services = createServices(database, createMemoryBus(), log, randomBytes(32), queue);
    const app = createHttpApp(database, services, log);
    const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1', createServer });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const satellite = await services.satellites.create({ name: 'bench-probe', location: 'bench', labels: {} });
    const pool = database.pool;
    const { rows: [config] } = await pool.query(
      `INSERT INTO configurations (name, strategy, config, interval_seconds) VALUES ('target', 'http', $1, 30) RETURNING id`,
      [JSON.stringify({ url: `http://127.0.0.1:${targetPort}/health` })],
    );
    await pool.query(`INSERT INTO systems (name) SELECT 'site-' || lpad(i::text, 5, '0') FROM generate_series(1, $1) i`, [CHECKS]);
    await pool.query(`INSERT INTO assignments (system_id, configuration_id, include_local, satellite_ids) SELECT id, $1, false, $2::jsonb FROM systems`, [config.id, JSON.stringify([satellite.id])]);

    // ── steady state ──────────────────────────────────────────────────────
    const live = spawn(process.execPath, [bin, 'satellite', '--server', base, '--token', satellite.token, '--data-dir', join(root, 'live'), '--concurrency', '100'], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, LOG_LEVEL: 'warn' },
    });
    children.push(live);
    // Warm-up: the first fetch, and one whole interval so every check has its place on the grid.
    await sleep(40_000);
    const count = async () => Number((await pool.query(`SELECT count(*) AS n FROM runs`)).rows[0].n);
    const [satelliteBefore, serverBefore, runsBefore] = [cpuMs(live.pid!), serverCpuMs(), await count()];
    await sleep(WINDOW_SECONDS * 1000);
    const [satelliteAfter, serverAfter, runsAfter] = [cpuMs(live.pid!), serverCpuMs(), await count()];
    const memory = memoryMb(live.pid!);
    const runs = runsAfter - runsBefore;
    const expected = Math.round((CHECKS * WINDOW_SECONDS) / 30);
    live.kill('SIGTERM');
    await new Promise((resolve) => live.once('exit', resolve));

    console.log(`One satellite, ${CHECKS.toLocaleString('en')} HTTP checks every 30 s against a local target, ${WINDOW_SECONDS} s window after 40 s warm-up.\n`);
    console.log('| measure | value |\n| --- | --- |');
    console.log(`| runs ingested in the window (expected ${expected.toLocaleString('en')}) | ${runs.toLocaleString('en')} |`);
    console.log(`| satellite CPU per check run | ${((satelliteAfter - satelliteBefore) / runs).toFixed(2)} ms |`);
    console.log(`| satellite memory (RSS / PSS) | ${memory.rss.toFixed(0)} MB / ${memory.pss.toFixed(0)} MB |`);
    console.log(`| server (Vigil process) CPU per ingested run | ${((serverAfter - serverBefore) / runs).toFixed(2)} ms |`);

    // ── a backlog uploaded ────────────────────────────────────────────────
    const buffer = join(root, 'backlog', 'buffer');
    mkdirSync(buffer, { recursive: true, mode: 0o700 });
    const { rows: streams } = await pool.query(`SELECT system_id FROM assignments ORDER BY system_id`);
    const start = Date.now() - 2 * 86_400_000;
    let segment = 0;
    let lines: string[] = [];
    const flush = () => {
      if (!lines.length) return;
      writeFileSync(join(buffer, `${String(++segment).padStart(12, '0')}.jsonl`), `${lines.join('\n')}\n`, { mode: 0o600 });
      lines = [];
    };
    for (let i = 0; i < BACKLOG; i++) {
      const stream = streams[i % streams.length]!;
      const tick = new Date(Math.floor(start / 30_000) * 30_000 + Math.floor(i / streams.length) * 30_000).toISOString();
      lines.push(JSON.stringify({ configurationId: config.id, systemId: stream.system_id, environmentId: null, scheduledFor: tick, at: tick, status: 'healthy', latencyMs: 3, message: 'HTTP 200', result: { statusCode: 200 } }));
      if (lines.length === 500) flush();
    }
    flush();
    writeFileSync(join(buffer, 'state.json'), JSON.stringify({ headOffset: 0, dropped: 0 }));
    // Still assigned (else the upload is refused), but daily: the agent runs next to nothing meanwhile,
    // and only runs of the backlog's ticks (two days ago) are counted.
    await pool.query(`UPDATE configurations SET interval_seconds = 86400`);
    const backlogRuns = async () => Number((await pool.query(`SELECT count(*) AS n FROM runs WHERE scheduled_for < now() - interval '1 day'`)).rows[0].n);
    const before = await backlogRuns();
    const cpu0 = serverCpuMs();
    const t0 = performance.now();
    const uploader = spawn(process.execPath, [bin, 'satellite', '--server', base, '--token', satellite.token, '--data-dir', join(root, 'backlog'), '--max-buffered-runs', String(BACKLOG * 2)], {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, LOG_LEVEL: 'warn' },
    });
    children.push(uploader);
    let uploaded = 0;
    const deadline = Date.now() + 15 * 60_000;
    while (Date.now() < deadline) {
      uploaded = (await backlogRuns()) - before;
      if (uploaded >= BACKLOG) break;
      await sleep(250);
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpu = serverCpuMs() - cpu0;
    const uploaderCpu = cpuMs(uploader.pid!);
    console.log(`| backlog of ${BACKLOG.toLocaleString('en')} runs uploaded (start of agent → all recorded) | ${seconds.toFixed(1)} s (${Math.round(uploaded / seconds).toLocaleString('en')} runs/s), ${uploaded.toLocaleString('en')} recorded |`);
    console.log(`| server CPU for the backlog | ${(cpu / 1000).toFixed(1)} s (${(cpu / uploaded).toFixed(2)} ms per run); the agent: ${(uploaderCpu / 1000).toFixed(1)} s |`);
    server.close();
  } finally {
    for (const child of children) child.kill('SIGKILL');
    await queue.close();
    await drop();
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
process.exit(0);
