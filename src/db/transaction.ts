import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import { ambientClient, withinAmbient } from './ambient.ts';

/**
 * Runs `work` between `begin` and COMMIT on one pooled connection, rolling back (and rethrowing)
 * when it throws, always releasing the connection. With `joinAmbient`, inside an ambient
 * transaction it runs as a savepoint of that one instead.
 */
export async function onConnection<T>(pool: pg.Pool, begin: string, work: (client: pg.PoolClient) => Promise<T>, options: { joinAmbient?: boolean } = {}): Promise<T> {
  const ambient = options.joinAmbient ? ambientClient() : undefined;
  if (ambient) return inSavepoint(ambient, work);
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
  return onConnection(pool, 'BEGIN', (client) => work(client, drizzle(client)), { joinAmbient: true });
}

let savepoints = 0;

/** Inside an ambient transaction (db/ambient.ts): `work` as a savepoint of it, undone alone when it throws. */
async function inSavepoint<T>(client: pg.PoolClient, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const name = `vigil_${++savepoints}`;
  await client.query(`SAVEPOINT ${name}`);
  try {
    const result = await work(client);
    await client.query(`RELEASE SAVEPOINT ${name}`);
    return result;
  } catch (error) {
    await client.query(`ROLLBACK TO SAVEPOINT ${name}`).catch(() => undefined);
    throw error;
  }
}

/**
 * Runs `work` in one transaction that every ambient-aware service joins (db/ambient.ts): all of
 * what it does commits together, or none of it.
 */
export async function inAmbientTransaction<T>(pool: pg.Pool, work: () => Promise<T>): Promise<T> {
  const client = await pool.connect();
  const afterCommit = new Map<string, () => void>();
  let result: T;
  try {
    // A drizzle transaction (not a plain handle on the client), so the services' own transactions nest as savepoints.
    result = await drizzle(client).transaction((tx) => withinAmbient({ client, tx: tx as unknown as NodePgDatabase, afterCommit }, work));
  } finally {
    client.release();
  }
  for (const effect of afterCommit.values()) effect();
  return result;
}
