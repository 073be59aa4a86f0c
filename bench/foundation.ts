/**
 * Foundation figures (issue 11): start to /readyz on the embedded default (first start on an empty
 * data dir, then a restart), idle memory of Vigil plus its PostgreSQL (sum of PSS), and
 * POST /systems + GET /systems/{id} round trips per second on the embedded server and on the
 * local PostgreSQL. Loopback only; every loop is bounded in count and time.
 *
 *   node bin/run-ts.js bench/foundation.ts
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';

const bin = new URL('../bin/vigil.js', import.meta.url).pathname;
const LOCAL_PG = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

interface Started {
  child: ChildProcess;
  url: string;
  readyMs: number;
}

async function startVigil(dataDir: string, env: Record<string, string> = {}): Promise<Started> {
  const started = performance.now();
  const { DATABASE_URL: _d, REDIS_URL: _r, ...inherited } = process.env;
  const child = spawn(process.execPath, [bin, 'start', '--port', '0', '--data-dir', dataDir], {
    env: { ...inherited, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => {
      output += chunk;
      const match = /listening on (\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`vigil exited ${code}: ${output}`)));
  });
  for (let i = 0; i < 600; i++) {
    const ready = await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false);
    if (ready) return { child, url, readyMs: performance.now() - started };
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error('never ready');
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** PSS in MB of a process and all its descendants (Vigil and the embedded PostgreSQL's processes). */
function treePssMb(root: number): number {
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parents.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // the process ended meanwhile
    }
  }
  const tree = new Set([root]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const [pid, parent] of parents) {
      if (tree.has(parent) && !tree.has(pid)) {
        tree.add(pid);
        grew = true;
      }
    }
  }
  let kb = 0;
  for (const pid of tree) {
    try {
      kb += Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
    } catch {
      // gone
    }
  }
  return kb / 1024;
}

async function roundTrips(url: string, seconds = 10, maxPairs = 20_000): Promise<number> {
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  let pairs = 0;
  // Four clients at once: a small team's dashboard plus automation, not a load test.
  await Promise.all(
    Array.from({ length: 4 }, async (_, worker) => {
      while (performance.now() < deadline && pairs < maxPairs) {
        const created = await fetch(`${url}/api/v1/systems`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: `bench-${worker}-${pairs}-${Math.random()}` }),
        });
        const { id } = (await created.json()) as { id: string };
        const read = await fetch(`${url}/api/v1/systems/${id}`);
        if (read.status !== 200) throw new Error(`GET returned ${read.status}`);
        await read.arrayBuffer();
        pairs++;
      }
    }),
  );
  return pairs / ((performance.now() - started) / 1000);
}

async function main() {
  const root = mkdtempSync('/tmp/vigil-bench-');
  chmodSync(root, 0o755);
  const dataDir = join(root, 'data');
  const rows: string[][] = [];
  try {
    const first = await startVigil(dataDir);
    rows.push(['embedded: first start (empty data dir) → /readyz 200', `${(first.readyMs / 1000).toFixed(2)} s`, '≤ 3 s']);
    await stop(first.child);

    const restart = await startVigil(dataDir);
    rows.push(['embedded: restart → /readyz 200', `${(restart.readyMs / 1000).toFixed(2)} s`, '≤ 1.5 s']);
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    rows.push(['embedded: idle memory, Vigil + PostgreSQL (sum of PSS)', `${treePssMb(restart.child.pid!).toFixed(0)} MB`, '≤ 200 MB']);
    rows.push(['embedded: POST /systems + GET /systems/{id}, 4 clients', `${(await roundTrips(restart.url)).toFixed(0)} pairs/s`, 'sanity']);
    await stop(restart.child);

    const admin = new pg.Client({ connectionString: LOCAL_PG });
    const reachable = await admin.connect().then(() => true, () => false);
    if (reachable) {
      const name = `vigil_bench_${process.pid}`;
      await admin.query(`CREATE DATABASE ${name}`);
      try {
        const url = new URL(LOCAL_PG);
        url.pathname = `/${name}`;
        const server = await startVigil(dataDir, { DATABASE_URL: url.toString(), VIGIL_SECRET_KEY: randomBytes(32).toString('base64') });
        rows.push(['local PostgreSQL: POST /systems + GET /systems/{id}, 4 clients', `${(await roundTrips(server.url)).toFixed(0)} pairs/s`, 'sanity']);
        await stop(server.child);
      } finally {
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await admin.end();
      }
    } else {
      rows.push(['local PostgreSQL', 'not reachable', '']);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  console.log('| figure | measured | target |\n| --- | --- | --- |');
  for (const row of rows) console.log(`| ${row.join(' | ')} |`);
}

await main();
