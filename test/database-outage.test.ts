import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedPostgres } from '../src/db/embedded.ts';
import { silentLogger } from '../src/kernel/log.ts';
import { startFlipTarget, type FlipTarget } from './support/flip-target.ts';
import { waitFor } from './support/wait.ts';
import { apiCreate, startVigil, type VigilProcess } from './support/vigil-process.ts';

/**
 * Issue 25: the database goes away and comes back. Vigil runs against a PostgreSQL server this file
 * owns (the embedded binaries, on a socket of its own) and stops for OUTAGE_MS while a target turns
 * bad: the checks go on, their runs are held in memory, /readyz says why it is not ready, and when
 * the server is back every run and every transition of the outage is recorded once, in tick order,
 * and nothing committed before it is lost. (bench/outage.ts measures a 60 s outage.)
 */

const OUTAGE_MS = 12_000;
const root = mkdtempSync('/tmp/vigil-outage-');
chmodSync(root, 0o755);
let server: EmbeddedPostgres;
let vigil: VigilProcess;
let target: FlipTarget;
let db: () => pg.Client;
let systemId: string;
let configurationId: string;

const post = (path: string, body: unknown) => apiCreate(vigil.url, path, body);
const query = async <T>(sql: string, params: unknown[] = []): Promise<T[]> => {
  const client = db();
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
};
const readiness = async () => {
  const response = await fetch(`${vigil.url}/readyz`);
  return { status: response.status, body: (await response.json()) as { status: string; reason?: string } };
};

beforeAll(async () => {
  server = new EmbeddedPostgres({ dataDir: join(root, 'server'), log: silentLogger() });
  await server.start();
  const config = server.connectionConfig('vigil');
  db = () => new pg.Client(config);
  target = await startFlipTarget(200);
  vigil = await startVigil(['--data-dir', join(root, 'vigil')], { DATABASE_URL: `postgres://postgres@${encodeURIComponent(String(config.host))}/vigil`, VIGIL_SECRET_KEY: randomBytes(32).toString('base64') }, 60_000);
  systemId = (await post('/api/v1/systems', { name: 'through-the-outage' })).id;
  configurationId = (await post('/api/v1/configurations', { name: 'outage-http', strategy: 'http', config: { url: target.url, timeout: 2_000 }, assertions: ['statusCode == 200'], intervalSeconds: 1 })).id;
  await post('/api/v1/assignments', { systemId, configurationId });
}, 120_000);

afterAll(async () => {
  await vigil?.stop();
  await server?.stop();
  await target?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('PostgreSQL unavailable, then back', () => {
  it('keeps checking through the outage and records every run and transition of it once, in order, when the database is back', async () => {
    await waitFor(async () => (await query<{ n: number }>(`SELECT count(*)::int AS n FROM runs WHERE system_id = $1 AND status = 'healthy'`, [systemId]))[0]!.n >= 3, 20_000, 'three healthy runs');
    const before = await query<{ id: string }>('SELECT id FROM runs WHERE system_id = $1', [systemId]);
    expect(before.length).toBeGreaterThan(0);

    const stoppedAt = new Date();
    await server.stop();
    target.setStatus(500);
    const hitsAtStop = target.hits();

    // Not ready, and why, while the runs wait in memory.
    await waitFor(async () => (await readiness()).status === 503, 10_000, '/readyz to say not ready');
    await waitFor(async () => /runs held in memory/.test((await readiness()).body.reason ?? ''), 10_000, '/readyz to say runs are held');
    const metrics = await (await fetch(`${vigil.url}/metrics`)).text();
    expect(metrics).toMatch(/^vigil_runs_held [1-9]/m);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, OUTAGE_MS - (Date.now() - stoppedAt.getTime()))));
    // The checks went on: about one a second reached the target.
    expect(target.hits() - hitsAtStop).toBeGreaterThanOrEqual(OUTAGE_MS / 1000 - 3);

    await server.start();
    const restartedAt = new Date();
    await waitFor(async () => (await readiness()).status === 200, 30_000, '/readyz ready again');

    // Nothing committed before the outage is lost.
    const kept = await query<{ n: number }>('SELECT count(*)::int AS n FROM runs WHERE id = ANY($1::uuid[])', [before.map((r) => r.id)]);
    expect(kept[0]!.n).toBe(before.length);
    // The outage's runs are there, once each (one per tick), all unhealthy once the target failed.
    const during = await query<{ n: number; ticks: number; unhealthy: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT scheduled_for)::int AS ticks, count(*) FILTER (WHERE status = 'unhealthy')::int AS unhealthy
         FROM runs WHERE system_id = $1 AND scheduled_for > $2 AND scheduled_for < $3`,
      [systemId, new Date(stoppedAt.getTime() + 1_500), restartedAt],
    );
    expect(during[0]!.n).toBeGreaterThanOrEqual(OUTAGE_MS / 1000 - 4);
    expect(during[0]!.ticks).toBe(during[0]!.n);
    expect(during[0]!.unhealthy).toBe(during[0]!.n);
    // Every transition that happened, once, in order, dated inside the outage (when the runs that made them ran).
    const transitions = await query<{ from_status: string | null; to_status: string; transitioned_at: Date }>(
      'SELECT from_status, to_status, transitioned_at FROM transitions WHERE system_id = $1 AND environment_id IS NULL ORDER BY seq',
      [systemId],
    );
    expect(transitions.map((t) => `${t.from_status ?? '∅'}→${t.to_status}`)).toEqual(['∅→healthy', 'healthy→degraded', 'degraded→unhealthy']);
    for (const transition of transitions.slice(1)) {
      expect(transition.transitioned_at.getTime()).toBeGreaterThan(stoppedAt.getTime());
      expect(transition.transitioned_at.getTime()).toBeLessThan(restartedAt.getTime());
    }
    // One change event per transition after the first, in the outbox.
    const events = await query<{ n: number }>(`SELECT count(*)::int AS n FROM outbox WHERE topic = 'healthcheck.system_health_changed' AND payload->>'systemId' = $1`, [systemId]);
    expect(events[0]!.n).toBe(transitions.length - 1);
    expect(vigil.output()).toContain('The database is back: wrote the runs held meanwhile');
  }, 120_000);
});
