import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SettingsError, loadSettings } from './settings.ts';

const KEY = Buffer.alloc(32, 7).toString('base64');

describe('loadSettings', () => {
  const rows: { name: string; flags?: Parameters<typeof loadSettings>[0]; env: NodeJS.ProcessEnv; expected: Partial<ReturnType<typeof loadSettings>> }[] = [
    { name: 'defaults: everything in one process on 127.0.0.1:8080, ./data', env: {}, expected: { role: 'all', host: '127.0.0.1', port: 8080, dataDir: resolve('data'), databaseUrl: undefined } },
    { name: 'environment variables', env: { PORT: '9090', VIGIL_DATA_DIR: '/var/lib/vigil', DATABASE_URL: 'postgres://db/vigil', VIGIL_SECRET_KEY: KEY }, expected: { port: 9090, dataDir: '/var/lib/vigil', databaseUrl: 'postgres://db/vigil', secretKey: KEY } },
    { name: 'a hex secret key', env: { VIGIL_SECRET_KEY: 'ab'.repeat(32) }, expected: { secretKey: 'ab'.repeat(32) } },
    { name: 'flags win over the environment', flags: { port: '7070', dataDir: '/srv/v' }, env: { PORT: '9090', VIGIL_DATA_DIR: '/var/lib/vigil' }, expected: { port: 7070, dataDir: '/srv/v' } },
    { name: 'an empty DATABASE_URL means the embedded server', env: { DATABASE_URL: '' }, expected: { databaseUrl: undefined } },
    { name: 'worker concurrency, body limit and log settings from the environment', env: { VIGIL_WORKER_CONCURRENCY: '64', VIGIL_MAX_BODY_BYTES: '4096', LOG_LEVEL: 'debug', VIGIL_LOG_FORMAT: 'json' }, expected: { workerConcurrency: 64, maxBodyBytes: 4096, logLevel: 'debug', logFormat: 'json' } },
    { name: 'defaults: 500 checks at once, 1 MiB bodies, info', env: {}, expected: { workerConcurrency: 500, maxBodyBytes: 1_048_576, logLevel: 'info' } },
    { name: 'defaults: scripts confined when bubblewrap works, bwrap found on PATH', env: {}, expected: { scriptConfine: 'auto', bwrapPath: 'bwrap' } },
    { name: 'script confinement from the environment', env: { VIGIL_SCRIPT_CONFINE: 'required', VIGIL_BWRAP_PATH: '/opt/bin/bwrap' }, expected: { scriptConfine: 'required', bwrapPath: '/opt/bin/bwrap' } },
    { name: 'a split role with both services', flags: { role: 'worker' }, env: { DATABASE_URL: 'postgres://db/v', REDIS_URL: 'redis://r:6379', VIGIL_SECRET_KEY: KEY }, expected: { role: 'worker', redisUrl: 'redis://r:6379', redisPrefix: 'vigil' } },
  ];
  for (const row of rows) it(row.name, () => expect(loadSettings(row.flags, row.env)).toMatchObject(row.expected));

  const errors: { name: string; flags?: Parameters<typeof loadSettings>[0]; env: NodeJS.ProcessEnv; field: string }[] = [
    { name: 'a port that is not a number', flags: { port: 'eighty' }, env: {}, field: '--port / PORT' },
    { name: 'a port out of range', env: { PORT: '70000' }, field: '--port / PORT' },
    { name: 'a database URL of another kind', env: { DATABASE_URL: 'mysql://db' }, field: 'DATABASE_URL' },
    { name: 'a split role without Redis', flags: { role: 'worker' }, env: { DATABASE_URL: 'postgres://db/v', VIGIL_SECRET_KEY: KEY }, field: '--role' },
    { name: 'DATABASE_URL without a secret key', env: { DATABASE_URL: 'postgres://db/v' }, field: 'VIGIL_SECRET_KEY' },
    { name: 'a secret key that is not 32 bytes', env: { VIGIL_SECRET_KEY: 'c2hvcnQ=' }, field: 'VIGIL_SECRET_KEY' },
    { name: 'a worker concurrency that is not a number', env: { VIGIL_WORKER_CONCURRENCY: 'lots' }, field: 'VIGIL_WORKER_CONCURRENCY' },
    { name: 'a zero worker concurrency', env: { VIGIL_WORKER_CONCURRENCY: '0' }, field: 'VIGIL_WORKER_CONCURRENCY' },
    { name: 'an unknown log level', env: { LOG_LEVEL: 'loud' }, field: 'LOG_LEVEL' },
    { name: 'a tiny body limit', env: { VIGIL_MAX_BODY_BYTES: '10' }, field: 'VIGIL_MAX_BODY_BYTES' },
    { name: 'an unknown script confinement', env: { VIGIL_SCRIPT_CONFINE: 'yes' }, field: 'VIGIL_SCRIPT_CONFINE' },
    { name: 'a split role on the embedded database', flags: { role: 'api' }, env: { REDIS_URL: 'redis://r' }, field: '--role' },
  ];
  for (const row of errors) {
    it(`rejects ${row.name}, naming ${row.field}`, () => {
      try {
        loadSettings(row.flags, row.env);
        expect.unreachable('loadSettings accepted it');
      } catch (error) {
        expect(error).toBeInstanceOf(SettingsError);
        expect((error as SettingsError).problems.map((p) => p.field)).toContain(row.field);
      }
    });
  }
});

describe('the secret key settings', () => {
  it('tells how to make a key when DATABASE_URL has none', () => {
    expect(() => loadSettings({}, { DATABASE_URL: 'postgres://db/v' })).toThrow(/VIGIL_SECRET_KEY: is required with DATABASE_URL.*openssl rand -base64 32/);
  });
  it('never repeats a malformed key in its error', () => {
    expect(() => loadSettings({}, { VIGIL_SECRET_KEY: 'not-a-key-but-maybe-a-password' })).toThrow(/^(?!.*not-a-key-but).*VIGIL_SECRET_KEY must be 32 bytes/);
  });
});

describe('loadClientSettings', () => {
  it('reads VIGIL_SERVER and VIGIL_TOKEN, and keeps credentials under XDG_CONFIG_HOME or ~/.config', async () => {
    const { loadClientSettings } = await import('./settings.ts');
    expect(loadClientSettings({ VIGIL_SERVER: 'https://v.test', VIGIL_TOKEN: 'vgl_x' }, '/home/me')).toEqual({
      server: 'https://v.test',
      token: 'vgl_x',
      credentialsFile: '/home/me/.config/vigil/credentials',
    });
    expect(loadClientSettings({ XDG_CONFIG_HOME: '/cfg', VIGIL_SERVER: '' }, '/home/me')).toEqual({ server: undefined, token: undefined, credentialsFile: '/cfg/vigil/credentials' });
  });
});
