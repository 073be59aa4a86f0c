/**
 * Engine figures (issue 12): N assignments (default 10,000) at a 30 s interval against a local
 * HTTP target, end to end — scheduler, queue, executor, HTTP check, run + aggregate + health write.
 *
 *   node bin/run-ts.js bench/engine.ts embedded            one process, embedded PostgreSQL
 *   node bin/run-ts.js bench/engine.ts redis 1|2           scheduler + 1 or 2 workers, local PostgreSQL + Redis
 *   options: --assignments N --interval-s S --measure-s S --warmup-s S --no-analyze
 *            --sse N [--sse-query Q]   (embedded) N clients read the live event stream throughout
 *            --retention-runs N   (server mode) first add N runs older than the raw limit, then run
 *                                 `vigil maintenance retention` as its own process at the start of
 *                                 the window: the lag while it deletes (issue 18)
 *
 * Lag is measured from the runs themselves: created_at − latency − scheduled_for is when the check
 * started minus when its tick was due (it includes the wait for a free worker slot).
 *
 * CPU (issue 25) is every cycle spent over the window in the Vigil processes and everything under
 * them (the embedded PostgreSQL is Vigil's child) and, in server mode, under the local PostgreSQL's
 * postmaster (found as the parent of this bench's own backend) and redis-server: each live
 * process's own time plus its reaped children's, read from /proc (`treeCpu` in processes.ts says
 * why). The earlier accounting — own time of the processes alive at the start and at the end — lost
 * every backend forked and ended inside the window; it is still printed (stderr) beside the new one,
 * with the sessions PostgreSQL opened in the window (backends forked). In server mode the local
 * server is shared, so its postmaster also carries other clients' backends if any run meanwhile.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { cpuSeconds, deleteRedisPrefix, descendants, numberOption, parentPid, processTable, pssMb, spawnVigil as spawnVigilWith, treeCpu, treeCpuDelta, waitForOutput } from './processes.ts';

const args = process.argv.slice(2);
const mode = args[0] ?? 'embedded';
const workers = Number(args[1] && !args[1].startsWith('--') ? args[1] : 1);
const option = (name: string, fallback: number) => numberOption(name, fallback, args);
const ASSIGNMENTS = option('assignments', 10_000);
const INTERVAL_S = option('interval-s', 30);
const MEASURE_S = option('measure-s', 60);
/**
 * `--warmup-s S` (default: the interval + 10 s). Vigil's first retention pass runs 60 s after it
 * starts (then hourly; its work is daily): with the default warm-up it falls inside the window.
 * `--warmup-s 100` starts the window after it, to price the check loop alone.
 */
const WARMUP_S = option('warmup-s', INTERVAL_S + 10);
const RETENTION_RUNS = option('retention-runs', 0);
const CONFIGURATIONS = 10;
/** `--sse N [--sse-query Q]` (embedded): N live-stream clients read GET /api/v1/events?Q throughout (a wall of dashboards). */
const SSE_CLIENTS = option('sse', 0);
const SSE_QUERY = args.includes('--sse-query') ? args[args.indexOf('--sse-query') + 1]! : '';
const BENCH_ADMIN = { VIGIL_ADMIN_EMAIL: 'bench@vigil.test', VIGIL_ADMIN_PASSWORD: 'bench password, long enough' };
const LOCAL_PG = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const redisPrefix = `vigil-bench-${process.pid}`;
const profileAt = args.indexOf('--profile');
/** `--profile DIR`: write a V8 CPU profile of each Vigil process into DIR (open it in Chrome DevTools). */
const nodeArgs = profileAt >= 0 ? ['--cpu-prof', `--cpu-prof-dir=${args[profileAt + 1]}`] : [];
const spawnVigil = (argv: string[], env: Record<string, string>) => spawnVigilWith(argv, env, nodeArgs);

/**
 * The old accounting (before issue 25), kept to show the difference: Vigil processes, their children
 * and, in server mode, every process named postgres* or redis-server* on the machine, alive now.
 */
function measuredPids(roots: number[], includeServers: boolean): number[] {
  const table = processTable();
  const pids = descendants(roots, table);
  // Server mode: the PostgreSQL backends and Redis work for Vigil too, so their CPU counts.
  if (includeServers) for (const [pid, info] of table) if (info.comm.startsWith('postgres') || info.comm.startsWith('redis-server')) pids.add(pid);
  return [...pids];
}

async function startTarget(): Promise<{ child: ChildProcess; url: string }> {
  const script = `
    const http = require('node:http');
    const server = http.createServer((req, res) => { res.writeHead(200, { 'content-type': 'application/json', connection: 'close' }); res.end('{"status":"UP"}'); });
    server.keepAliveTimeout = 0;
    server.listen(0, '127.0.0.1', () => console.log('target on http://127.0.0.1:' + server.address().port + '/health'));`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  const url = await waitForOutput(child, /target on (\S+)/);
  return { child, url };
}

async function seed(client: pg.Client, targetUrl: string): Promise<void> {
  const systems = Math.ceil(ASSIGNMENTS / CONFIGURATIONS);
  await client.query(`INSERT INTO systems (name) SELECT 'bench-system-' || i FROM generate_series(1, $1) i`, [systems]);
  await client.query(
    `INSERT INTO configurations (name, strategy, config, assertions, interval_seconds)
     SELECT 'bench-check-' || i, 'http', $1::jsonb, '[{"field":"statusCode","operator":"equals","value":200}]', $2 FROM generate_series(1, $3) i`,
    [JSON.stringify({ url: targetUrl, timeout: 10_000 }), INTERVAL_S, CONFIGURATIONS],
  );
  if (RETENTION_RUNS > 0) {
    // Old history, 8 to 14 days back (all past the default 7 days of raw runs), written before any
    // check is assigned: the engine starts on a quiet database.
    const started = Date.now();
    const perAssignment = Math.ceil(RETENTION_RUNS / ASSIGNMENTS);
    await client.query(
      `INSERT INTO runs (system_id, configuration_id, environment_id, source, status, latency_ms, message, result, scheduled_for, created_at)
       SELECT p.system_id, p.configuration_id, NULL, 'Local', 'healthy', 20, '', '{"statusCode":200}',
              now() - interval '8 days' - make_interval(secs => n * 50), now() - interval '8 days' - make_interval(secs => n * 50)
         FROM (SELECT s.id AS system_id, c.id AS configuration_id FROM (SELECT id FROM systems ORDER BY name) s CROSS JOIN configurations c LIMIT $2) p,
              generate_series(1, $1) n`,
      [perAssignment, ASSIGNMENTS],
    );
    await client.query('VACUUM ANALYZE runs');
    console.error(`added ${perAssignment * ASSIGNMENTS} old runs in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  await client.query(
    `INSERT INTO assignments (system_id, configuration_id)
     SELECT s.id, c.id FROM (SELECT id FROM systems ORDER BY name) s CROSS JOIN configurations c LIMIT $1`,
    [ASSIGNMENTS],
  );
  // Planner statistics for what was just seeded, as autovacuum gives a server soon after a bulk
  // change (the local server here runs with autovacuum off). Without them the job-state read
  // found an assignment through its configuration's index, reading ~500 rows for each: 0.57 ms a
  // call against 0.06 ms. `--no-analyze` measures as before.
  if (!args.includes('--no-analyze')) await client.query('ANALYZE systems, configurations, assignments');
}

function percentile(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]! : NaN;
}

async function main() {
  const root = mkdtempSync('/tmp/vigil-bench-engine-');
  chmodSync(root, 0o755);
  const dataDir = join(root, 'data');
  const target = await startTarget();
  const children: ChildProcess[] = [];
  let databaseName: string | undefined;
  let admin: pg.Client | undefined;
  let client: pg.Client | undefined;
  let apiUrl: string | undefined;
  const streams = new AbortController();
  let streamedEvents = 0;
  try {
    if (mode === 'embedded') {
      const all = spawnVigil(['--data-dir', dataDir], SSE_CLIENTS ? BENCH_ADMIN : {});
      children.push(all);
      apiUrl = await waitForOutput(all, /listening on (\S+)/);
      client = new pg.Client({ host: join(dataDir, 'pg'), user: 'postgres', database: 'vigil' });
    } else {
      admin = new pg.Client({ connectionString: LOCAL_PG });
      await admin.connect();
      databaseName = `vigil_bench_${process.pid}`;
      await admin.query(`CREATE DATABASE ${databaseName}`);
      const url = new URL(LOCAL_PG);
      url.pathname = `/${databaseName}`;
      const env = {
        DATABASE_URL: url.toString(),
        REDIS_URL,
        VIGIL_REDIS_PREFIX: redisPrefix,
        VIGIL_SECRET_KEY: randomBytes(32).toString('base64'),
      };
      // The scheduler migrates the database first; workers start once it says it is running.
      const scheduler = spawnVigil(['--role', 'scheduler'], { ...env, LOG_LEVEL: 'info' });
      children.push(scheduler);
      await waitForOutput(scheduler, /(Scheduler started)/);
      const started = [];
      for (let i = 0; i < workers; i++) {
        const worker = spawnVigil(['--role', 'worker'], { ...env, LOG_LEVEL: 'info' });
        children.push(worker);
        started.push(waitForOutput(worker, /(Worker started)/));
      }
      await Promise.all(started);
      client = new pg.Client({ connectionString: url.toString() });
    }
    client.on('error', () => undefined); // the server going away at the end is expected
    await client.connect();
    await seed(client, target.url);
    if (SSE_CLIENTS && apiUrl) {
      const login = await fetch(`${apiUrl}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ email: BENCH_ADMIN.VIGIL_ADMIN_EMAIL, password: BENCH_ADMIN.VIGIL_ADMIN_PASSWORD }),
      });
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
      for (let i = 0; i < SSE_CLIENTS; i++) {
        const response = await fetch(`${apiUrl}/api/v1/events${SSE_QUERY ? `?${SSE_QUERY}` : ''}`, { headers: { cookie }, signal: streams.signal });
        if (response.status !== 200) throw new Error(`the event stream answered ${response.status}`);
        void (async () => {
          for await (const chunk of response.body! as unknown as AsyncIterable<Uint8Array>) streamedEvents += Buffer.from(chunk).toString().match(/^event: /gm)?.length ?? 0;
        })().catch(() => undefined);
      }
      console.error(`${SSE_CLIENTS} event-stream clients reading /api/v1/events${SSE_QUERY ? `?${SSE_QUERY}` : ''}`);
    }
    console.error(`seeded ${ASSIGNMENTS} assignments; warming up for ${WARMUP_S} s`);
    await new Promise((resolve) => setTimeout(resolve, WARMUP_S * 1000));

    let retention: Promise<string> | undefined;
    if (RETENTION_RUNS > 0 && mode !== 'embedded') {
      const url = new URL(LOCAL_PG);
      url.pathname = `/${databaseName}`;
      const cli = spawn(process.execPath, ['bin/vigil.js', 'maintenance', 'retention'], {
        env: { ...process.env, DATABASE_URL: url.toString(), VIGIL_SECRET_KEY: randomBytes(32).toString('base64'), LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      const retentionStarted = Date.now();
      retention = new Promise((resolve) => {
        let out = '';
        cli.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
        cli.once('exit', () => resolve(`${out.trim()}\n(took ${((Date.now() - retentionStarted) / 1000).toFixed(1)} s, running beside the engine)`));
      });
    }
    // What is measured: the Vigil processes' trees and, in server mode, the local PostgreSQL's
    // postmaster (the parent of this client's backend) and Redis.
    const roots = children.map((c) => c.pid!);
    if (mode !== 'embedded') {
      const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      const postmaster = parentPid(rows[0]!.pid);
      if (postmaster === undefined) console.error('PostgreSQL is not on this machine (its backend is not in /proc): its CPU is not counted');
      else roots.push(postmaster);
      for (const [pid, info] of processTable()) if (info.comm.startsWith('redis-server')) roots.push(pid);
    }
    const sessions = async () =>
      Number((await client!.query<{ n: string }>('SELECT sessions::text AS n FROM pg_stat_database WHERE datname = current_database()')).rows[0]?.n ?? NaN);
    const sessionsBefore = await sessions();
    const backendsBefore = [...descendants(roots)].length;
    const treeBefore = treeCpu(roots);
    const pids = measuredPids(children.map((c) => c.pid!), mode !== 'embedded');
    const cpuBefore = cpuSeconds(pids);
    const windowStart = new Date();
    await new Promise((resolve) => setTimeout(resolve, MEASURE_S * 1000));
    const windowEnd = new Date();
    const treeAfter = treeCpu(roots);
    const backendsAfter = [...descendants(roots)].length;
    const pidsAfter = measuredPids(children.map((c) => c.pid!), mode !== 'embedded');
    const cpuAfter = cpuSeconds(pidsAfter);
    // PostgreSQL counts a session when its backend reports statistics (at the latest ~10 s after it
    // connects), so a few of the window's connections may be counted just after it, or before.
    const sessionsInWindow = (await sessions()) - sessionsBefore;
    const tree = treeCpuDelta(treeBefore, treeAfter);
    if (SSE_CLIENTS) console.error(`events read by the ${SSE_CLIENTS} clients so far: ${streamedEvents}`);
    await new Promise((resolve) => setTimeout(resolve, 5_000)); // runs of the window's last ticks finish
    if (retention) console.error(await retention);

    const { rows } = await client.query<{ lag: number }>(
      `SELECT extract(epoch FROM (created_at - scheduled_for)) * 1000 - coalesce(latency_ms, 0) AS lag
         FROM runs WHERE scheduled_for >= $1 AND scheduled_for < $2`,
      [windowStart, windowEnd],
    );
    const lags = rows.map((r) => Number(r.lag)).sort((a, b) => a - b);
    const expected = Math.round((ASSIGNMENTS * MEASURE_S) / INTERVAL_S);
    const runsInWindow = rows.length;
    const memory = children.map((c) => `${pssMb(c.pid!).toFixed(0)}`);
    const embeddedPg = mode === 'embedded' ? measuredPids([children[0]!.pid!], false).filter((p) => p !== children[0]!.pid).reduce((s, p) => s + pssMb(p), 0) : 0;
    const perRun = (seconds: number) => ((seconds / Math.max(1, runsInWindow)) * 1000).toFixed(2);
    const named = (prefix: string) => [...tree.byName].filter(([name]) => name.startsWith(prefix)).reduce((sum, [, seconds]) => sum + seconds, 0);
    const vigilCpu = named('node');
    const postgresCpu = named('postgres');
    const redisCpu = named('redis-server');
    const otherCpu = tree.seconds - vigilCpu - postgresCpu - redisCpu;
    const parts = [`Vigil ${perRun(vigilCpu)}`, `PostgreSQL ${perRun(postgresCpu)}`];
    if (mode !== 'embedded') parts.push(`Redis ${perRun(redisCpu)}`);
    if (Math.abs(otherCpu) >= 0.01) parts.push(`other ${perRun(otherCpu)}`);
    console.error(
      `CPU over the ${MEASURE_S} s window: ${tree.seconds.toFixed(2)} s counted with reaped children (${perRun(tree.seconds)} ms per run), ` +
        `${(cpuAfter - cpuBefore).toFixed(2)} s by the old accounting (${perRun(cpuAfter - cpuBefore)} ms per run); ` +
        `PostgreSQL sessions opened in the window: ${sessionsInWindow}; processes measured at start/end: ${backendsBefore}/${backendsAfter}`,
    );

    console.log(`| ${mode}${mode === 'embedded' ? '' : ` (${workers} worker${workers > 1 ? 's' : ''})`}${SSE_CLIENTS ? `, ${SSE_CLIENTS} event streams${SSE_QUERY ? ` ?${SSE_QUERY}` : ''}` : ''} | ${ASSIGNMENTS} × ${INTERVAL_S} s | ${(runsInWindow / MEASURE_S).toFixed(0)} | ${percentile(lags, 0.5).toFixed(0)} ms | ${percentile(lags, 0.99).toFixed(0)} ms | ${Math.max(0, expected - runsInWindow)} of ${expected} | ${perRun(tree.seconds)} ms (${parts.join(', ')}) | ${sessionsInWindow} | ${memory.join(' + ')} MB${embeddedPg ? ` + PostgreSQL ${embeddedPg.toFixed(0)} MB` : ''} |`);
  } finally {
    streams.abort();
    await client?.end().catch(() => undefined);
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : child.once('exit', resolve)))));
    target.child.kill();
    if (mode !== 'embedded') await deleteRedisPrefix(REDIS_URL, redisPrefix);
    if (admin && databaseName) {
      await admin.query(`DROP DATABASE IF EXISTS ${databaseName} WITH (FORCE)`);
      await admin.end();
    }
    rmSync(root, { recursive: true, force: true });
  }
}

console.log('| mode | load | runs/s | lag p50 | lag p99 | missed ticks | CPU per run (all processes, reaped children included) | PostgreSQL sessions opened | memory (PSS) |');
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
await main();
