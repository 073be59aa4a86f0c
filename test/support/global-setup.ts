import { chmodSync, mkdtempSync, rmSync } from 'node:fs';

import type { TestProject } from 'vitest/node';
import { buildIfStale } from '../../bin/build.js';
import { EmbeddedPostgres } from '../../src/db/embedded.ts';
import { runMigrations } from '../../src/db/database.ts';
import { silentLogger } from '../../src/kernel/log.ts';
import { adminQuery, withDatabase } from './postgres.ts';

/**
 * One PostgreSQL for the whole run: the one DATABASE_URL names (CI: the local server), or else an
 * embedded one in a temporary directory. Migrations run once into a template database; each test
 * file copies it (CREATE DATABASE … TEMPLATE, ~40 ms) and so starts from a clean, migrated schema.
 */
export default async function setup(project: TestProject) {
  // Tests that start `vigil` run dist/: build it once here, not in each process they start.
  buildIfStale();
  const log = silentLogger();
  let embedded: EmbeddedPostgres | undefined;
  let dataDir: string | undefined;
  let admin;
  if (process.env.DATABASE_URL) {
    admin = withDatabase({ connectionString: process.env.DATABASE_URL }, 'postgres');
  } else {
    // Not under the home directory: as root, PostgreSQL runs as `postgres`, which cannot enter /root.
    dataDir = mkdtempSync('/tmp/vigil-test-');
    chmodSync(dataDir, 0o755);
    embedded = new EmbeddedPostgres({ dataDir, log });
    await embedded.start();
    admin = embedded.connectionConfig('postgres');
  }
  const prefix = `vigil_test_${process.pid}_`;
  const template = `${prefix}template`;
  await adminQuery(admin, `DROP DATABASE IF EXISTS ${template}`);
  await adminQuery(admin, `CREATE DATABASE ${template}`);
  await runMigrations(withDatabase(admin, template), log);
  project.provide('postgres', { admin, template, prefix });

  return async () => {
    const { rows } = await adminQuery(admin, 'SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [prefix]);
    for (const { datname } of rows as { datname: string }[]) {
      await adminQuery(admin, `DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`);
    }
    await embedded?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  };
}

