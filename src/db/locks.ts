import { createHash } from 'node:crypto';
import type pg from 'pg';
import { onConnection } from './transaction.ts';

/** A stable signed 64-bit key for `pg_advisory_*lock(bigint)`, the same on every process. */
export function advisoryKey(key: string): bigint {
  return createHash('sha256').update(key).digest().readBigInt64BE(0);
}

/**
 * Runs `fn` in a transaction that holds `pg_advisory_xact_lock(hash(key))`: every process that uses
 * the same key waits its turn, and the lock is released by COMMIT or ROLLBACK, never forgotten.
 * Takes its client from `lockPool`, a pool of its own, so that waiting for a lock never starves
 * ordinary queries of connections.
 */
export function withXactLock<T>(lockPool: pg.Pool, key: string, fn: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  // One round trip for both; the key is a number we computed, safe to write into the text.
  return onConnection(lockPool, `BEGIN; SELECT pg_advisory_xact_lock(${advisoryKey(key)})`, fn);
}
