import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkOnce, fieldsOf } from '../../../test/targets/check-once.ts';
import { startGrpcTarget } from '../../../test/targets/grpc.ts';
import type { GrpcTarget } from '../../../test/targets/grpc.ts';

let server: GrpcTarget;
beforeAll(async () => {
  server = await startGrpcTarget({ '': 'SERVING', 'payments.v1.Payments': 'SERVING', 'search.v1.Search': 'NOT_SERVING' });
});
afterAll(async () => server.close());

const grpc = (config: Record<string, unknown>, assertions: string[] = []) =>
  checkOnce({ strategy: 'grpc', config: { host: '127.0.0.1', port: server.port, ...config }, assertions });

describe('grpc strategy', () => {
  it('reports SERVING for the whole server', async () => {
    const result = await grpc({}, ['status == SERVING', 'callMs < 1s']);
    expect(result.status).toBe('healthy');
    expect(fieldsOf(result)).toMatchObject({ status: 'SERVING', serving: true, connectMs: expect.any(Number) });
  });

  it('asks about one service', async () => {
    expect((await grpc({ service: 'payments.v1.Payments' })).status).toBe('healthy');
  });

  it('fails a NOT_SERVING service, keeping the status', async () => {
    const result = await grpc({ service: 'search.v1.Search' });
    expect(result.message).toBe('Check failed: gRPC service "search.v1.Search" is NOT_SERVING');
    expect(fieldsOf(result)).toMatchObject({ status: 'NOT_SERVING', serving: false });
  });

  it('names a service the health server does not know', async () => {
    const result = await grpc({ service: 'nope.v1.Nope' });
    expect(result.message).toBe('Check failed: gRPC service "nope.v1.Nope" is unknown to the health server (NOT_FOUND)');
  });

  it('fails fast on a refused port instead of waiting for the deadline', async () => {
    const result = await checkOnce({ strategy: 'grpc', config: { host: '127.0.0.1', port: 1, timeout: 5000 } });
    expect(result.message).toBe('Check failed: Cannot reach gRPC server 127.0.0.1:1: connection failed (refused or reset)');
    expect(result.latencyMs).toBeLessThan(3000);
  });
});
