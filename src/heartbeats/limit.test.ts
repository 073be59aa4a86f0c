import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { deleteRedisKeys, REDIS_URL, redisMissing } from '../../test/support/redis.ts';
import { PingLimiter } from './limit.ts';

/** The ping limit in Redis holds across API processes: two limiters on one prefix share each token's count. */
const noRedis = await redisMissing('the ping limit shared in Redis');

describe.skipIf(noRedis)('PingLimiter on Redis', () => {
  const prefix = `vigil-test-${randomBytes(4).toString('hex')}`;
  const clients: Redis[] = [];
  afterAll(async () => {
    for (const client of clients) client.disconnect();
    await deleteRedisKeys(REDIS_URL, prefix);
  });

  it('counts one token across two processes, and each token on its own', async () => {
    const limiter = () => {
      const client = new Redis(REDIS_URL, { maxRetriesPerRequest: 3 });
      clients.push(client);
      return new PingLimiter({ perMinute: 10, redis: { client, prefix } });
    };
    const [a, b] = [limiter(), limiter()];
    const answers: (number | undefined)[] = [];
    for (let i = 0; i < 10; i++) answers.push(await (i % 2 ? a : b).take('token-1'));
    expect(answers.every((wait) => wait === undefined)).toBe(true);
    // The eleventh ping of the minute is refused on either process, with how long to wait.
    const refusedA = await a.take('token-1');
    const refusedB = await b.take('token-1');
    expect(refusedA).toBeGreaterThan(0);
    expect(refusedA).toBeLessThanOrEqual(60);
    expect(refusedB).toBeGreaterThan(0);
    expect(await a.take('token-2')).toBeUndefined();
  });
});
