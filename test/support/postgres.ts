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

/** A postgres:// URL for a child process (a unix-socket host becomes `?host=<dir>`). */
export function connectionUrl(config: pg.ClientConfig): string {
  if (config.connectionString) return config.connectionString;
  const url = new URL(`postgres://${config.user ?? 'postgres'}@localhost/${config.database ?? 'postgres'}`);
  if (typeof config.host === 'string' && config.host.startsWith('/')) url.searchParams.set('host', config.host);
  else if (config.host) url.hostname = config.host;
  if (config.port) url.port = String(config.port);
  return url.toString();
}
