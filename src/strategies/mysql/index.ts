import type mysql from 'mysql2/promise';
import { z } from 'zod';
import { abortable, elapsedMs, hostField, portField, timeoutField } from '../common.ts';
import { definedOnly, formatConnectionUrl, parseConnectionUrl } from '../connection-url.ts';
import { describeNetworkError } from '../network-errors.ts';
import { sqlQueryConfig, sqlQueryFields, summarizeRows } from '../rows.ts';
import { defineCollector, defineStrategy } from '../types.ts';

const mysqlConfigSchema = z.strictObject({
  host: hostField,
  port: portField.default(3306),
  user: z.string().min(1).default('root'),
  password: z.string().optional(),
  database: z.string().min(1).optional(),
  ssl: z.boolean().default(false),
  sslVerify: z.boolean().default(true),
  query: z.string().min(1).default('SELECT 1'),
  timeout: timeoutField,
});
type MysqlConfig = z.infer<typeof mysqlConfigSchema>;

interface MysqlClient {
  config: MysqlConfig;
  connection: mysql.Connection;
  connectMs: number;
}

const mysqlQueryCollector = defineCollector<{ query?: string }, MysqlClient>({
  id: 'mysql.query',
  title: 'MySQL / MariaDB query',
  config: sqlQueryConfig,
  templatable: ['query'],
  fields: sqlQueryFields('10.11.6-MariaDB'),
  async collect(client, config) {
    const startedAt = performance.now();
    const [result] = await client.connection.query(config.query ?? client.config.query);
    const queryMs = elapsedMs(startedAt);
    const rows = Array.isArray(result) ? (result as Record<string, unknown>[]) : [];
    const rowCount = Array.isArray(result) ? rows.length : ((result as { affectedRows?: number }).affectedRows ?? 0);
    // mysql2 keeps the handshake's server version; it costs no extra round trip.
    const core = (client.connection as unknown as { connection?: { _handshakePacket?: { serverVersion?: string } } }).connection;
    const serverVersion = core?._handshakePacket?.serverVersion;
    return {
      connectMs: client.connectMs,
      queryMs,
      ...summarizeRows(rows, rowCount),
      ...(serverVersion !== undefined && { serverVersion }),
    };
  },
});

export const mysqlStrategy = defineStrategy<MysqlConfig, MysqlClient>({
  id: 'mysql',
  title: 'MySQL / MariaDB',
  config: { version: 1, schema: mysqlConfigSchema, migrations: [] },
  templatable: ['host', 'database', 'user', 'query'],
  secret: ['password'],
  target: {
    example: 'mysql://user:password@db.internal:3306/app',
    fromConfig: (config) => formatConnectionUrl('mysql', config),
    toConfig(target) {
      const parts = parseConnectionUrl(target, { plain: ['mysql', 'mariadb'], tls: [] });
      return definedOnly({ ...parts, tls: undefined, ssl: parts.tls || undefined });
    },
  },
  async connect(config, ctx) {
    // Loaded on first use, so Vigil starts without the MySQL driver unless a check needs it.
    const { default: driver } = await import('mysql2/promise');
    const startedAt = performance.now();
    let connection: mysql.Connection;
    const connecting = driver.createConnection({
      host: config.host,
      port: config.port,
      user: config.user,
      ...(config.password !== undefined && { password: config.password }),
      ...(config.database !== undefined && { database: config.database }),
      ...(config.ssl && { ssl: { rejectUnauthorized: config.sslVerify } }),
      connectTimeout: config.timeout,
    });
    // A connection that lands after the run timed out belongs to nobody: drop it.
    connecting.then((late) => ctx.signal.aborted && late.destroy(), () => undefined);
    try {
      connection = await abortable(connecting, ctx.signal);
    } catch (error) {
      if (ctx.signal.aborted) throw error;
      const sqlMessage = (error as { sqlMessage?: string }).sqlMessage;
      throw new Error(sqlMessage ?? describeNetworkError(error, `${config.host}:${config.port}`), { cause: error });
    }
    connection.on('error', () => undefined);
    return { config, connection, connectMs: elapsedMs(startedAt) };
  },
  async close(client) {
    await client.connection.end().catch(() => client.connection.destroy());
  },
  defaultCollector: 'mysql.query',
  collectors: [mysqlQueryCollector],
});
