/**
 * Configuration as code at scale (issue 22): apply, diff and export of 100, 1,000 and 5,000
 * documents on the embedded default (a fresh embedded PostgreSQL under a temporary directory),
 * through GitopsService — the code POST /api/v1/apply runs, minus HTTP. The documents: 3
 * environments, one System per five documents, the rest Healthchecks (http), each system assigned
 * five healthchecks in two environments: 5,000 documents = 1,000 systems × 5 checks.
 *
 *   node bin/run-ts.js bench/gitops.ts [sizes=100,1000,5000] [local]    (local: the local PostgreSQL instead)
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServices } from '../src/app.ts';
import { openDatabase, type Database } from '../src/db/database.ts';
import { createMemoryBus } from '../src/events/bus.ts';
import type { ApplyDocument } from '../src/gitops/apply.ts';
import { silentLogger } from '../src/kernel/log.ts';
import { createMemoryQueue } from '../src/queue/memory.ts';
import { createBenchDatabase } from './database.ts';

const SIZES = (process.argv[2] ?? '100,1000,5000').split(',').map(Number);
const LOCAL = process.argv[3] === 'local';

function documents(total: number): ApplyDocument[] {
  const doc = (kind: string, name: string, spec: Record<string, unknown>): ApplyDocument => ({ apiVersion: 'vigil/v1', kind, metadata: { name }, spec });
  const environments = ['production', 'staging', 'canary'].map((name) => doc('Environment', name, { fields: { baseUrl: `http://127.0.0.1:9/${name}` } }));
  const systems = Math.max(1, Math.floor(total / 5));
  const checks = total - systems - environments.length;
  const healthchecks = Array.from({ length: checks }, (_, i) =>
    doc('Healthcheck', `check-${i}`, { strategy: 'http', intervalSeconds: 60, config: { url: `{{ environment.baseUrl }}/health/${i}` }, assertions: ['statusCode == 200'] }),
  );
  const systemDocs = Array.from({ length: systems }, (_, s) =>
    doc('System', `system-${s}`, {
      description: `System ${s}`,
      environments: ['production', 'staging'],
      healthchecks: Array.from({ length: Math.min(5, checks) }, (_, k) => ({ ref: `check-${(s * 5 + k) % checks}` })),
    }),
  );
  return [...environments, ...healthchecks, ...systemDocs];
}

async function measure<T>(work: () => Promise<T>): Promise<{ ms: number; result: T }> {
  const started = performance.now();
  const result = await work();
  return { ms: performance.now() - started, result };
}

async function main() {
  const log = silentLogger();
  console.log(`| documents | apply (empty server) | apply again (no change) | diff after 1 change | export | resources written |`);
  console.log(`| --- | --- | --- | --- | --- | --- |`);
  for (const size of SIZES) {
    let database: Database;
    let drop: () => Promise<void>;
    if (LOCAL) ({ database, drop } = await createBenchDatabase(`gitops_${size}`));
    else {
      const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-gitops-'));
      chmodSync(dir, 0o755);
      database = await openDatabase({ dataDir: dir, log });
      drop = async () => {
        await database.close();
        rmSync(dir, { recursive: true, force: true });
      };
    }
    const queue = createMemoryQueue();
    try {
      const services = createServices(database, createMemoryBus(), log, randomBytes(32), queue);
      const docs = documents(size);
      const first = await measure(() => services.gitops.apply(docs));
      if (first.result.summary.create !== docs.length) throw new Error(`expected ${docs.length} creates, got ${JSON.stringify(first.result.summary)}`);
      const again = await measure(() => services.gitops.apply(docs));
      if (again.result.summary.unchanged !== docs.length) throw new Error(`expected no change, got ${JSON.stringify(again.result.summary)}`);
      const changed = docs.map((document) => (document.metadata.name === 'system-0' ? { ...document, spec: { ...document.spec, description: 'changed' } } : document));
      const diff = await measure(() => services.gitops.apply(changed, { dryRun: true }));
      if (diff.result.summary.update !== 1) throw new Error(`expected one update, got ${JSON.stringify(diff.result.summary)}`);
      const exported = await measure(() => services.gitops.export());
      if (exported.result.length !== docs.length) throw new Error(`expected ${docs.length} exported documents, got ${exported.result.length}`);
      const { rows } = await database.pool.query(`SELECT (SELECT count(*) FROM systems) + (SELECT count(*) FROM configurations) + (SELECT count(*) FROM assignments) + (SELECT count(*) FROM environments) AS n`);
      const s = (ms: number) => (ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`);
      console.log(`| ${size.toLocaleString('en')} | ${s(first.ms)} | ${s(again.ms)} | ${s(diff.ms)} | ${s(exported.ms)} | ${Number(rows[0].n).toLocaleString('en')} |`);
    } finally {
      await queue.close();
      await drop();
    }
  }
}

await main();
process.exit(0);
