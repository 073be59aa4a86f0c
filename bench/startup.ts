/**
 * Start-up on the embedded default: first start on an empty data dir → /readyz 200, and restart →
 * /readyz 200, for the compiled JavaScript `vigil start` runs (dist/) and, for comparison, the
 * same sources transpiled at start by tsx (how Vigil ran before it shipped compiled code).
 * Five of each; medians. Loopback only.
 *
 *   node bin/run-ts.js bench/startup.ts
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startUntilReady, stopProcess } from './processes.ts';

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
