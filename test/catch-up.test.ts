import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFlipTarget, type FlipTarget } from './support/flip-target.ts';
import { waitFor } from './support/wait.ts';
import { apiCreate, apiFetch, startVigil, type VigilProcess } from './support/vigil-process.ts';

/**
 * Issue 25: the embedded default keeps its schedules in memory, so a tick due while Vigil was not
 * running (stopped, restarted, killed) used to be lost, and a check waited a whole interval — up to
 * a day — for its next one. Now the start runs each such tick once, late, as BullMQ runs a tick that
 * waited in Redis for a worker; and a tick already run is not run again.
 */
describe('ticks due while Vigil was not running', () => {
  const root = mkdtempSync('/tmp/vigil-catch-up-');
  const dataDir = join(root, 'data');
  let target: FlipTarget;
  let vigil: VigilProcess | undefined;
  let systemId: string;

  const runs = async () => {
    const response = await apiFetch(vigil!.url, `/api/v1/runs?systemId=${systemId}&limit=50`);
    return ((await response.json()) as { items: { scheduledFor: string; createdAt: string }[] }).items;
  };

  beforeAll(async () => {
    chmodSync(root, 0o755);
    target = await startFlipTarget(200);
    vigil = await startVigil(['--data-dir', dataDir], {}, 60_000);
    systemId = (await apiCreate(vigil.url, '/api/v1/systems', { name: 'checked-daily' })).id;
    // Daily: its next tick is hours away, so every run below is one the starts owed.
    const configurationId = (await apiCreate(vigil.url, '/api/v1/configurations', { name: 'daily-http', strategy: 'http', config: { url: target.url }, intervalSeconds: 86_400 })).id;
    await apiCreate(vigil.url, '/api/v1/assignments', { systemId, configurationId });
    // As if the assignment had existed for two days: its latest tick fell while it existed.
    const client = new pg.Client({ host: join(dataDir, 'pg'), user: 'postgres', database: 'vigil' });
    await client.connect();
    try {
      await client.query(`UPDATE assignments SET created_at = now() - interval '2 days' WHERE system_id = $1`, [systemId]);
    } finally {
      await client.end();
    }
    expect(await runs()).toHaveLength(0);
    expect(await vigil.stop()).toBe(0);
    vigil = undefined;
  }, 90_000);

  afterAll(async () => {
    await vigil?.stop();
    await target?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('runs the latest unrun tick of each check once, at the start', async () => {
    const startedAt = Date.now();
    vigil = await startVigil(['--data-dir', dataDir], {}, 60_000);
    await waitFor(async () => (await runs()).length === 1, 20_000, 'the owed tick to run');
    const [run] = await runs();
    // The tick it owed: the latest one before the start, less than an interval before it.
    const due = new Date(run!.scheduledFor).getTime();
    expect(due).toBeLessThanOrEqual(startedAt);
    expect(due).toBeGreaterThan(startedAt - 86_400_000);
    expect(new Date(run!.createdAt).getTime()).toBeGreaterThanOrEqual(startedAt);
    expect(target.hits()).toBe(1);
    expect(vigil.output()).toContain('ticks missed while Vigil was not running: each runs once, late');
    expect(await vigil.stop()).toBe(0);
    vigil = undefined;
  }, 60_000);

  it('owes nothing at the next start: that tick was run', async () => {
    vigil = await startVigil(['--data-dir', dataDir], {}, 60_000);
    await waitFor(async () => /schedules synced/.test(vigil!.output()), 20_000, 'the first sync');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(await runs()).toHaveLength(1);
    expect(target.hits()).toBe(1);
    expect(vigil.output()).not.toContain('ticks missed while Vigil was not running');
  }, 60_000);
});
