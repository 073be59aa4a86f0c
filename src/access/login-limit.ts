import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { TooManyRequestsError } from '../kernel/errors.ts';

/**
 * SPEC §8.1 sign-in throttling: at most `failures` failed sign-ins per address and per account in
 * `windowSeconds`; then 429 with Retry-After until the window moves on. In Redis when Vigil runs as
 * several processes (the count is shared), in memory otherwise.
 */
export interface LoginLimiterOptions {
  failures?: number;
  windowSeconds?: number;
  /** An ioredis client (REDIS_URL) and the key prefix; absent: one process, memory. */
  redis?: { client: unknown; prefix: string };
}

export class LoginLimiter {
  private readonly limiter: RateLimiterAbstract;

  constructor(options: LoginLimiterOptions = {}) {
    const points = options.failures ?? 10;
    const duration = options.windowSeconds ?? 15 * 60;
    this.limiter = options.redis
      ? new RateLimiterRedis({ storeClient: options.redis.client, keyPrefix: `${options.redis.prefix}:login`, points, duration })
      : new RateLimiterMemory({ keyPrefix: 'login', points, duration });
  }

  /** Throws TooManyRequestsError when the address or the account has used up its failures. */
  async check(address: string, account: string): Promise<void> {
    const [byAddress, byAccount] = await Promise.all([this.limiter.get(addressKey(address)), this.limiter.get(accountKey(account))]);
    const spent = [byAddress, byAccount].filter((res) => res !== null && res.remainingPoints <= 0);
    if (spent.length) {
      const seconds = Math.ceil(Math.max(...spent.map((res) => res!.msBeforeNext)) / 1000);
      throw new TooManyRequestsError(`Too many failed sign-ins; try again in ${seconds} s`, seconds);
    }
  }

  async failed(address: string, account: string): Promise<void> {
    // consume() rejects once the points are spent; the next check() answers 429 then.
    await Promise.all([this.limiter.consume(addressKey(address)).catch(() => undefined), this.limiter.consume(accountKey(account)).catch(() => undefined)]);
  }

  /** A successful sign-in clears the account's count (not the address's: it may be guessing others). */
  async succeeded(account: string): Promise<void> {
    await this.limiter.delete(accountKey(account));
  }
}

const addressKey = (address: string) => `address:${address}`;
const accountKey = (account: string) => `account:${account.toLowerCase()}`;
