import { connect as netConnect } from 'node:net';
import type { Socket } from 'node:net';
import { z } from 'zod';
import { elapsedMs, emptyCollectorConfig, formatHostPort, hostField, parseHostPort, portField, timeoutField } from '../common.ts';
import { describeNetworkError } from '../network-errors.ts';
import { CollectorError, defineCollector, defineStrategy } from '../types.ts';

const tcpConfigSchema = z.strictObject({
  host: hostField,
  port: portField,
  /** Written once connected, e.g. `"PING\r\n"`. */
  send: z.string().optional(),
  /** Regular expression the received bytes must match, e.g. `^SSH-2\.0`. */
  expect: z
    .string()
    .refine(isValidRegExp, { message: 'Invalid regular expression' })
    .optional(),
  /**
   * How long to wait for the expected answer (default 1000 ms). Without
   * send/expect there is no wait unless this is set: the check is done once
   * connected, and `banner` is whatever had arrived by then.
   */
  readTimeoutMs: z.number().int().min(0).optional(),
  timeout: timeoutField,
});
type TcpConfig = z.infer<typeof tcpConfigSchema>;

interface TcpClient {
  config: TcpConfig;
  socket: Socket;
  connectMs: number;
  /** Everything received so far; a banner may arrive before any collector listens. */
  received: Buffer[];
  ended: boolean;
}

const MAX_BANNER_BYTES = 4096;

function isValidRegExp(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}

const tcpConnectionCollector = defineCollector<Record<string, never>, TcpClient>({
  id: 'tcp.connection',
  title: 'TCP connection and banner',
  config: emptyCollectorConfig,
  templatable: [],
  fields: {
    connectMs: { type: 'number', description: 'Time to open the connection' },
    banner: { type: 'string', description: 'Text the server sent (after `send`, if set), up to 4 KiB; without send/expect, set readTimeoutMs to wait for it' },
    matched: { type: 'boolean', description: 'Whether the received text matched `expect` (only with expect)' },
  },
  async collect(client, _config, ctx) {
    const { config, socket } = client;
    if (config.send !== undefined) socket.write(config.send);
    const pattern = config.expect === undefined ? undefined : new RegExp(config.expect);
    // A port that waits for its client to speak first (a database) would cost every check the wait.
    const waitMs = config.readTimeoutMs ?? (config.send === undefined && pattern === undefined ? undefined : 1000);
    if (waitMs !== undefined) await waitForData(client, pattern, waitMs, ctx.signal);
    const banner = Buffer.concat(client.received).subarray(0, MAX_BANNER_BYTES).toString('utf8');
    const fields: Record<string, unknown> = { connectMs: client.connectMs, banner };
    if (pattern) {
      fields.matched = pattern.test(banner);
      if (!fields.matched) {
        throw new CollectorError(`Expected /${config.expect}/ from ${config.host}:${config.port}, got ${JSON.stringify(banner.slice(0, 200))}`, fields);
      }
    }
    return fields;
  },
});

/** Resolves once the pattern matches, any data came (no pattern), the peer ends, or the wait is over. */
function waitForData(client: TcpClient, pattern: RegExp | undefined, waitMs: number, signal: AbortSignal): Promise<void> {
  const satisfied = () => {
    if (client.ended) return true;
    const text = Buffer.concat(client.received).toString('utf8');
    return pattern ? pattern.test(text) : text.length > 0;
  };
  if (satisfied()) return Promise.resolve();
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      client.socket.off('data', onData);
      client.socket.off('close', finish);
      signal.removeEventListener('abort', finish);
      resolve();
    };
    const onData = () => {
      if (satisfied()) finish();
    };
    const timer = setTimeout(finish, waitMs);
    client.socket.on('data', onData);
    client.socket.once('close', finish);
    signal.addEventListener('abort', finish, { once: true });
  });
}

export const tcpStrategy = defineStrategy<TcpConfig, TcpClient>({
  id: 'tcp',
  title: 'TCP port',
  config: { version: 1, schema: tcpConfigSchema, migrations: [] },
  templatable: ['host', 'send'],
  secret: [],
  target: {
    example: 'db.internal:5432',
    fromConfig: (config) => formatHostPort(config.host, config.port),
    toConfig: (target) => parseHostPort(target),
  },
  connect(config, ctx) {
    const startedAt = performance.now();
    return new Promise<TcpClient>((resolve, reject) => {
      const socket = netConnect({ host: config.host, port: config.port });
      const client: TcpClient = { config, socket, connectMs: 0, received: [], ended: false };
      let size = 0;
      socket.on('data', (chunk: Buffer) => {
        if (size < MAX_BANNER_BYTES) client.received.push(chunk);
        size += chunk.length;
      });
      socket.on('end', () => (client.ended = true));
      const onAbort = () => socket.destroy();
      ctx.signal.addEventListener('abort', onAbort, { once: true });
      socket.once('connect', () => {
        client.connectMs = elapsedMs(startedAt);
        socket.off('error', onError);
        // Late errors (a reset while reading) end the wait instead of crashing.
        socket.on('error', () => (client.ended = true));
        resolve(client);
      });
      const onError = (error: Error) => {
        ctx.signal.removeEventListener('abort', onAbort);
        reject(new Error(describeNetworkError(error, `${config.host}:${config.port}`)));
      };
      socket.once('error', onError);
    });
  },
  async close(client) {
    client.socket.destroy();
  },
  defaultCollector: 'tcp.connection',
  collectors: [tcpConnectionCollector],
});
