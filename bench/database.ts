/**
 * A migrated database of its own on the local PostgreSQL (BENCH_DATABASE_URL), for benchmarks that
 * drive Vigil's parts in-process; `drop()` closes it and removes it.
 */
import pg from 'pg';
import { createDatabase, runMigrations, type Database } from '../src/db/database.ts';
import { silentLogger } from '../src/kernel/log.ts';

export const LOCAL_PG = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export async function createBenchDatabase(tag: string): Promise<{ database: Database; drop(): Promise<void> }> {
  const log = silentLogger();
  const admin = new pg.Client({ connectionString: LOCAL_PG });
  await admin.connect();
  const name = `vigil_bench_${tag}_${process.pid}`;
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(LOCAL_PG);
  url.pathname = `/${name}`;
  const connection = { connectionString: url.toString() };
  await runMigrations(connection, log);
  const database = createDatabase(connection, { log, description: name });
  return {
    database,
    async drop() {
      await database.close();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
