import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

/** The grpc.health.v1 definitions, loaded once (shared with test targets). */

export interface HealthCheckResponse {
  status: 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';
}

export type HealthClient = grpc.Client & {
  Check(
    request: { service: string },
    options: grpc.CallOptions,
    callback: (error: grpc.ServiceError | null, response?: HealthCheckResponse) => void,
  ): grpc.ClientUnaryCall;
};

interface HealthPackage {
  grpc: { health: { v1: { Health: grpc.ServiceClientConstructor } } };
}

let loaded: HealthPackage | undefined;

export function healthService(): grpc.ServiceClientConstructor {
  loaded ??= grpc.loadPackageDefinition(
    loadSync(fileURLToPath(new URL('./health.proto', import.meta.url)), { keepCase: true, enums: String, defaults: true }),
  ) as unknown as HealthPackage;
  return loaded.grpc.health.v1.Health;
}
