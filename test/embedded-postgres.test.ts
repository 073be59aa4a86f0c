import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { isAlive } from '../src/db/embedded.ts';
import { apiFetch, runVigil, startVigil } from './support/vigil-process.ts';

/**
 * The embedded default as a user meets it: `vigil start` on a data dir, restarts, `kill -9`, two
 * processes on one dir, and root's home directory. Always runs (needs no service).
 */
const dirs: string[] = [];
function freshDataDir(): string {
  const dir = mkdtempSync('/tmp/vigil-embedded-');
  chmodSync(dir, 0o755);
  dirs.push(dir);
  return join(dir, 'data');
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function createSystem(url: string, name: string) {
  const response = await apiFetch(url, '/api/v1/systems', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name }) });
  expect(response.status).toBe(201);
  return (await response.json()) as { id: string };
}

async function systemNames(url: string): Promise<string[]> {
  const body = (await (await apiFetch(url, '/api/v1/systems')).json()) as { items: { name: string }[] };
  return body.items.map((s) => s.name);
}

function postmasterPid(dataDir: string): number | undefined {
  const file = join(dataDir, 'pg', 'postmaster.pid');
  return existsSync(file) ? Number(readFileSync(file, 'utf8').split('\n')[0]) : undefined;
}


describe('embedded PostgreSQL lifecycle', () => {
  it('starts on an empty data dir, keeps data across a restart and stops its PostgreSQL on SIGTERM', async () => {
    const dataDir = freshDataDir();
    const first = await startVigil(['--data-dir', dataDir]);
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    expect(first.output()).toMatch(/script confinement: (active \(bubblewrap |NOT active — install bubblewrap)/);
    await createSystem(first.url, 'survives-restart');
    const pgPid = postmasterPid(dataDir);
    expect(pgPid).toBeGreaterThan(0);
    expect(await first.stop('SIGTERM')).toBe(0);
    expect(isAlive(pgPid!)).toBe(false);
    expect(existsSync(join(dataDir, 'vigil.pid'))).toBe(false);

    const second = await startVigil(['--data-dir', dataDir]);
    expect(await systemNames(second.url)).toEqual(['survives-restart']);
    expect(await second.stop('SIGINT')).toBe(0);
  });

  it('recovers after kill -9: the orphaned PostgreSQL is stopped and nothing committed is lost', async () => {
    const dataDir = freshDataDir();
    const first = await startVigil(['--data-dir', dataDir]);
    await createSystem(first.url, 'committed-before-kill');
    const orphan = postmasterPid(dataDir)!;
    expect(await first.stop('SIGKILL')).toBe('SIGKILL');
    expect(isAlive(orphan)).toBe(true); // PostgreSQL outlives a killed Vigil: exactly the case to handle

    const second = await startVigil(['--data-dir', dataDir]);
    expect(await systemNames(second.url)).toEqual(['committed-before-kill']);
    expect(isAlive(orphan)).toBe(false);
    expect(await second.stop()).toBe(0);
  });

  it('refuses a data dir another Vigil is using, and leaves that one running', async () => {
    const dataDir = freshDataDir();
    const first = await startVigil(['--data-dir', dataDir]);
    const second = runVigil(['start', '--port', '0', '--data-dir', dataDir]);
    expect(await second.exited).not.toBe(0);
    expect(second.output()).toMatch(new RegExp(`Data directory ${dataDir} is in use by another Vigil process \\(pid ${first.child.pid}\\)`));
    expect((await fetch(`${first.url}/readyz`)).status).toBe(200);
    expect(await first.stop()).toBe(0);
  });

  it.runIf(userInfo().uid === 0)('as root, names the data dir the postgres user cannot reach and how to fix it', async () => {
    const hidden = mkdtempSync('/tmp/vigil-private-'); // mode 700, like root's home directory
    dirs.push(hidden);
    const dataDir = join(hidden, 'data');
    mkdirSync(dataDir);
    const run = runVigil(['start', '--port', '0', '--data-dir', dataDir]);
    expect(await run.exited).toBe(1);
    expect(run.output()).toContain(`cannot reach ${join(dataDir, 'pg')}`);
    expect(run.output()).toContain('--data-dir');
    expect(run.output()).not.toMatch(/initdb: error/);
  });

  it('rejects bad settings naming the flag, with exit code 64', async () => {
    const run = runVigil(['start', '--port', 'eighty']);
    expect(await run.exited).toBe(64);
    expect(run.output()).toMatch(/--port/);
  });
});

describe('stopping and starting as a person at a terminal would', () => {
  it('stops cleanly on Ctrl-C with checks running: one line per part, nothing at warning level or above', async () => {
    const dataDir = freshDataDir();
    // Its own process group, signalled as a whole like a terminal's Ctrl-C (PostgreSQL included).
    const vigil = await startVigil(['--data-dir', dataDir], { VIGIL_LOG_FORMAT: 'json' }, 30_000, { processGroup: true });
    const system = await createSystem(vigil.url, 'busy');
    const post = (path: string, body: unknown) =>
      apiFetch(vigil.url, `/api/v1${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json() as Promise<{ id: string }>);
    const configuration = await post('/configurations', { name: 'self', strategy: 'http', intervalSeconds: 1, config: { url: `${vigil.url}/healthz` } });
    await post('/assignments', { systemId: system.id, configurationId: configuration.id });
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const pgPid = postmasterPid(dataDir)!;

    process.kill(-vigil.child.pid!, 'SIGINT');
    expect(await vigil.stop('SIGINT')).toBe(0);
    expect(isAlive(pgPid)).toBe(false);

    const lines = vigil.output().split('\n').filter((line) => line.startsWith('{'));
    const logged = lines.map((line) => JSON.parse(line) as { level: number; msg: string });
    expect(logged.filter((entry) => entry.level >= 40)).toEqual([]);
    const stopLines = logged.map((entry) => entry.msg).filter((msg) => / stopped$| closed$/.test(msg));
    const parts = ['API', 'Scheduler', 'History jobs', 'Maintenance windows', 'Heartbeats', 'Satellites', 'Automations', 'Notifications', 'Queue', 'Run writer', 'Outbox relay', 'Event bus'];
    expect(stopLines.slice(0, parts.length)).toEqual(parts.map((part) => `${part} stopped`));
    expect(stopLines.slice(parts.length).sort()).toEqual(['Database connections closed', 'Embedded PostgreSQL stopped']);
    expect(Math.max(...lines.map((line) => line.length))).toBeLessThan(1_000);
  });

  it('says which port is taken instead of printing a stack, and stops its PostgreSQL', async () => {
    const { createServer } = await import('node:net');
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const dataDir = freshDataDir();
      const run = runVigil(['start', '--data-dir', dataDir, '--port', String(port)]);
      expect(await run.exited).toBe(1);
      expect(run.output()).toContain(`vigil: Port ${port} is already in use; choose another with --port`);
      expect(run.output()).not.toMatch(/EADDRINUSE|\n\s+at /);
      expect(postmasterPid(dataDir)).toBeUndefined();
    } finally {
      blocker.close();
    }
  });
});

describe('a first start', () => {
  it('initialises a working cluster with initdb when there is no template to copy, and copies the template when there is one', async () => {
    const { EmbeddedPostgres } = await import('../src/db/embedded.ts');
    const { silentLogger } = await import('../src/kernel/log.ts');
    const pg = (await import('pg')).default;
    for (const useClusterTemplate of [false, true]) {
      const embedded = new EmbeddedPostgres({ dataDir: freshDataDir(), log: silentLogger(), useClusterTemplate });
      await embedded.start();
      try {
        const client = new pg.Client(embedded.connectionConfig('vigil'));
        await client.connect();
        const { rows } = await client.query('SELECT current_setting($1) AS encoding', ['server_encoding']);
        await client.end();
        expect(rows[0].encoding).toBe('UTF8');
      } finally {
        await embedded.stop();
      }
    }
  });
});
