import * as grpc from '@grpc/grpc-js';
import { loadGrpcHealth } from '../../src/strategies/grpc/health-proto.ts';
import type { HealthCheckResponse } from '../../src/strategies/grpc/health-proto.ts';

/**
 * A grpc.health.v1 server on 127.0.0.1. `statuses` maps service names to
 * their status ('' is the server as a whole); other names are NOT_FOUND,
 * as the protocol prescribes.
 */
export interface GrpcTarget {
  port: number;
  setStatus(service: string, status: HealthCheckResponse['status']): void;
  close(): Promise<void>;
}

export async function startGrpcTarget(statuses: Record<string, HealthCheckResponse['status']> = { '': 'SERVING' }): Promise<GrpcTarget> {
  const current = new Map(Object.entries(statuses));
  const server = new grpc.Server();
  server.addService((await loadGrpcHealth()).Health.service, {
    Check(call: grpc.ServerUnaryCall<{ service: string }, HealthCheckResponse>, callback: grpc.sendUnaryData<HealthCheckResponse>) {
      const status = current.get(call.request.service);
      if (status === undefined) callback({ code: grpc.status.NOT_FOUND, details: 'unknown service' });
      else callback(null, { status });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) => (error ? reject(error) : resolve(bound))),
  );
  return {
    port,
    setStatus: (service, status) => current.set(service, status),
    close: () => new Promise<void>((resolve) => server.tryShutdown(() => resolve())),
  };
}
