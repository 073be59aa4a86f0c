import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../test/support/api.ts';

/** `vigil ping` as a crontab runs it: the real binary against a real Vigil HTTP server on 127.0.0.1. */
let api: TestApi;
let server: ServerType;
let origin: string;
beforeAll(async () => {
  api = await createTestApi();
  server = await new Promise<ServerType>((resolve) => {
    const started = serve({ fetch: api.app.fetch, hostname: '127.0.0.1', port: 0 }, () => resolve(started));
  });
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  await api.close();
});

const bin = fileURLToPath(new URL('../../bin/vigil.js', import.meta.url));
function vigil(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { timeout: 20_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr }),
    );
  });
}

let serial = 0;
async function heartbeat() {
  serial += 1;
  const system = (await api.call('POST', '/api/v1/systems', { name: `cli-ping-${serial}` })).body;
  const configuration = (await api.call('POST', '/api/v1/configurations', { name: `cli-ping-${serial}`, strategy: 'heartbeat', config: { period: '1h' }, intervalSeconds: 60 })).body;
  const assignment = (await api.call('POST', '/api/v1/assignments', { systemId: system.id, configurationId: configuration.id })).body;
  return { systemId: system.id as string, url: `${origin}${new URL(assignment.pingUrl).pathname}` };
}
const runsOf = async (systemId: string) => (await api.call('GET', `/api/v1/runs?systemId=${systemId}`)).body.items;

describe('vigil ping', () => {
  it('pings once without a command', async () => {
    const { systemId, url } = await heartbeat();
    expect((await vigil(['ping', url])).code).toBe(0);
    expect(await runsOf(systemId)).toMatchObject([{ status: 'healthy', message: 'Ping received' }]);
  });

  it('wraps a command: passes its output through, reports its exit code, duration and output tail, and exits with its code', async () => {
    const { systemId, url } = await heartbeat();
    const result = await vigil(['ping', url, '--', 'sh', '-c', 'echo "copied 12 files"; sleep 0.2; echo "disk full" >&2; exit 3']);
    expect(result.code).toBe(3);
    expect(result.stdout).toContain('copied 12 files');
    expect(result.stderr).toContain('disk full');
    const [run] = await runsOf(systemId);
    expect(run).toMatchObject({ status: 'unhealthy', message: 'exit code 3' });
    expect(run.result.collectors[0].fields.output).toContain('copied 12 files');
    expect(run.result.collectors[0].fields.output).toContain('disk full');

    const ok = await vigil(['ping', url, '--', 'sh', '-c', 'sleep 0.2']);
    expect(ok.code).toBe(0);
    const [success] = await runsOf(systemId);
    expect(success).toMatchObject({ status: 'healthy', message: expect.stringMatching(/^Completed in \d+ms$/) });
    expect(success.latencyMs).toBeGreaterThanOrEqual(200);
  });

  it('still runs the job when Vigil cannot be reached, and says so without printing the token', async () => {
    const result = await vigil(['ping', 'http://127.0.0.1:1/ping/abcdefghijklmnopqrstuvwxyz012345', '--', 'sh', '-c', 'echo ran; exit 4']);
    expect(result.code).toBe(4);
    expect(result.stdout).toContain('ran');
    expect(result.stderr).toMatch(/could not reach http:\/\/127\.0\.0\.1:1\/ping\/abcd…\/start/);
    expect(result.stderr).not.toContain('abcdefghijklmnop');
  });

  it('exits 1 when the URL is unknown', async () => {
    const result = await vigil(['ping', `${origin}/ping/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('answered 404');
  });
});
