import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';

/**
 * Pings per token per minute: a job gone wild (or someone who learned its URL) cannot flood its
 * check's history. Shared in Redis when several API processes serve pings, in memory otherwise.
 */
export interface PingLimiterOptions {
  perMinute?: number;
  redis?: { client: unknown; prefix: string };
}

export class PingLimiter {
  private readonly limiter: RateLimiterAbstract;

  constructor(options: PingLimiterOptions = {}) {
    const points = options.perMinute ?? 60;
    this.limiter = options.redis
      ? new RateLimiterRedis({ storeClient: options.redis.client, keyPrefix: `${options.redis.prefix}:ping`, points, duration: 60 })
      : new RateLimiterMemory({ keyPrefix: 'ping', points, duration: 60 });
  }

  /** Counts one ping of the token (by its hash); the seconds to wait when over the limit, else undefined. */
  async take(tokenHash: string): Promise<number | undefined> {
    try {
      await this.limiter.consume(tokenHash);
      return undefined;
    } catch (error) {
      if (error instanceof RateLimiterRes) return Math.max(1, Math.ceil(error.msBeforeNext / 1000));
      throw error;
    }
  }
}
