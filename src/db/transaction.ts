import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import type { Db } from './database.ts';

/**
 * One transaction on one pooled connection: `work` gets the client (for raw SQL, the outbox, row
 * locks) and a typed handle over the same connection, so everything it writes — the change, its
 * audit entry, its events — commits or rolls back together. The error `work` threw is rethrown.
 */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient, tx: Db) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client, drizzle(client));
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
