import type * as grpc from '@grpc/grpc-js';
import { z } from 'zod';
import { abortable, elapsedMs, formatHostPort, hostField, parseHostPort, portField, timeoutField } from '../common.ts';
import { CollectorError, defineCollector, defineStrategy } from '../types.ts';
import { loadGrpcHealth } from './health-proto.ts';
import type { GrpcHealth, HealthCheckResponse, HealthClient } from './health-proto.ts';

const grpcConfigSchema = z.strictObject({
  host: hostField,
  port: portField,
  /** The service to ask about; empty = the server as a whole. */
  service: z.string().default(''),
  tls: z.boolean().default(false),
  /** PEM bundle to trust instead of the system store. */
  ca: z.string().optional(),
  timeout: timeoutField,
});
type GrpcConfig = z.infer<typeof grpcConfigSchema>;

interface GrpcClient {
  library: GrpcHealth['grpc'];
  config: GrpcConfig;
  health: HealthClient;
  connectMs: number;
}

const grpcHealthCollector = defineCollector<{ service?: string }, GrpcClient>({
  id: 'grpc.health',
  title: 'gRPC health (grpc.health.v1)',
  config: { version: 1, schema: z.strictObject({ service: z.string().optional() }), migrations: [] },
  templatable: ['service'],
  fields: {
    status: { type: 'string', description: 'SERVING, NOT_SERVING, SERVICE_UNKNOWN or UNKNOWN' },
    serving: { type: 'boolean', description: 'Whether the status is SERVING' },
    connectMs: { type: 'number', description: 'Time to establish the channel' },
    callMs: { type: 'number', description: 'Round trip of the Check call' },
  },
  async collect(client, config, ctx) {
    const service = config.service ?? client.config.service;
    const startedAt = performance.now();
    const response = await new Promise<HealthCheckResponse>((resolve, reject) => {
      const call = client.health.Check({ service }, { deadline: Date.now() + client.config.timeout }, (error, reply) => {
        ctx.signal.removeEventListener('abort', cancel);
        if (error) reject(new Error(describeGrpcError(client.library, error, service)));
        else resolve(reply ?? { status: 'UNKNOWN' });
      });
      const cancel = () => call.cancel();
      ctx.signal.addEventListener('abort', cancel, { once: true });
    });
    const fields = {
      status: response.status,
      serving: response.status === 'SERVING',
      connectMs: client.connectMs,
      callMs: elapsedMs(startedAt),
    };
    if (!fields.serving) throw new CollectorError(`gRPC service ${service === '' ? '(server)' : `"${service}"`} is ${response.status}`, fields);
    return fields;
  },
});

function describeGrpcError(library: GrpcHealth['grpc'], error: grpc.ServiceError, service: string): string {
  if (error.code === library.status.NOT_FOUND) return `gRPC service "${service}" is unknown to the health server (NOT_FOUND)`;
  if (error.code === library.status.UNIMPLEMENTED) return 'The server does not implement grpc.health.v1 (UNIMPLEMENTED)';
  return `gRPC health check failed: ${library.status[error.code] ?? error.code} ${error.details}`;
}

export const grpcStrategy = defineStrategy<GrpcConfig, GrpcClient>({
  id: 'grpc',
  title: 'gRPC health',
  config: { version: 1, schema: grpcConfigSchema, migrations: [] },
  templatable: ['host', 'service'],
  secret: [],
  target: {
    example: 'api.internal:50051',
    fromConfig: (config) => formatHostPort(config.host, config.port),
    toConfig: (target) => parseHostPort(target),
  },
  async connect(config, ctx) {
    const { grpc, Health } = await loadGrpcHealth();
    const credentials = config.tls
      ? grpc.credentials.createSsl(config.ca === undefined ? null : Buffer.from(config.ca))
      : grpc.credentials.createInsecure();
    const address = `${config.host}:${config.port}`;
    const health = new Health(address, credentials, { 'grpc.max_reconnect_backoff_ms': 1000 }) as unknown as HealthClient;
    const startedAt = performance.now();
    try {
      await abortable(channelReady(grpc, health, Date.now() + config.timeout), ctx.signal);
    } catch (error) {
      health.close();
      throw new Error(ctx.signal.aborted ? (error as Error).message : `Cannot reach gRPC server ${address}: ${(error as Error).message}`, { cause: error });
    }
    return { library: grpc, config, health, connectMs: elapsedMs(startedAt) };
  },
  async close(client) {
    client.health.close();
  },
  defaultCollector: 'grpc.health',
  collectors: [grpcHealthCollector],
});

/**
 * Resolves when the channel is READY. grpc-js's own waitForReady keeps
 * retrying a refused port until the deadline; a check wants to know now.
 */
function channelReady(grpc: GrpcHealth['grpc'], health: HealthClient, deadline: number): Promise<void> {
  const channel = health.getChannel();
  return new Promise((resolve, reject) => {
    const watch = (state: grpc.connectivityState) => {
      if (state === grpc.connectivityState.READY) return resolve();
      if (state === grpc.connectivityState.TRANSIENT_FAILURE) return reject(new Error('connection failed (refused or reset)'));
      if (state === grpc.connectivityState.SHUTDOWN) return reject(new Error('channel shut down'));
      channel.watchConnectivityState(state, deadline, (error) => {
        if (error) reject(new Error('connection timed out'));
        else watch(channel.getConnectivityState(true));
      });
    };
    watch(channel.getConnectivityState(true));
  });
}
