import { fileURLToPath } from 'node:url';
import type * as grpc from '@grpc/grpc-js';

/**
 * The grpc.health.v1 definitions and the gRPC library, loaded on first use (shared with test
 * targets): most installations never run a gRPC check, and start faster without it.
 */

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

export interface GrpcHealth {
  grpc: typeof grpc;
  Health: grpc.ServiceClientConstructor;
}

let loading: Promise<GrpcHealth> | undefined;

export function loadGrpcHealth(): Promise<GrpcHealth> {
  loading ??= (async () => {
    const [library, { loadSync }] = await Promise.all([import('@grpc/grpc-js'), import('@grpc/proto-loader')]);
    const definition = loadSync(fileURLToPath(new URL('./health.proto', import.meta.url)), { keepCase: true, enums: String, defaults: true });
    const loaded = library.loadPackageDefinition(definition) as unknown as HealthPackage;
    return { grpc: library, Health: loaded.grpc.health.v1.Health };
  })();
  return loading;
}
