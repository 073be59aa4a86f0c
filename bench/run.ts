/**
 * `npm run bench`: every benchmark in turn, each in its own process (so one's memory and CPU do
 * not colour the next), printing the markdown tables bench/RESULTS.md records. Needs the local
 * PostgreSQL (127.0.0.1:5432) and Redis (127.0.0.1:6379) for the server-mode rows.
 *
 *   npm run bench                 all of them (about 15 minutes)
 *   npm run bench -- engine       only those whose name contains "engine"
 */
import { spawnSync } from 'node:child_process';
import { cpus, totalmem } from 'node:os';

const runner = new URL('../bin/run-ts.js', import.meta.url).pathname;
const benches: { name: string; args: string[] }[] = [
  { name: 'foundation', args: ['bench/foundation.ts'] },
  { name: 'startup', args: ['bench/startup.ts'] },
  { name: 'http-checks', args: ['bench/http-checks.ts'] },
  { name: 'scheduling-memory', args: ['bench/scheduling.ts', 'memory'] },
  { name: 'scheduling-bullmq', args: ['bench/scheduling.ts', 'bullmq'] },
  { name: 'evaluation', args: ['bench/evaluation.ts', '7'] },
  { name: 'history', args: ['bench/history.ts'] },
  { name: 'status-page', args: ['bench/status-page.ts'] },
  { name: 'retention', args: ['bench/retention.ts'] },
  { name: 'automation', args: ['bench/automation.ts'] },
  { name: 'notifications', args: ['bench/notifications.ts'] },
  { name: 'heartbeats', args: ['bench/heartbeats.ts'] },
  { name: 'gitops', args: ['bench/gitops.ts'] },
  { name: 'satellites', args: ['bench/satellites.ts'] },
  { name: 'engine-embedded', args: ['bench/engine.ts', 'embedded'] },
  { name: 'engine-redis-1', args: ['bench/engine.ts', 'redis', '1'] },
  { name: 'engine-redis-2', args: ['bench/engine.ts', 'redis', '2'] },
  { name: 'outage', args: ['bench/outage.ts'] },
  { name: 'kill', args: ['bench/kill.ts'] },
  { name: 'embedded-chaos', args: ['bench/embedded-chaos.ts'] },
  { name: 'ui', args: ['bench/ui.ts'] },
];

const filter = process.argv[2];
console.log(`# ${new Date().toISOString().slice(0, 10)} — ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}\n`);
let failed = 0;
for (const bench of benches.filter((b) => !filter || b.name.includes(filter))) {
  console.log(`## ${bench.name}\n`);
  const result = spawnSync(process.execPath, [runner, ...bench.args], { stdio: 'inherit', timeout: 15 * 60_000 });
  if (result.status !== 0) {
    failed++;
    console.log(`\n${bench.name} failed (${result.status ?? result.signal})`);
  }
  console.log('');
}
process.exit(failed ? 1 : 0);
