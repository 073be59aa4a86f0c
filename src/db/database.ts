import { fileURLToPath } from 'node:url';
import { drizzle, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import type { Logger } from '../kernel/log.ts';
import { EmbeddedPostgres } from './embedded.ts';
import { advisoryKey } from './locks.ts';

/** Typed queries over whatever tables a domain imports from its own schema.ts: db/ knows no domain. */
export type Db = NodePgDatabase;

export interface Database {
  db: Db;
  pool: pg.Pool;
  /** Connections reserved for advisory-lock critical sections (see withXactLock). */
  lockPool: pg.Pool;
  /** Where the data lives, for the start-up log: never includes a password. */
  description: string;
  /**
   * Calls `listener` whenever the server ends one of the pools' connections (it crashed, restarted
   * or was stopped; the connection was terminated): what it had not flushed to disk may be gone.
   */
  onConnectionLost(listener: (error: Error) => void): void;
  close(): Promise<void>;
}

export const migrationsFolder = fileURLToPath(new URL('../../drizzle', import.meta.url));

// Serialises migrations across processes that start at the same moment.
const MIGRATION_LOCK = advisoryKey('vigil:migrations').toString();

export interface OpenDatabaseOptions {
  /** A postgres:// URL; without it an embedded PostgreSQL is started under `dataDir`. */
  databaseUrl?: string;
  /** An embedded PostgreSQL the caller already started (to overlap its start with loading code). */
  embedded?: EmbeddedPostgres;
  dataDir: string;
  log: Logger;
  poolSize?: number;
  lockPoolSize?: number;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  let embedded: EmbeddedPostgres | undefined;
  let connection: pg.PoolConfig;
  let description: string;
  if (options.databaseUrl) {
    connection = { connectionString: options.databaseUrl };
    description = redactUrl(options.databaseUrl);
  } else {
    embedded = options.embedded;
    if (!embedded) {
      embedded = new EmbeddedPostgres({ dataDir: options.dataDir, log: options.log });
      await embedded.start();
    }
    connection = embedded.connectionConfig('vigil');
    description = `embedded PostgreSQL in ${embedded.pgDir}`;
  }
  try {
    return await connect(connection, description, options, embedded);
  } catch (error) {
    await embedded?.stop();
    throw error;
  }
}

async function connect(connection: pg.PoolConfig, description: string, options: OpenDatabaseOptions, embedded?: EmbeddedPostgres): Promise<Database> {
  await runMigrations(connection, options.log);
  return createDatabase(connection, { ...options, description, onClose: () => embedded?.stop() });
}

export interface CreateDatabaseOptions {
  log: Logger;
  description: string;
  poolSize?: number;
  lockPoolSize?: number;
  onClose?: () => Promise<void> | undefined;
}

/**
 * The options of both pools. Connections are kept for the life of the process: pg's default closes a
 * connection idle for 10 s, and a check loop that ticks in bursts then opens it again a moment
 * later — a fork and a fresh backend (catalog caches, prepared statements) each time, 13–25 per minute
 * at 2,000 checks / 30 s (issue 25, bench/RESULTS.md). `max` bounds what stays open; a connection
 * the server drops is removed by the pool on its error and replaced on the next demand.
 */
export function poolOptions(connection: pg.PoolConfig, max: number): pg.PoolConfig {
  return { ...connection, max, idleTimeoutMillis: 0 };
}

/** Pools and drizzle over an already migrated database. */
export function createDatabase(connection: pg.PoolConfig, options: CreateDatabaseOptions): Database {
  const pool = new pg.Pool(poolOptions(connection, options.poolSize ?? 10));
  const lockPool = new pg.Pool(poolOptions(connection, options.lockPoolSize ?? 10));
  let closed = false;
  const lostListeners: ((error: Error) => void)[] = [];
  const lost = (error: Error) => {
    if (!closed) for (const listener of lostListeners) listener(error);
  };
  for (const p of [pool, lockPool]) {
    // An idle client losing its server (restart, network) must not crash the process. Once closing,
    // pool.end() resolves before its idle clients' sockets are gone, and a server stopped right
    // after (the embedded one) ends them first: expected, so not a warning.
    p.on('error', (error) => (closed ? options.log.debug({ err: error }, 'PostgreSQL connection ended while closing') : options.log.warn({ err: error }, 'PostgreSQL connection lost')));
    // Nor one that is checked out with no query running (a transaction between two statements)
    // when its server goes: pg emits that on the client, where nobody listens, and the process
    // would die of it. Its next query fails instead, and the pool discards it on release.
    // Every client's own error, idle or in use, is where a lost connection is told (once).
    p.on('connect', (client) =>
      client.on('error', (error) => {
        options.log.debug({ err: error }, 'PostgreSQL connection lost (its client)');
        lost(error);
      }),
    );
  }
  return {
    db: drizzle(pool),
    pool,
    lockPool,
    description: options.description,
    onConnectionLost(listener) {
      lostListeners.push(listener);
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all([pool.end(), lockPool.end()]);
      await options.onClose?.();
    },
  };
}

/** Applies the committed drizzle migrations once, even when several processes start together. */
export async function runMigrations(connection: pg.ClientConfig, log: Logger): Promise<void> {
  const client = new pg.Client(connection);
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    const started = Date.now();
    await migrate(drizzle(client), { migrationsFolder });
    log.debug({ ms: Date.now() - started }, 'Database migrations applied');
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await client.end();
  }
}

/** True when every committed migration has been applied (for /readyz). */
export async function migrationsApplied(pool: pg.Pool, expected: number): Promise<boolean> {
  const { rows } = await pool.query<{ n: string }>(
    "SELECT count(*)::text AS n FROM drizzle.__drizzle_migrations",
  );
  return Number(rows[0]?.n ?? 0) >= expected;
}

export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '****';
    return parsed.toString();
  } catch {
    return 'postgres://(unparseable URL)';
  }
}
