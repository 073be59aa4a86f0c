/**
 * What the benchmarks share about processes: starting Vigil the way a user does, waiting for what
 * it prints, and reading CPU time and memory of process trees from /proc (Linux).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { Redis } from 'ioredis';

const bin = new URL('../bin/vigil.js', import.meta.url).pathname;
const CLOCK_TICKS = 100;

/**
 * `vigil start --port 0 <argv>` with its own settings only (none inherited from the shell).
 * `entry`: what node runs instead of bin/vigil.js (e.g. `--import tsx src/cli/main.ts`).
 */
export function spawnVigil(argv: string[], env: Record<string, string> = {}, nodeArgs: string[] = [], entry: string[] = [bin]): ChildProcess {
  const { DATABASE_URL: _d, REDIS_URL: _r, ...inherited } = process.env;
  return spawn(process.execPath, [...nodeArgs, ...entry, 'start', '--port', '0', ...argv], {
    env: { ...inherited, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

/** Starts Vigil and resolves once /readyz answers 200, with how long that took since the spawn. */
export async function startUntilReady(
  argv: string[],
  env: Record<string, string> = {},
  entry?: string[],
): Promise<{ child: ChildProcess; url: string; readyMs: number }> {
  const started = performance.now();
  const child = spawnVigil(argv, env, [], entry);
  const url = await waitForOutput(child, /listening on (\S+)/);
  for (let i = 0; i < 3000; i++) {
    if (await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false)) return { child, url, readyMs: performance.now() - started };
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('never ready');
}

/** SIGTERM, and wait for the exit. */
export async function stopProcess(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Resolves with the first group of `pattern` (or the whole match) once the child prints it. */
export function waitForOutput(child: ChildProcess, pattern: RegExp, timeoutMs = 60_000): Promise<string> {
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${pattern}: ${output}`)), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited (${code}) before printing ${pattern}: ${output}`));
    });
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = pattern.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] ?? match[0]);
      }
    });
  });
}

export interface ProcessInfo {
  ppid: number;
  comm: string;
  /** Its own user + system time (utime + stime). */
  cpuTicks: number;
  /** User + system time of its children that ended and that it reaped (cutime + cstime). */
  reapedTicks: number;
}

export function processTable(): Map<number, ProcessInfo> {
  const table = new Map<number, ProcessInfo>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      // Fields 14–17 of proc(5) (counted from 1, pid first): utime, stime, cutime, cstime.
      table.set(Number(entry), {
        ppid: Number(fields[1]),
        comm,
        cpuTicks: Number(fields[11]) + Number(fields[12]),
        reapedTicks: Number(fields[13]) + Number(fields[14]),
      });
    } catch {
      // ended meanwhile
    }
  }
  return table;
}

/** The roots and every process below them (Vigil and its embedded PostgreSQL's processes). */
export function descendants(roots: number[], table = processTable()): Set<number> {
  const pids = new Set(roots);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, info] of table) {
      if (pids.has(info.ppid) && !pids.has(pid)) {
        pids.add(pid);
        grew = true;
      }
    }
  }
  return pids;
}

/**
 * Own CPU of the given processes, as alive now. Over a window this misses every process that ends
 * inside it (and counts a process ending inside it as negative): fine for one long-lived process,
 * wrong for a tree that forks and reaps, such as PostgreSQL's — use `treeCpu` for those.
 */
export function cpuSeconds(pids: Iterable<number>): number {
  const table = processTable();
  let ticks = 0;
  for (const pid of pids) ticks += table.get(pid)?.cpuTicks ?? 0;
  return ticks / CLOCK_TICKS;
}

/** CPU seconds of a process tree so far, in all and by process name (`comm`: node, postgres, …). */
export interface TreeCpu {
  seconds: number;
  byName: Map<string, number>;
}

/**
 * The CPU spent so far by every process under `roots` (roots included), counting for each live one
 * its own time plus the time of its children that ended and that it reaped (utime + stime + cutime +
 * cstime). Why this and not the live processes' own time: PostgreSQL forks a backend per
 * connection, and a backend that starts and ends between two readings of /proc is in neither; one
 * alive at the start and gone at the end even subtracts what it had used. When a process ends, its
 * parent reaps it and the kernel adds the child's whole time (its own and its reaped descendants')
 * to the parent's cutime/cstime — the postmaster reaps every backend — so this sum only moves
 * forward and a child's time is never in two places (a live process is in nobody's cutime). The
 * difference of two readings is therefore every cycle spent in the tree between them, as long as
 * the roots themselves live through the window. What it cannot see: a child reaped by a process
 * outside the tree (an orphan adopted by init), and CPU of a child not yet reaped when it ended
 * (a zombie still shows its own time here, so that is counted too).
 */
export function treeCpu(roots: Iterable<number>, table = processTable()): TreeCpu {
  const byName = new Map<string, number>();
  let ticks = 0;
  for (const pid of descendants([...roots], table)) {
    const info = table.get(pid);
    if (!info) continue; // a root that has ended
    const own = info.cpuTicks + info.reapedTicks;
    ticks += own;
    byName.set(info.comm, (byName.get(info.comm) ?? 0) + own / CLOCK_TICKS);
  }
  return { seconds: ticks / CLOCK_TICKS, byName };
}

/** `after − before` of two `treeCpu` readings of the same roots. */
export function treeCpuDelta(before: TreeCpu, after: TreeCpu): TreeCpu {
  const byName = new Map<string, number>();
  for (const name of new Set([...before.byName.keys(), ...after.byName.keys()])) {
    byName.set(name, (after.byName.get(name) ?? 0) - (before.byName.get(name) ?? 0));
  }
  return { seconds: after.seconds - before.seconds, byName };
}

/** The parent of a process (e.g. the postmaster, from a backend's `SELECT pg_backend_pid()`), or undefined. */
export function parentPid(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined; // ended, or not on this machine
  }
}

export function pssMb(pid: number): number {
  try {
    return Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0) / 1024;
  } catch {
    return 0;
  }
}

/** `--name N` from this benchmark's command line, as a number, or `fallback`. */
export function numberOption(name: string, fallback: number, args = process.argv.slice(2)): number {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
}

/**
 * An HTTP target in a child process: `/ok` answers 200; `/flip` answers 200 or 500, turned over by
 * each `POST /flip` (a fleet whose health changes while the benchmark breaks things).
 */
export async function startFlippingTargets(): Promise<{ child: ChildProcess; base: string }> {
  const script = `
    const http = require('node:http');
    let down = false;
    const server = http.createServer((req, res) => {
      if (req.method === 'POST' && req.url === '/flip') { down = !down; res.end(String(down)); return; }
      res.writeHead(req.url === '/flip' && down ? 500 : 200, { 'content-type': 'application/json' }); res.end('{}');
    });
    server.listen(0, '127.0.0.1', () => console.log('targets on http://127.0.0.1:' + server.address().port));`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  return { child, base: await waitForOutput(child, /targets on (\S+)/) };
}

/**
 * Since $1, the systems' rollup transitions, those repeating the status before them (a duplicate),
 * and the change events: one per transition when each real change is recorded and announced once.
 */
export const HEALTH_CHANGES_SQL = `WITH t AS (SELECT system_id, to_status, lag(to_status) OVER (PARTITION BY system_id ORDER BY seq) AS before
        FROM transitions WHERE environment_id IS NULL AND transitioned_at >= $1)
 SELECT (SELECT count(*)::int FROM t) AS transitions,
        (SELECT count(*)::int FROM t WHERE before = to_status) AS repeated,
        (SELECT count(*)::int FROM outbox WHERE topic = 'healthcheck.system_health_changed' AND created_at >= $1) AS events`;

export interface HealthChanges {
  transitions: number;
  repeated: number;
  events: number;
}

/**
 * Each gap in a check's ticks due in [$1, $2) with interval $3 seconds: the system, the last tick
 * recorded before it, and how many ticks are missing after that one. Ticks at the window's edges
 * that were never recorded at all do not show.
 */
export const TICK_GAPS_SQL = `SELECT system_id::text AS system, scheduled_for AS t, (round(extract(epoch FROM next - scheduled_for) / $3) - 1)::int AS missing
  FROM (SELECT system_id, scheduled_for, lead(scheduled_for) OVER (PARTITION BY system_id, configuration_id ORDER BY scheduled_for) AS next
          FROM runs WHERE scheduled_for >= $1) r
 WHERE next - scheduled_for > make_interval(secs => $3 * 1.5) AND scheduled_for < $2
 ORDER BY scheduled_for`;

export interface TickGap {
  system: string;
  t: Date;
  missing: number;
}

/** Deletes a benchmark's Redis keys (its queue's schedules and jobs): the next run starts from an empty prefix. */
export async function deleteRedisPrefix(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    for await (const keys of redis.scanStream({ match: `${prefix}:*`, count: 1_000 })) if ((keys as string[]).length) await redis.unlink(...(keys as string[]));
  } finally {
    redis.disconnect();
  }
}
