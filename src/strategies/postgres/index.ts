import pg from 'pg';
import { z } from 'zod';
import { elapsedMs, hostField, portField, timeoutField } from '../common.ts';
import { definedOnly, formatConnectionUrl, parseConnectionUrl } from '../connection-url.ts';
import { describeNetworkError } from '../network-errors.ts';
import { defineCollector, defineStrategy } from '../types.ts';
import { sqlQueryConfig, sqlQueryFields, summarizeRows } from '../rows.ts';

const postgresConfigSchema = z.strictObject({
  host: hostField,
  port: portField.default(5432),
  user: z.string().min(1).default('postgres'),
  password: z.string().optional(),
  database: z.string().min(1).default('postgres'),
  ssl: z.boolean().default(false),
  /** Accept a certificate that does not verify (self-signed servers). */
  sslVerify: z.boolean().default(true),
  query: z.string().min(1).default('SELECT 1'),
  timeout: timeoutField,
});
type PostgresConfig = z.infer<typeof postgresConfigSchema>;

interface PostgresClient {
  config: PostgresConfig;
  connection: pg.Client;
  connectMs: number;
  serverVersion?: string;
}

const postgresQueryCollector = defineCollector<{ query?: string }, PostgresClient>({
  id: 'postgres.query',
  title: 'PostgreSQL query',
  config: sqlQueryConfig,
  templatable: ['query'],
  fields: sqlQueryFields('16.4'),
  async collect(client, config) {
    const startedAt = performance.now();
    const result = await client.connection.query(config.query ?? client.config.query);
    const queryMs = elapsedMs(startedAt);
    return {
      connectMs: client.connectMs,
      queryMs,
      ...summarizeRows(result.rows as Record<string, unknown>[], result.rowCount ?? result.rows.length),
      ...(client.serverVersion !== undefined && { serverVersion: client.serverVersion }),
    };
  },
});

export const postgresStrategy = defineStrategy<PostgresConfig, PostgresClient>({
  id: 'postgres',
  title: 'PostgreSQL',
  config: { version: 1, schema: postgresConfigSchema, migrations: [] },
  templatable: ['host', 'database', 'user', 'query'],
  secret: ['password'],
  target: {
    example: 'postgres://user:password@db.internal:5432/app',
    fromConfig: (config) => formatConnectionUrl('postgres', config),
    toConfig(target) {
      const parts = parseConnectionUrl(target, { plain: ['postgres', 'postgresql'], tls: [] });
      return definedOnly({ ...parts, tls: undefined, ssl: parts.tls || undefined });
    },
  },
  async connect(config, ctx) {
    const startedAt = performance.now();
    const connection = new pg.Client({
      host: config.host,
      port: config.port,
      user: config.user,
      password: config.password,
      database: config.database,
      ssl: config.ssl ? { rejectUnauthorized: config.sslVerify } : false,
      connectionTimeoutMillis: config.timeout,
      application_name: 'vigil',
    });
    const client: PostgresClient = { config, connection, connectMs: 0 };
    // The server announces its version during startup; no extra query needed.
    (connection as unknown as { connection: NodeJS.EventEmitter }).connection.on(
      'parameterStatus',
      (message: { parameterName: string; parameterValue: string }) => {
        if (message.parameterName === 'server_version') client.serverVersion = message.parameterValue;
      },
    );
    connection.on('error', () => undefined);
    const onAbort = () => void connection.end().catch(() => undefined);
    ctx.signal.addEventListener('abort', onAbort, { once: true });
    try {
      await connection.connect();
    } catch (error) {
      throw new Error(describeDatabaseError(error, `${config.host}:${config.port}`), { cause: error });
    } finally {
      ctx.signal.removeEventListener('abort', onAbort);
    }
    client.connectMs = elapsedMs(startedAt);
    return client;
  },
  async close(client) {
    await client.connection.end();
  },
  defaultCollector: 'postgres.query',
  collectors: [postgresQueryCollector],
});

export function describeDatabaseError(error: unknown, target: string): string {
  const code = (error as { code?: string }).code;
  // Server-side errors (bad password, unknown database) already say what is wrong.
  if (code && /^[0-9A-Z]{5}$/.test(code)) return (error as Error).message;
  return describeNetworkError(error, target);
}
