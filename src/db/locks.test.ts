import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createTestDatabase } from '../../test/support/database.ts';
import { adminQuery, withDatabase } from '../../test/support/postgres.ts';
import { silentLogger } from '../kernel/log.ts';
import type { Database } from './database.ts';
import { migrationsFolder, runMigrations } from './database.ts';
import { advisoryKey, withXactLock } from './locks.ts';

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('withXactLock', () => {
  it('serialises holders of one key: the second starts only after the first commits', async () => {
    const events: string[] = [];
    const holder = (name: string) =>
      withXactLock(database.lockPool, 'health:system-1', async () => {
        events.push(`${name} in`);
        await sleep(150);
        events.push(`${name} out`);
      });
    await Promise.all([holder('a'), holder('b')]);
    expect(events).toHaveLength(4);
    expect(events[1]).toBe(`${events[0]!.split(' ')[0]} out`);
  });

  it('lets different keys run at the same time', async () => {
    const events: string[] = [];
    const holder = (key: string) =>
      withXactLock(database.lockPool, key, async () => {
        events.push(`${key} in`);
        await sleep(150);
        events.push(`${key} out`);
      });
    await Promise.all([holder('health:s1'), holder('health:s1::prod')]);
    expect(events.slice(0, 2).every((e) => e.endsWith(' in'))).toBe(true);
  });

  it('rolls back and releases the lock when the work throws', async () => {
    await database.pool.query('CREATE TABLE IF NOT EXISTS lock_probe (n int)');
    await expect(
      withXactLock(database.lockPool, 'k', async (client) => {
        await client.query('INSERT INTO lock_probe VALUES (1)');
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect((await database.pool.query('SELECT count(*)::int AS n FROM lock_probe')).rows[0].n).toBe(0);
    const again = await withXactLock(database.lockPool, 'k', async () => 'reacquired');
    expect(again).toBe('reacquired');
  });

  it('hashes keys to stable signed 64-bit values', () => {
    expect(advisoryKey('health:a')).toBe(advisoryKey('health:a'));
    expect(advisoryKey('health:a')).not.toBe(advisoryKey('health:b'));
    const key = advisoryKey('x');
    expect(key >= -(2n ** 63n) && key < 2n ** 63n).toBe(true);
  });
});

describe('migrations', () => {
  it('apply exactly once when several processes start together', async () => {
    const { admin, prefix } = inject('postgres');
    const name = `${prefix}migrate_race`;
    await adminQuery(admin, `CREATE DATABASE ${name}`);
    try {
      const target = withDatabase(admin, name);
      await Promise.all([0, 1, 2].map(() => runMigrations(target, silentLogger())));
      const applied = await adminQuery(target, 'SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations');
      const journal = JSON.parse(readFileSync(`${migrationsFolder}/meta/_journal.json`, 'utf8')) as { entries: unknown[] };
      expect(applied.rows[0].n).toBe(journal.entries.length);
      const tables = await adminQuery(target, "SELECT count(*)::int AS n FROM pg_tables WHERE tablename IN ('systems', 'runs', 'transitions')");
      expect(tables.rows[0].n).toBe(3);
      await runMigrations(target, silentLogger()); // a restart: nothing to do, no error
    } finally {
      await adminQuery(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    }
  });
});
