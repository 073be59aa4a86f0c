import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import type pg from 'pg';

/**
 * Runs `work` between `begin` and COMMIT on one pooled connection, rolling back (and rethrowing)
 * when it throws, always releasing the connection.
 */
export async function onConnection<T>(pool: pg.Pool, begin: string, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(begin);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

/**
 * One transaction on one pooled connection: `work` gets the client (for raw SQL, the outbox, row
 * locks) and a typed handle over the same connection, so everything it writes — the change, its
 * audit entry, its events — commits or rolls back together.
 */
export function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient, tx: NodePgDatabase) => Promise<T>): Promise<T> {
  return onConnection(pool, 'BEGIN', (client) => work(client, drizzle(client)));
}
