import { describe, expect, it } from 'vitest';
import { checkOnce, fieldsOf } from '../../../test/targets/check-once.ts';
import { serviceMissing } from '../../../test/targets/services.ts';
import { redisStrategy } from './index.ts';
import { parseRedisInfo } from './info.ts';

const HOST = process.env.VIGIL_TEST_REDIS_HOST ?? '127.0.0.1';
const PORT = Number(process.env.VIGIL_TEST_REDIS_PORT ?? 6379);
const missing = await serviceMissing('Redis', HOST, PORT);

describe.skipIf(missing)('redis strategy (local Redis)', () => {
  it('PINGs', async () => {
    const result = await checkOnce({ strategy: 'redis', config: { host: HOST, port: PORT }, assertions: ['reply == PONG'] });
    expect(result.status).toBe('healthy');
    expect(fieldsOf(result)).toMatchObject({ reply: 'PONG', pingMs: expect.any(Number), connectMs: expect.any(Number) });
  });

  it('reads INFO fields', async () => {
    const result = await checkOnce({
      strategy: 'redis',
      config: { host: HOST, port: PORT },
      collectors: [{ collector: 'redis.info', assertions: ['role == master', 'info $.redis_version exists', 'connectedClients >= 1'] }],
    });
    expect(result.status).toBe('healthy');
    expect(result.collectors[1]?.fields).toMatchObject({ serverVersion: expect.stringMatching(/^\d+\.\d+/), usedMemoryBytes: expect.any(Number) });
  });
});

describe('redis strategy without a server', () => {
  it('names a refused port', async () => {
    const result = await checkOnce({ strategy: 'redis', config: { host: '127.0.0.1', port: 1 } });
    expect(result.message).toBe('Check failed: Connection refused to 127.0.0.1:1');
  });

  it('reads redis:// and rediss:// URLs', () => {
    expect(redisStrategy.target.toConfig('rediss://:pw@cache:6380/2')).toEqual({ host: 'cache', port: 6380, password: 'pw', db: 2, tls: true });
    expect(redisStrategy.target.toConfig('redis://cache')).toEqual({ host: 'cache' });
  });

  it('parses INFO text', () => {
    expect(parseRedisInfo('# Server\r\nredis_version:7.2.4\r\nexecutable:/usr/bin/redis:x\r\n\r\n# Clients\r\nconnected_clients:3\r\n')).toEqual({
      redis_version: '7.2.4',
      executable: '/usr/bin/redis:x',
      connected_clients: '3',
    });
  });
});
