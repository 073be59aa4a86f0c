import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type Database } from '../src/db/database.ts';
import { EmbeddedPostgres } from '../src/db/embedded.ts';
import { createMemoryBus } from '../src/events/bus.ts';
import { OutboxRelay } from '../src/events/outbox.ts';
import { HELD, HealthRecorder, type RunRecord } from '../src/health/recorder.ts';
import { silentLogger } from '../src/kernel/log.ts';
import { waitFor } from './support/wait.ts';

/**
 * Issue 25: plain runs commit without waiting for the disk, and PostgreSQL flushes such commits
 * within ~0.6 s. When the server crashes before that (its postmaster killed with SIGKILL), those
 * commits are gone — 52 runs in bench/embedded-chaos.ts before this was handled. The recorder
 * remembers its last 5 s of commits and writes them again when the server drops its
 * connections: after the crash every run it was given is stored, once. That includes a batch whose
 * commit answer arrives together with its connection's end (the backend outlives its killed
 * postmaster long enough to commit and answer). That race shows in about one run of this test in
 * three; before it was handled, CI lost such a batch's 20 runs.
 */

const root = mkdtempSync('/tmp/vigil-crash-');
chmodSync(root, 0o755);
let server: EmbeddedPostgres;
let database: Database;
let recorder: HealthRecorder;
const SYSTEMS = 20;
let systemIds: string[] = [];
let configurationId: string;

beforeAll(async () => {
  // A server of the file's own, started again by its supervisor when killed, as the embedded default's is.
  server = new EmbeddedPostgres({ dataDir: join(root, 'server'), log: silentLogger() });
  await server.start();
  database = await openDatabase({ embedded: server, dataDir: join(root, 'server'), log: silentLogger() });
  systemIds = (await database.pool.query<{ id: string }>(`INSERT INTO systems (name) SELECT 'crash-' || i FROM generate_series(1, $1) i RETURNING id`, [SYSTEMS])).rows.map((r) => r.id);
  configurationId = (await database.pool.query<{ id: string }>(`INSERT INTO configurations (name, strategy, config, interval_seconds) VALUES ('crash-tcp', 'tcp', '{"host":"127.0.0.1","port":9}', 1) RETURNING id`)).rows[0]!.id;
  await database.pool.query(`INSERT INTO assignments (system_id, configuration_id) SELECT unnest($1::uuid[]), $2`, [systemIds, configurationId]);
  const bus = createMemoryBus();
  recorder = new HealthRecorder(database, new OutboxRelay(database.pool, bus, silentLogger()), bus, silentLogger());
}, 120_000);

afterAll(async () => {
  await recorder?.drain();
  await database?.close(); // stops the server too
  rmSync(root, { recursive: true, force: true });
}, 60_000);

describe('the database server crashing under a stream of runs', () => {
  it('stores every run it was given, once: the commits the crash took are written again', async () => {
    const base = Date.now() - 3_600_000;
    const given: RunRecord[] = [];
    const answers: Promise<string | undefined | typeof HELD>[] = [];
    const record = (tick: number) => {
      for (const systemId of systemIds) {
        const run: RunRecord = {
          systemId, configurationId, environmentId: null, source: 'Local', status: 'healthy', latencyMs: 1, message: 'ok',
          result: { connected: true }, scheduledFor: new Date(base + tick * 1_000), at: new Date(),
        };
        given.push(run);
        answers.push(recorder.recordRun(run, { holdIfDown: true }));
      }
    };
    // 20 runs every 20 ms (1,000 a second) for 1.5 s; the postmaster killed in the middle; 1.5 s more.
    let tick = 0;
    const killAt = 40;
    while (tick < 150) {
      record(tick++);
      if (tick === killAt) process.kill(Number(readFileSync(join(root, 'server', 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]), 'SIGKILL');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await Promise.all(answers);
    // The server comes back (its supervisor), and what was held is written.
    await waitFor(async () => recorder.heldState().held === 0 && (await database.pool.query('SELECT 1').then(() => true, () => false)), 60_000, 'the server back and the held runs written');
    await recorder.drain();
    const { rows } = await database.pool.query<{ n: number; ticks: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT (system_id, scheduled_for))::int AS ticks FROM runs WHERE configuration_id = $1`,
      [configurationId],
    );
    expect(rows[0]).toEqual({ n: given.length, ticks: given.length });
  }, 120_000);
});
