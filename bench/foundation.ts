/**
 * Foundation figures (issue 11): start to /readyz on the embedded default (first start on an empty
 * data dir, then a restart), idle memory of Vigil plus its PostgreSQL (sum of PSS), and
 * POST /systems + GET /systems/{id} round trips per second on the embedded server and on the
 * local PostgreSQL. Loopback only; every loop is bounded in count and time.
 *
 *   node bin/run-ts.js bench/foundation.ts
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { descendants, pssMb, startUntilReady, stopProcess } from './processes.ts';

const LOCAL_PG = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** PSS in MB of a process and all its descendants (Vigil and the embedded PostgreSQL's processes). */
function treePssMb(root: number): number {
  let mb = 0;
  for (const pid of descendants([root])) mb += pssMb(pid);
  return mb;
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
    const first = await startUntilReady(['--data-dir', dataDir]);
    rows.push(['embedded: first start (empty data dir) → /readyz 200', `${(first.readyMs / 1000).toFixed(2)} s`, '≤ 3 s']);
    await stopProcess(first.child);

    const restart = await startUntilReady(['--data-dir', dataDir]);
    rows.push(['embedded: restart → /readyz 200', `${(restart.readyMs / 1000).toFixed(2)} s`, '≤ 1.5 s']);
    await new Promise((resolve) => setTimeout(resolve, 5_000));
    rows.push(['embedded: idle memory, Vigil + PostgreSQL (sum of PSS)', `${treePssMb(restart.child.pid!).toFixed(0)} MB`, '≤ 200 MB']);
    rows.push(['embedded: POST /systems + GET /systems/{id}, 4 clients', `${(await roundTrips(restart.url)).toFixed(0)} pairs/s`, 'sanity']);
    await stopProcess(restart.child);

    const admin = new pg.Client({ connectionString: LOCAL_PG });
    const reachable = await admin.connect().then(() => true, () => false);
    if (reachable) {
      const name = `vigil_bench_${process.pid}`;
      await admin.query(`CREATE DATABASE ${name}`);
      try {
        const url = new URL(LOCAL_PG);
        url.pathname = `/${name}`;
        const server = await startUntilReady(['--data-dir', dataDir], { DATABASE_URL: url.toString(), VIGIL_SECRET_KEY: randomBytes(32).toString('base64') });
        rows.push(['local PostgreSQL: POST /systems + GET /systems/{id}, 4 clients', `${(await roundTrips(server.url)).toFixed(0)} pairs/s`, 'sanity']);
        await stopProcess(server.child);
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
