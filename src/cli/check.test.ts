import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHttpTarget } from '../../test/targets/http.ts';
import type { HttpTarget } from '../../test/targets/http.ts';
import { applySet, parseSetValue, registerCheckCommand } from './check.ts';

let target: HttpTarget;
beforeAll(async () => {
  target = await startHttpTarget();
});
afterAll(async () => target.close());

class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/** Runs `vigil check …` in-process through a real commander program. */
async function vigilCheck(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const program = new Command().name('vigil');
  registerCheckCommand(program, {
    out: (text) => (out += text),
    err: (text) => (err += text),
    exit: (code) => {
      throw new Exit(code);
    },
  });
  try {
    await program.parseAsync(['node', 'vigil', 'check', ...args]);
  } catch (error) {
    if (error instanceof Exit) return { code: error.code, out, err };
    const cause = (error as { cause?: unknown }).cause;
    if (cause instanceof Exit) return { code: cause.code, out, err };
    throw error;
  }
  throw new Error('vigil check returned without an exit code');
}

describe('vigil check', () => {
  it('prints status, fields and each assertion with its actual value; exit 0 when healthy', async () => {
    const { code, out } = await vigilCheck('http', `${target.url}/health`, '--assert', 'statusCode == 200', '--assert', 'json $.status == "UP"');
    expect(code).toBe(0);
    expect(out).toMatch(/^✓ HEALTHY {2}http http:\/\/127\.0\.0\.1:\d+\/health {2}\(\d+ ms\)\n {2}Completed in \d+ms\n/);
    expect(out).toContain('\nhttp.request\n');
    expect(out).toMatch(/ statusCode +200\n/);
    expect(out).toContain('✓ statusCode equals 200  (actual: 200)');
    expect(out).toContain('✓ json $.status equals UP  (actual: "UP")');
  });

  it('exits 2 on a failed assertion and marks it ✗', async () => {
    const { code, out } = await vigilCheck('http', `${target.url}/health`, '--assert', 'statusCode == 201');
    expect(code).toBe(2);
    expect(out).toContain('Assertion failed: statusCode equals 201');
    expect(out).toContain('✗ statusCode equals 201  (actual: 200)');
  });

  it('exits 1 when only a degraded assertion fails', async () => {
    const { code, out } = await vigilCheck('http', `${target.url}/slow/30`, '--assert', 'latencyMs < 1ms (degraded)');
    expect(code).toBe(1);
    expect(out).toMatch(/^! DEGRADED/);
  });

  it('applies --set and --timeout, and prints the whole result with --json', async () => {
    const { code, out } = await vigilCheck('http', `${target.url}/echo`, '--set', 'method=POST', '--set', 'headers.x-probe=cli', '--set', 'body=hello', '--json');
    expect(code).toBe(0);
    const result = JSON.parse(out) as { status: string; collectors: { fields: { json: Record<string, unknown> } }[] };
    expect(result.status).toBe('healthy');
    expect(result.collectors[0]?.fields.json).toMatchObject({ method: 'POST', body: 'hello', headers: { 'x-probe': 'cli' } });
    const slow = await vigilCheck('http', `${target.url}/slow/2000`, '--timeout', '200ms');
    expect(slow.code).toBe(2);
    expect(slow.out).toContain('Execution timeout after 200ms');
  });

  const usageRows: { name: string; args: string[]; message: RegExp }[] = [
    { name: 'unknown strategy', args: ['gopher', 'x'], message: /Unknown health-check strategy "gopher"\. Available: http, tcp/ },
    { name: 'bad target', args: ['tcp', 'no-port-here'], message: /<target>: Expected host:port, got "no-port-here" \(e\.g\. db\.internal:5432\)/ },
    { name: 'bad --set value names the field', args: ['http', 'http://x', '--set', 'method=FETCH'], message: /--set method: / },
    { name: 'unknown --set key', args: ['http', 'http://x', '--set', 'folow=true'], message: /--set folow: Unknown field "folow"/ },
    { name: 'malformed --set', args: ['http', 'http://x', '--set', 'novalue'], message: /--set: expected key=value, got "novalue"/ },
    { name: 'bad --timeout', args: ['http', 'http://x', '--timeout', 'soon'], message: /--timeout: expected a duration like 500ms or 5s/ },
    { name: 'too small --timeout', args: ['http', 'http://x', '--timeout', '5ms'], message: /--timeout: / },
    { name: 'unknown assertion field', args: ['http', 'http://x', '--assert', 'status == 200'], message: /--assert #1: Unknown field "status"\. Valid fields: .*statusCode/ },
    { name: 'unknown collector', args: ['redis', 'redis://x', '--collector', 'redis.magic'], message: /--collector: Unknown collector "redis\.magic"\. Available: redis\.ping, redis\.info\./ },
    { name: 'missing target', args: ['http'], message: /missing required argument 'target'/ },
  ];
  for (const row of usageRows) {
    it(`exits 64 on a usage error: ${row.name}`, async () => {
      const { code, err } = await vigilCheck(...row.args);
      expect(code).toBe(64);
      expect(err).toMatch(row.message);
    });
  }

  it('is wired into bin/vigil.js with real exit codes', async () => {
    const bin = fileURLToPath(new URL('../../bin/vigil.js', import.meta.url));
    const run = (args: string[], env: Record<string, string> = {}) =>
      new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(process.execPath, [bin, 'check', ...args], { timeout: 15_000, env: { ...process.env, ...env } }, (error, stdout, stderr) =>
          resolve({ code: error ? (error as { code?: number }).code ?? null : 0, stdout, stderr }),
        );
      });
    const [healthy, refused, noPing, unconfinable, badSetting] = await Promise.all([
      run(['http', `${target.url}/health`, '--json']),
      run(['tcp', '127.0.0.1:1']),
      run(['ping', '127.0.0.1'], { VIGIL_PING_PATH: '/nonexistent/vigil-ping' }),
      // Scripts are confined here as on a worker: required and impossible, nothing runs.
      run(['script', 'echo hi'], { VIGIL_SCRIPT_CONFINE: 'required', VIGIL_BWRAP_PATH: '/nonexistent/bwrap' }),
      run(['script', 'echo hi'], { VIGIL_SCRIPT_CONFINE: 'sometimes' }),
    ]);
    expect(unconfinable).toEqual({ code: 64, stdout: '', stderr: 'vigil check: The "/nonexistent/bwrap" command is not installed (apt-get install bubblewrap)\n' });
    expect(badSetting).toEqual({ code: 64, stdout: '', stderr: 'vigil check: VIGIL_SCRIPT_CONFINE: expected auto, required or off\n' });
    expect(healthy.code).toBe(0);
    expect(JSON.parse(healthy.stdout)).toMatchObject({ status: 'healthy' });
    expect(refused.code).toBe(2);
    expect(refused.stdout).toContain('Check failed: Connection refused to 127.0.0.1:1');
    // A program the check needs is missing: a setup error on this machine, not an unhealthy target.
    expect(noPing).toEqual({ code: 64, stdout: '', stderr: 'vigil check: The "/nonexistent/vigil-ping" command is not installed (apt-get install iputils-ping)\n' });
  }, 30_000);
});

describe('--set values', () => {
  const rows: { input: string; expected: unknown }[] = [
    { input: 'POST', expected: 'POST' },
    { input: '5', expected: 5 },
    { input: 'false', expected: false },
    { input: '[200, 204]', expected: [200, 204] },
    { input: '"5"', expected: '5' },
    { input: 'a: b', expected: 'a: b' },
    { input: '{"a": 1}', expected: { a: 1 } },
    { input: 'Bearer abc', expected: 'Bearer abc' },
    { input: '', expected: '' },
    { input: '@weird', expected: '@weird' },
  ];
  for (const row of rows) it(`${JSON.stringify(row.input)} → ${JSON.stringify(row.expected)}`, () => expect(parseSetValue(row.input)).toEqual(row.expected));

  it('sets nested keys', () => {
    const config: Record<string, unknown> = { url: 'x' };
    applySet(config, 'tls.verify=false');
    applySet(config, 'headers.accept=application/json');
    expect(config).toEqual({ url: 'x', tls: { verify: false }, headers: { accept: 'application/json' } });
  });
});
