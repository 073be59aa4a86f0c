/**
 * Start-up on the embedded default: first start on an empty data dir → /readyz 200, and restart →
 * /readyz 200, for the compiled JavaScript `vigil start` runs (dist/) and, for comparison, the
 * same sources transpiled at start by tsx (how Vigil ran before it shipped compiled code).
 * Five of each; medians. Loopback only.
 *
 *   node bin/run-ts.js bench/startup.ts
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { waitForOutput } from './processes.ts';

const ROUNDS = 5;
const root = new URL('..', import.meta.url).pathname;
const ways: { name: string; argv: string[] }[] = [
  { name: 'compiled (dist/, what `vigil start` runs)', argv: [join(root, 'bin/vigil.js')] },
  { name: 'transpiled at start (tsx, before)', argv: ['--import', 'tsx', join(root, 'src/cli/main.ts')] },
];

function spawnStart(argv: string[], dataDir: string): ChildProcess {
  const { DATABASE_URL: _d, REDIS_URL: _r, ...inherited } = process.env;
  return spawn(process.execPath, [...argv, 'start', '--port', '0', '--data-dir', dataDir], {
    cwd: root,
    env: { ...inherited, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

async function timeToReady(argv: string[], dataDir: string): Promise<{ ms: number; child: ChildProcess }> {
  const started = performance.now();
  const child = spawnStart(argv, dataDir);
  const url = await waitForOutput(child, /listening on (\S+)/);
  for (let i = 0; i < 3000; i++) {
    if (await fetch(`${url}/readyz`).then((r) => r.status === 200, () => false)) return { ms: performance.now() - started, child };
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  throw new Error('never ready');
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

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
      const a = await timeToReady(way.argv, dataDir);
      first.push(a.ms);
      await stop(a.child);
      const b = await timeToReady(way.argv, dataDir);
      restart.push(b.ms);
      await stop(b.child);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const s = (ms: number) => (ms / 1000).toFixed(2);
  console.log(`| ${way.name} | ${s(median(first))} s | ${s(median(restart))} s | ${restart.map(s).join(', ')} |`);
}
