import pg from 'pg';

/** What the global setup hands every test file: where the template database lives. */
export interface TestPostgres {
  /** Connection to the server's maintenance database (`postgres`). */
  admin: pg.ClientConfig;
  /** Name of the migrated template database to copy per test file. */
  template: string;
  /** Database name prefix of this run, so teardown drops only its own. */
  prefix: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    postgres: TestPostgres;
  }
}

export function withDatabase(config: pg.ClientConfig, database: string): pg.ClientConfig {
  if (config.connectionString) {
    const url = new URL(config.connectionString);
    url.pathname = `/${database}`;
    return { ...config, connectionString: url.toString() };
  }
  return { ...config, database };
}

export async function adminQuery(config: pg.ClientConfig, sql: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client(config);
  await client.connect();
  try {
    return await client.query(sql, params);
  } finally {
    await client.end();
  }
}
