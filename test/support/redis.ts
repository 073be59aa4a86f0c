import { Redis } from 'ioredis';
import { serviceMissing } from '../targets/services.ts';

/** Deletes every key under `prefix`: a test's queues and bus channels do not outlive it. */
export async function deleteRedisKeys(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url);
  try {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}

/** The Redis the distributed tests use. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Whether Redis is missing for `what` (a skip; a failure under CI, see serviceMissing), saying how to start it. */
export async function redisMissing(what: string): Promise<boolean> {
  const missing = await serviceMissing(what, '127.0.0.1', Number(new URL(REDIS_URL).port || 6379));
  if (missing) console.warn('Start Redis with: redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no');
  return missing;
}
