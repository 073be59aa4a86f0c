/**
 * Start-up on the embedded default: first start on an empty data dir → /readyz 200, and restart →
 * /readyz 200, for the compiled JavaScript `vigil start` runs (dist/) and, for comparison, the
 * same sources transpiled at start by tsx (how Vigil ran before it shipped compiled code).
 * Five of each; medians. Loopback only.
 *
 * Then (issue 25) a restart with ASSIGNMENTS (default 10,000) assignments in the database, compiled:
 * the scheduler must not delay readiness.
 *
 *   node bin/run-ts.js bench/startup.ts [--assignments N]
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { startUntilReady, stopProcess } from './processes.ts';

const assignmentsAt = process.argv.indexOf('--assignments');
const ASSIGNMENTS = assignmentsAt >= 0 ? Number(process.argv[assignmentsAt + 1]) : 10_000;

const ROUNDS = 5;
const root = new URL('..', import.meta.url).pathname;
const ways: { name: string; entry: string[] }[] = [
  { name: 'compiled (dist/, what `vigil start` runs)', entry: [join(root, 'bin/vigil.js')] },
  { name: 'transpiled at start (tsx, before)', entry: ['--import', 'tsx', join(root, 'src/cli/main.ts')] },
];

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

console.log('| how Vigil runs | first start → /readyz (median of 5) | restart → /readyz (median of 5) | all restarts (s) |');
console.log('| --- | --- | --- | --- |');
for (const way of ways) {
  const first: number[] = [];
  const restart: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    const dir = mkdtempSync('/tmp/vigil-bench-start-');
    chmodSync(dir, 0o755);
    try {
      const dataDir = join(dir, 'data');
      const a = await startUntilReady(['--data-dir', dataDir], {}, way.entry);
      first.push(a.readyMs);
      await stopProcess(a.child);
      const b = await startUntilReady(['--data-dir', dataDir], {}, way.entry);
      restart.push(b.readyMs);
      await stopProcess(b.child);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const s = (ms: number) => (ms / 1000).toFixed(2);
  console.log(`| ${way.name} | ${s(median(first))} s | ${s(median(restart))} s | ${restart.map(s).join(', ')} |`);
}

{
  // Restart with a full schedule: N assignments (10 checks × N/10 systems) against a closed local port.
  const restart: number[] = [];
  for (let round = 0; round < 3; round++) {
    const dir = mkdtempSync('/tmp/vigil-bench-start-');
    chmodSync(dir, 0o755);
    try {
      const dataDir = join(dir, 'data');
      const a = await startUntilReady(['--data-dir', dataDir], {}, ways[0]!.entry);
      const client = new pg.Client({ host: join(dataDir, 'pg'), user: 'postgres', database: 'vigil' });
      await client.connect();
      await client.query(`INSERT INTO systems (name) SELECT 'start-' || i FROM generate_series(1, $1) i`, [Math.ceil(ASSIGNMENTS / 10)]);
      await client.query(
        `INSERT INTO configurations (name, strategy, config, interval_seconds) SELECT 'start-check-' || i, 'http', '{"url":"http://127.0.0.1:9/","timeout":1000}', 30 FROM generate_series(1, 10) i`,
      );
      await client.query(`INSERT INTO assignments (system_id, configuration_id) SELECT s.id, c.id FROM systems s CROSS JOIN configurations c LIMIT $1`, [ASSIGNMENTS]);
      await client.end();
      await stopProcess(a.child);
      const b = await startUntilReady(['--data-dir', dataDir], {}, ways[0]!.entry);
      restart.push(b.readyMs);
      await stopProcess(b.child);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const s = (ms: number) => (ms / 1000).toFixed(2);
  console.log(`| compiled, restart with ${ASSIGNMENTS.toLocaleString('en')} assignments | — | ${s(median(restart))} s (median of 3) | ${restart.map(s).join(', ')} |`);
}
