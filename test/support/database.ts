import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { inject } from 'vitest';
import { createDatabase, type Database } from '../../src/db/database.ts';
import { silentLogger } from '../../src/kernel/log.ts';
import { adminQuery, withDatabase } from './postgres.ts';

export interface TestDatabase extends Database {
  /** How to reach it, e.g. to hand a child process a DATABASE_URL. */
  connection: pg.ClientConfig;
}

/** A fresh, migrated database of its own for one test file (copied from the run's template). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const { admin, template, prefix } = inject('postgres');
  const name = `${prefix}${randomBytes(6).toString('hex')}`;
  for (let attempt = 0; ; attempt++) {
    try {
      await adminQuery(admin, `CREATE DATABASE ${name} TEMPLATE ${template}`);
      break;
    } catch (error) {
      // Two files copying the template at the same instant: PostgreSQL says it is "being accessed".
      if ((error as { code?: string }).code !== '55006' || attempt > 20) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 100));
    }
  }
  const connection = withDatabase(admin, name);
  const database = createDatabase(connection, {
    log: silentLogger(),
    description: name,
    onClose: async () => {
      await adminQuery(admin, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  });
  return { ...database, connection };
}
