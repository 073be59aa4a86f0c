import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SettingsError, loadSettings } from './settings.ts';

describe('loadSettings', () => {
  const rows: { name: string; flags?: Parameters<typeof loadSettings>[0]; env: NodeJS.ProcessEnv; expected: Partial<ReturnType<typeof loadSettings>> }[] = [
    { name: 'defaults: everything in one process on 127.0.0.1:8080, ./data', env: {}, expected: { role: 'all', host: '127.0.0.1', port: 8080, dataDir: resolve('data'), databaseUrl: undefined } },
    { name: 'environment variables', env: { PORT: '9090', VIGIL_DATA_DIR: '/var/lib/vigil', DATABASE_URL: 'postgres://db/vigil' }, expected: { port: 9090, dataDir: '/var/lib/vigil', databaseUrl: 'postgres://db/vigil' } },
    { name: 'flags win over the environment', flags: { port: '7070', dataDir: '/srv/v' }, env: { PORT: '9090', VIGIL_DATA_DIR: '/var/lib/vigil' }, expected: { port: 7070, dataDir: '/srv/v' } },
    { name: 'an empty DATABASE_URL means the embedded server', env: { DATABASE_URL: '' }, expected: { databaseUrl: undefined } },
    { name: 'a split role with both services', flags: { role: 'worker' }, env: { DATABASE_URL: 'postgres://db/v', REDIS_URL: 'redis://r:6379' }, expected: { role: 'worker', redisUrl: 'redis://r:6379', redisPrefix: 'vigil' } },
  ];
  for (const row of rows) it(row.name, () => expect(loadSettings(row.flags, row.env)).toMatchObject(row.expected));

  const errors: { name: string; flags?: Parameters<typeof loadSettings>[0]; env: NodeJS.ProcessEnv; field: string }[] = [
    { name: 'a port that is not a number', flags: { port: 'eighty' }, env: {}, field: '--port / PORT' },
    { name: 'a port out of range', env: { PORT: '70000' }, field: '--port / PORT' },
    { name: 'a database URL of another kind', env: { DATABASE_URL: 'mysql://db' }, field: 'DATABASE_URL' },
    { name: 'a split role without Redis', flags: { role: 'worker' }, env: { DATABASE_URL: 'postgres://db/v' }, field: '--role' },
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
