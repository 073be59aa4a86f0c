import type { Redis } from 'ioredis';
import { z } from 'zod';
import { abortable, elapsedMs, emptyCollectorConfig, hostField, portField, timeoutField } from '../common.ts';
import { definedOnly, formatConnectionUrl, parseConnectionUrl } from '../connection-url.ts';
import { describeNetworkError } from '../network-errors.ts';
import { defineCollector, defineStrategy } from '../types.ts';
import { parseRedisInfo } from './info.ts';

const redisConfigSchema = z.strictObject({
  host: hostField,
  port: portField.default(6379),
  username: z.string().min(1).optional(),
  password: z.string().optional(),
  db: z.number().int().min(0).default(0),
  tls: z.boolean().default(false),
  tlsVerify: z.boolean().default(true),
  timeout: timeoutField,
});
type RedisConfig = z.infer<typeof redisConfigSchema>;

interface RedisClient {
  config: RedisConfig;
  connection: Redis;
  connectMs: number;
}

const redisPingCollector = defineCollector<Record<string, never>, RedisClient>({
  id: 'redis.ping',
  title: 'Redis PING',
  config: emptyCollectorConfig,
  templatable: [],
  fields: {
    connectMs: { type: 'number', description: 'Time to connect (and authenticate)' },
    pingMs: { type: 'number', description: 'Round trip of PING' },
    reply: { type: 'string', description: 'The reply, normally PONG' },
  },
  async collect(client, _config, ctx) {
    const startedAt = performance.now();
    const reply = await abortable(client.connection.ping(), ctx.signal);
    return { connectMs: client.connectMs, pingMs: elapsedMs(startedAt), reply };
  },
});

const redisInfoCollector = defineCollector<{ section?: string }, RedisClient>({
  id: 'redis.info',
  title: 'Redis INFO',
  config: { version: 1, schema: z.strictObject({ section: z.string().min(1).optional() }), migrations: [] },
  templatable: [],
  fields: {
    info: { type: 'object', description: 'Every INFO field, e.g. info $.used_memory' },
    serverVersion: { type: 'string', description: 'redis_version' },
    role: { type: 'string', description: 'master or slave' },
    connectedClients: { type: 'number', description: 'connected_clients' },
    usedMemoryBytes: { type: 'number', description: 'used_memory' },
    uptimeSeconds: { type: 'number', description: 'uptime_in_seconds' },
  },
  async collect(client, config, ctx) {
    const text = await abortable(
      config.section === undefined ? client.connection.info() : client.connection.info(config.section),
      ctx.signal,
    );
    const info = parseRedisInfo(text);
    const number = (key: string) => (info[key] === undefined ? undefined : Number(info[key]));
    return definedOnly({
      info,
      serverVersion: info.redis_version,
      role: info.role,
      connectedClients: number('connected_clients'),
      usedMemoryBytes: number('used_memory'),
      uptimeSeconds: number('uptime_in_seconds'),
    });
  },
});

export const redisStrategy = defineStrategy<RedisConfig, RedisClient>({
  id: 'redis',
  title: 'Redis',
  config: { version: 1, schema: redisConfigSchema, migrations: [] },
  templatable: ['host'],
  secret: ['password'],
  target: {
    example: 'redis://:password@cache.internal:6379/0',
    fromConfig: (config) => formatConnectionUrl(config.tls ? 'rediss' : 'redis', { host: config.host, port: config.port, user: config.username, database: String(config.db) }),
    toConfig(target) {
      const parts = parseConnectionUrl(target, { plain: ['redis'], tls: ['rediss'] });
      const db = parts.database === undefined ? undefined : Number(parts.database);
      return definedOnly({ host: parts.host, port: parts.port, username: parts.user, password: parts.password, db, tls: parts.tls || undefined });
    },
  },
  async connect(config, ctx) {
    // Loaded on first use, so Vigil starts without the Redis client unless a check needs it.
    const { Redis } = await import('ioredis');
    const startedAt = performance.now();
    // No retries, no offline queue: a check measures this one attempt.
    const connection = new Redis({
      host: config.host,
      port: config.port,
      db: config.db,
      ...(config.username !== undefined && { username: config.username }),
      ...(config.password !== undefined && { password: config.password }),
      ...(config.tls && { tls: { rejectUnauthorized: config.tlsVerify } }),
      lazyConnect: true,
      connectTimeout: config.timeout,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      enableOfflineQueue: false,
      enableReadyCheck: false,
    });
    // ioredis rejects connect() with a bare "Connection is closed."; the socket error says why.
    let socketError: unknown;
    connection.on('error', (error: unknown) => (socketError ??= error));
    try {
      await abortable(connection.connect(), ctx.signal);
    } catch (error) {
      connection.disconnect();
      if (ctx.signal.aborted) throw error;
      const cause = socketError ?? error;
      const code = (cause as { code?: string }).code;
      throw new Error(code ? describeNetworkError(cause, `${config.host}:${config.port}`) : (cause as Error).message, { cause: error });
    }
    return { config, connection, connectMs: elapsedMs(startedAt) };
  },
  async close(client) {
    client.connection.disconnect();
  },
  defaultCollector: 'redis.ping',
  collectors: [redisPingCollector, redisInfoCollector],
});
