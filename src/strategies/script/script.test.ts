import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { checkOnce, fieldsOf } from '../../../test/targets/check-once.ts';
import { environmentFieldName, runContextEnv } from './run-context-env.ts';

const script = (config: Record<string, unknown>, assertions: string[] = [], options: Parameters<typeof checkOnce>[1] = {}) =>
  checkOnce({ strategy: 'script', config, assertions }, options);

describe('script strategy', () => {
  it('reports exit code, output, duration and JSON stdout', async () => {
    const result = await script({ command: 'echo \'{"queue": 3}\'; echo warn >&2' }, ['json $.queue < 10', 'stderr contains warn']);
    expect(result.status).toBe('healthy');
    expect(fieldsOf(result)).toMatchObject({ exitCode: 0, stdout: '{"queue": 3}\n', stderr: 'warn\n', durationMs: expect.any(Number), json: { queue: 3 } });
  });

  it('runs a command with args directly, without a shell', async () => {
    const fields = fieldsOf(await script({ command: '/bin/echo', args: ['$HOME', 'a b'] }));
    expect(fields.stdout).toBe('$HOME a b\n');
  });

  it('fails on a non-zero exit with the SPEC message, keeping the output', async () => {
    const result = await script({ command: 'echo broken; exit 3' });
    expect(result).toMatchObject({ status: 'unhealthy', message: 'Check failed: Shell script exited with code 3' });
    expect(fieldsOf(result)).toMatchObject({ exitCode: 3, stdout: 'broken\n' });
  });

  it('kills a script at the run timeout, children included', async () => {
    const result = await script({ command: 'sleep 5 & sleep 5; wait', timeout: 200 });
    expect(result.message).toBe('Execution timeout after 200ms');
    expect(result.latencyMs).toBeLessThan(1500);
  });

  it('passes run context < config env < secrets, and nothing of Vigil\'s own environment', async () => {
    process.env.VIGIL_TEST_LEAK = 'leaked';
    const result = await script(
      { command: 'echo "$VIGIL_CHECK_NAME|$VIGIL_ENV_BASE_URL|$A|$B|${VIGIL_TEST_LEAK:-none}"', env: { A: 'config', B: 'config' } },
      [],
      {
        env: { B: 'secret-value' },
        secrets: ['secret-value'],
        run: {
          check: { id: 'c', name: 'nightly', intervalSeconds: 60 },
          system: { id: 's', name: 'billing' },
          environment: { id: 'e', name: 'prod', fields: { baseUrl: 'https://prod' } },
        },
      },
    );
    delete process.env.VIGIL_TEST_LEAK;
    expect(fieldsOf(result).stdout).toBe('nightly|https://prod|config|****|none\n');
  });

  it('works in a fresh directory it removes afterwards', async () => {
    const fields = fieldsOf(await script({ command: 'pwd; touch made-here' }));
    const directory = (fields.stdout as string).trim();
    expect(directory).toMatch(/vigil-script-/);
    expect(existsSync(directory)).toBe(false);
  });

  it('caps the output it keeps', async () => {
    const fields = fieldsOf(await script({ command: 'head -c 100000 /dev/zero | tr "\\0" x', maxOutputBytes: 2048 }));
    expect((fields.stdout as string).length).toBe(2048);
  });
});

describe('runContextEnv', () => {
  const rows: { name: string; fields: Record<string, unknown>; expected: Record<string, string> }[] = [
    { name: 'camelCase splits into words', fields: { baseUrl: 'u' }, expected: { VIGIL_ENV_BASE_URL: 'u' } },
    { name: 'other characters become _', fields: { 'db-host.name': 'h' }, expected: { VIGIL_ENV_DB_HOST_NAME: 'h' } },
    { name: 'fields named id or name are skipped', fields: { id: 'x', Name: 'y' }, expected: {} },
    { name: 'the first of two colliding keys wins', fields: { dbHost: 'first', db_host: 'second' }, expected: { VIGIL_ENV_DB_HOST: 'first' } },
    { name: 'non-text values are JSON', fields: { replicas: 3 }, expected: { VIGIL_ENV_REPLICAS: '3' } },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const env = runContextEnv({
        check: { id: 'c', name: 'n', intervalSeconds: 30 },
        system: { id: 's', name: 'sys' },
        environment: { id: 'e', name: 'prod', fields: row.fields },
      });
      const custom = Object.fromEntries(Object.entries(env).filter(([key]) => !['VIGIL_ENV_ID', 'VIGIL_ENV_NAME'].includes(key) && key.startsWith('VIGIL_ENV_')));
      expect(custom).toEqual(row.expected);
      expect(env).toMatchObject({ VIGIL_CHECK_ID: 'c', VIGIL_CHECK_INTERVAL_SECONDS: '30', VIGIL_SYSTEM_NAME: 'sys', VIGIL_ENV_ID: 'e', VIGIL_ENV_NAME: 'prod' });
    });
  }

  it('has no environment variables for an env-less run', () => {
    const env = runContextEnv({ check: { id: 'c', name: 'n', intervalSeconds: 30 }, system: { id: 's', name: 'sys' } });
    expect(Object.keys(env).filter((key) => key.startsWith('VIGIL_ENV'))).toEqual([]);
  });

  it('spells field names as words', () => {
    expect(environmentFieldName('apiV2Key')).toBe('API_V2_KEY');
    expect(environmentFieldName('HTTPSPort')).toBe('HTTPS_PORT');
  });
});
