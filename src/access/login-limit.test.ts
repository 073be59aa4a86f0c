import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { serviceMissing } from '../../test/targets/services.ts';
import { TooManyRequestsError } from '../kernel/errors.ts';
import { LoginLimiter } from './login-limit.ts';

const redisMissing = await serviceMissing('Redis', '127.0.0.1', 6379);
const clients: Redis[] = [];
afterAll(() => clients.forEach((client) => client.disconnect()));

describe.skipIf(redisMissing)('sign-in throttling across processes (Redis)', () => {
  it('counts the failures of two processes together', async () => {
    const prefix = `vigil-test-${process.pid}-${Date.now()}`;
    const limiters = [0, 1].map(() => {
      const client = new Redis('redis://127.0.0.1:6379', { enableOfflineQueue: false, lazyConnect: true });
      clients.push(client);
      return { client, limiter: new LoginLimiter({ failures: 4, windowSeconds: 60, redis: { client, prefix } }) };
    });
    await Promise.all(limiters.map(({ client }) => client.connect()));
    // Two failures on each process: four in all, the limit.
    for (const { limiter } of limiters) {
      await limiter.failed('10.9.9.9', 'someone@vigil.test');
      await limiter.failed('10.9.9.9', 'someone@vigil.test');
    }
    for (const { limiter } of limiters) {
      await expect(limiter.check('10.9.9.9', 'someone@vigil.test')).rejects.toBeInstanceOf(TooManyRequestsError);
    }
    // Another account from another address is not affected.
    await expect(limiters[0]!.limiter.check('10.8.8.8', 'other@vigil.test')).resolves.toBeUndefined();
  });
});
