import type { NodePgDatabase } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import { ScopedStorage } from '../kernel/scoped-storage.ts';

/**
 * An ambient transaction: work that must be all-or-nothing across several services (applying a
 * set of configuration documents, issue 22) runs inside `withinTransaction`, and every service
 * built on `ambientDb` / `ambientPool` joins it without knowing — its own transactions become
 * savepoints of the ambient one (drizzle nests `transaction()` as savepoints; `onConnection`
 * does the same for pool-client transactions), its reads see what was written before them, and
 * nothing is visible to others until the ambient transaction commits. Outside one, they behave
 * exactly as the plain database and pool.
 */

interface Ambient {
  client: pg.PoolClient;
  tx: NodePgDatabase;
  /** What waits for COMMIT (announcements, re-evaluations), by key: each once, however often asked. */
  afterCommit: Map<string, () => void>;
}

const current = new ScopedStorage<Ambient>();

/** The ambient transaction's connection, when there is one. */
export function ambientClient(): pg.PoolClient | undefined {
  return current.getStore()?.client;
}

/** Runs `work` with `ambient` as the transaction every ambient-aware service joins. */
export function withinAmbient<T>(ambient: Ambient, work: () => Promise<T>): Promise<T> {
  return current.run(ambient, work);
}

/** `db`, or the ambient transaction's handle while there is one. */
export function ambientDb<D extends object>(db: D): D {
  return new Proxy(db, {
    get(target, property) {
      const source = (current.getStore()?.tx as unknown as D | undefined) ?? target;
      const value = Reflect.get(source, property, source) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(source) : value;
    },
  });
}

/** `pool`, whose `query` runs on the ambient transaction's connection while there is one. */
export function ambientPool(pool: pg.Pool): pg.Pool {
  return new Proxy(pool, {
    get(target, property) {
      const client = current.getStore()?.client;
      if (client && property === 'query') return client.query.bind(client);
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

/**
 * Runs `effect` now, or — inside an ambient transaction — once it commits (never if it rolls
 * back): what others would read before the commit (a schedule reload, a health re-evaluation on
 * another connection) would see nothing of it yet. Effects with one key run once.
 */
export function whenCommitted(key: string, effect: () => void): void {
  const ambient = current.getStore();
  if (ambient) ambient.afterCommit.set(key, effect);
  else effect();
}
