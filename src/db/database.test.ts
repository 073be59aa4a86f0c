import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../../test/support/database.ts';
import { waitFor } from '../../test/support/wait.ts';
import type { Database } from './database.ts';

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

const backendPid = async (pool: Database['pool']) => Number((await pool.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid);

describe('the pools', () => {
  it('keep their connections for the life of the process, up to 10 each (issue 25: no reconnect churn)', () => {
    for (const pool of [database.pool, database.lockPool]) {
      expect(pool.options.idleTimeoutMillis).toBe(0);
      expect(pool.options.max).toBe(10);
    }
  });

  it('replace a connection the server ended: the next query gets a fresh backend', async () => {
    const before = await backendPid(database.pool);
    expect(database.pool.idleCount).toBe(1);
    await database.lockPool.query('SELECT pg_terminate_backend($1)', [before]);
    await waitFor(() => database.pool.idleCount === 0, 5_000, 'the pool to drop the ended connection');
    const after = await backendPid(database.pool);
    expect(after).not.toBe(before);
  });

  it('survive the server ending a connection that is checked out between two queries (no uncaught error), and discard it on release', async () => {
    const client = await database.lockPool.connect();
    const pid = Number((await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid);
    // Held, no query running — as a transaction between two statements is — when the server ends it.
    await database.pool.query('SELECT pg_terminate_backend($1)', [pid]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    await expect(client.query('SELECT 1')).rejects.toThrow();
    client.release();
    expect(await backendPid(database.lockPool)).not.toBe(pid);
  });
});
