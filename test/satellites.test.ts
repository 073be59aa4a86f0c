import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, created, type TestApi } from './support/api.ts';
import { connectionUrl } from './support/postgres.ts';
import { runVigil, stopProcess } from './support/vigil-process.ts';
import { waitFor } from './support/wait.ts';
import { startHttpTarget, type HttpTarget } from './targets/http.ts';

/**
 * Two real `vigil satellite` processes against a real `vigil start` server. The "far" satellite
 * runs in a network namespace of its own (`ip netns`, as root), joined to the server by a veth
 * pair: the target on the host's 127.0.0.1 is out of its reach, as a target behind a firewall is
 * out of reach of one location. Proves per-source streams, quorum 1 vs 2, buffering while the
 * server is stopped and an ordered, once-only upload when it is back, secret masking (in stored
 * results and on the satellites' disks), that a satellite runs only its own assignments, and that
 * deleting a satellite revokes its token at once.
 */

const bin = fileURLToPath(new URL('../bin/vigil.js', import.meta.url));
const SECRET = `hunter2-${randomBytes(6).toString('hex')}`;

/** Whether this machine lets the test make a network namespace (root, iproute2); why not, otherwise. */
function netnsMissing(): string | undefined {
  const name = `vgl-probe-${process.pid}`;
  try {
    execFileSync('ip', ['netns', 'add', name], { stdio: 'pipe' });
    execFileSync('ip', ['netns', 'del', name], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return `network namespaces are not available (${(error as Error).message.split('\n')[0]}): run as root with iproute2 installed (apt-get install iproute2)`;
  }
}

const missing = netnsMissing();
if (missing && process.env.CI) throw new Error(missing);
if (missing) console.warn(`Skipping test/satellites.test.ts: ${missing}`);

interface Namespace {
  name: string;
  hostAddress: string;
  close(): void;
}

/** A namespace with only loopback and a veth link to the host: it reaches the host's veth address, nothing else. */
function createNamespace(): Namespace {
  const id = randomBytes(2).readUInt16BE() % 200;
  const name = `vgl-sat-${process.pid}`;
  const host = `vh${process.pid % 100000}`;
  const peer = `vn${process.pid % 100000}`;
  const subnet = `10.231.${id}`;
  const ip = (...args: string[]) => execFileSync('ip', args, { stdio: 'pipe' });
  ip('netns', 'add', name);
  ip('link', 'add', host, 'type', 'veth', 'peer', 'name', peer);
  ip('link', 'set', peer, 'netns', name);
  ip('addr', 'add', `${subnet}.1/30`, 'dev', host);
  ip('link', 'set', host, 'up');
  ip('netns', 'exec', name, 'ip', 'addr', 'add', `${subnet}.2/30`, 'dev', peer);
  ip('netns', 'exec', name, 'ip', 'link', 'set', peer, 'up');
  ip('netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up');
  return {
    name,
    hostAddress: `${subnet}.1`,
    close() {
      try {
        ip('link', 'del', host);
      } catch {
        // gone with the namespace
      }
      ip('netns', 'del', name);
    },
  };
}

/** `vigil <args>` run inside the namespace, shaped like runVigil's answer (so stopProcess stops it). */
function inNamespaceOf(name: string, args: string[]): ReturnType<typeof runVigil> {
  const child = spawn('ip', ['netns', 'exec', name, process.execPath, bin, ...args], { env: { ...process.env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return { child, output: () => output, exited };
}

async function freePort(host: string): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Every file under `dir`, read as text. */
function filesUnder(dir: string): string {
  let text = '';
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    text += statSync(path).isDirectory() ? filesUnder(path) : readFileSync(path, 'utf8');
  }
  return text;
}

describe.skipIf(missing !== undefined)('satellites: two real agents against a real server', () => {
  let api: TestApi;
  let target: HttpTarget;
  let namespace: Namespace;
  let serverUrl: string;
  let port: number;
  let serverEnv: Record<string, string>;
  let server: ReturnType<typeof runVigil>;
  const processes: ReturnType<typeof runVigil>[] = [];
  const dataDirs: string[] = [];
  let near: { id: string; token: string; process: ReturnType<typeof runVigil> };
  let far: { id: string; token: string; process: ReturnType<typeof runVigil> };
  let system: { id: string };
  let geo: { id: string };
  let farOnly: { id: string };
  let assignment: { id: string };

  async function startServer(): Promise<void> {
    server = runVigil(['start', '--role', 'all', '--host', namespace.hostAddress, '--port', String(port)], serverEnv);
    processes.push(server);
    await waitFor(() => /Vigil listening on/.test(server.output()), 30_000, `the server to listen:\n${server.output()}`);
  }

  function startSatellite(token: string, inNamespace: boolean): ReturnType<typeof runVigil> {
    const dataDir = mkdtempSync(join(tmpdir(), 'vigil-satellite-'));
    dataDirs.push(dataDir);
    const args = ['satellite', '--server', serverUrl, '--token', token, '--data-dir', dataDir, '--poll-seconds', '1'];
    const started = inNamespace ? inNamespaceOf(namespace.name, args) : runVigil(args);
    processes.push(started);
    return started;
  }

  const health = async () => (await api.call('GET', `/api/v1/systems/${system.id}/health`)).body;
  const runsOf = async (source: string, configurationId = geo.id) =>
    (
      await api.database.pool.query<{ scheduled_for: Date; status: string; result: unknown; message: string }>(
        // xmin: the order the server stored them in (one transaction per run, one writer per satellite).
        'SELECT scheduled_for, status, result, message FROM runs WHERE source = $1 AND configuration_id = $2 ORDER BY xmin::text::bigint',
        [source, configurationId],
      )
    ).rows;

  beforeAll(async () => {
    namespace = createNamespace();
    const secretKey = randomBytes(32);
    api = await createTestApi({}, { secretKey });
    target = await startHttpTarget();
    port = await freePort(namespace.hostAddress);
    serverUrl = `http://${namespace.hostAddress}:${port}`;
    serverEnv = { DATABASE_URL: connectionUrl(api.database.connection), VIGIL_SECRET_KEY: secretKey.toString('base64'), LOG_LEVEL: 'warn' };
    await startServer();

    await created(api, '/api/v1/secrets', { name: 'TARGET_TOKEN', value: SECRET });
    system = await created(api, '/api/v1/systems', { name: 'payments' });
    const nearSatellite = await created(api, '/api/v1/satellites', { name: 'near', location: 'same network' });
    const farSatellite = await created(api, '/api/v1/satellites', { name: 'far', location: 'another network' });
    const definition = (name: string) => ({
      name,
      strategy: 'http',
      config: { url: `${target.url}/echo`, headers: { 'x-token': '{{ secrets.TARGET_TOKEN }}' }, timeout: 800 },
      assertions: ['statusCode == 200'],
      intervalSeconds: 1,
    });
    geo = await created(api, '/api/v1/configurations', definition('geo'));
    farOnly = await created(api, '/api/v1/configurations', definition('far-only'));
    const thresholds = { mode: 'consecutive', degraded: { minFailureCount: 1 }, unhealthy: { minFailureCount: 1 } };
    assignment = await created(api, '/api/v1/assignments', {
      systemId: system.id,
      configurationId: geo.id,
      includeLocal: false,
      satelliteIds: [nearSatellite.id, farSatellite.id],
      stateThresholds: thresholds,
    });
    await created(api, '/api/v1/assignments', { systemId: system.id, configurationId: farOnly.id, includeLocal: false, satelliteIds: [farSatellite.id], stateThresholds: thresholds });

    near = { ...nearSatellite, process: startSatellite(nearSatellite.token, false) };
    far = { ...farSatellite, process: startSatellite(farSatellite.token, true) };
  }, 60_000);

  afterAll(async () => {
    await Promise.all(processes.map(stopProcess));
    await target?.close();
    await api?.close();
    namespace?.close();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  it('records one stream per source: the near satellite reaches the target, the far one does not', async () => {
    await waitFor(async () => (await runsOf(near.id)).length >= 2 && (await runsOf(far.id)).length >= 2, 20_000, `runs from both satellites\n${near.process.output()}\n${far.process.output()}`);
    expect(new Set((await runsOf(near.id)).map((run) => run.status))).toEqual(new Set(['healthy']));
    expect((await runsOf(far.id)).every((run) => run.status === 'unhealthy')).toBe(true);
    const check = (await health()).checks.find((c: { configurationId: string }) => c.configurationId === geo.id);
    expect(check.sources).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ source: near.id, status: 'healthy', stale: false }),
        expect.objectContaining({ source: far.id, status: 'unhealthy', stale: false }),
      ]),
    );
  });

  it('quorum 1: one failing location fails the check; quorum 2: it takes both', async () => {
    const geoCheck = async () => (await health()).checks.find((c: { configurationId: string }) => c.configurationId === geo.id);
    expect(await geoCheck()).toMatchObject({ status: 'unhealthy', quorum: 1 });
    expect((await api.call('PATCH', `/api/v1/assignments/${assignment.id}`, { quorum: { min: 2 } })).status).toBe(200);
    expect(await geoCheck()).toMatchObject({ status: 'healthy', quorum: 2 });
    expect((await api.call('PATCH', `/api/v1/assignments/${assignment.id}`, { quorum: { min: 3 } })).status).toBe(400);
  });

  it('runs only what it was assigned', async () => {
    await waitFor(async () => (await runsOf(far.id, farOnly.id)).length >= 1, 10_000, 'runs of the far-only check');
    expect(await runsOf(near.id, farOnly.id)).toEqual([]);
  });

  it('masks the secret in every stored result and never writes it to a satellite’s disk', async () => {
    const stored = await runsOf(near.id);
    expect(JSON.stringify(stored)).toContain('****');
    const { rows } = await api.database.pool.query(`SELECT count(*)::int AS n FROM runs WHERE result::text LIKE $1 OR message LIKE $1`, [`%${SECRET}%`]);
    expect(rows[0].n).toBe(0);
    for (const dir of dataDirs) expect(filesUnder(dir)).not.toContain(SECRET);
  });

  it('keeps checking while the server is stopped, and uploads the buffer in order, each tick once, when it is back', async () => {
    await stopProcess(server);
    const stoppedAt = Date.now();
    // Runs pile up on the near satellite's disk meanwhile.
    await waitFor(() => filesUnder(dataDirs[0]!).split('\n').filter(Boolean).length >= 4, 15_000, 'runs buffered while the server is away');
    const buffered = Date.now();
    await startServer();
    await waitFor(async () => (await runsOf(near.id)).some((run) => run.scheduled_for.getTime() > buffered), 20_000, `the buffer uploaded\n${near.process.output()}`);
    const runs = await runsOf(near.id);
    const ticks = runs.map((run) => run.scheduled_for.getTime());
    expect(ticks).toEqual([...ticks].sort((a, b) => a - b));
    expect(new Set(ticks).size).toBe(ticks.length);
    // No tick of the outage is missing: one run per second throughout.
    const during = ticks.filter((tick) => tick > stoppedAt && tick < buffered);
    expect(during.length).toBeGreaterThanOrEqual(Math.floor((buffered - stoppedAt) / 1000) - 1);
    for (let i = 1; i < ticks.length; i++) expect(ticks[i]! - ticks[i - 1]!).toBe(1000);
  }, 60_000);

  it('deleting a satellite revokes its token at once: 401, nothing recorded, and the agent stops', async () => {
    expect((await api.call('DELETE', `/api/v1/satellites/${far.id}`)).status).toBe(204);
    const upload = await fetch(`${serverUrl}/api/satellite/v1/runs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${far.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        runs: [{ configurationId: geo.id, systemId: system.id, environmentId: null, scheduledFor: '2031-01-01T00:00:00Z', at: '2031-01-01T00:00:00Z', status: 'healthy', latencyMs: 1, message: 'x', result: {} }],
      }),
    });
    expect(upload.status).toBe(401);
    expect(await runsOf(far.id).then((runs) => runs.filter((run) => run.scheduled_for.getUTCFullYear() === 2031))).toEqual([]);
    expect(await far.process.exited).toBe(1);
    expect(far.process.output()).toContain('refused this satellite');
    expect((await api.call('GET', `/api/v1/assignments/${assignment.id}`)).body).toMatchObject({ satelliteIds: [near.id], quorum: null });
  }, 20_000);
});
