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
  return withXactLocks(lockPool, [key], fn);
}

export interface XactLockOptions {
  /**
   * Commit without waiting for the WAL flush (`synchronous_commit = off` for this transaction): a
   * crash can lose its last ~0.6 s of such commits, never one made synchronously after them. `fn`
   * can still make its own commit synchronous (`SET LOCAL synchronous_commit TO on`) once it writes
   * something that must never be lost: the setting in force at COMMIT decides.
   */
  asyncCommit?: boolean;
}

/**
 * withXactLock for several keys at once, taken in one order (by key value) by every process, so two
 * transactions that share some keys wait for each other and never deadlock.
 */
export function withXactLocks<T>(lockPool: pg.Pool, keys: readonly string[], fn: (client: pg.PoolClient) => Promise<T>, options: XactLockOptions = {}): Promise<T> {
  const ordered = [...new Set(keys.map(advisoryKey))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  // One round trip for all; the keys are numbers we computed, safe to write into the text.
  const locks = ordered.map((key) => `pg_advisory_xact_lock(${key})`).join(', ');
  return onConnection(lockPool, `BEGIN; ${options.asyncCommit ? 'SET LOCAL synchronous_commit TO off; ' : ''}SELECT ${locks}`, fn);
}
