import { randomBytes } from 'node:crypto';
import type { EventBus } from '../../src/events/bus.ts';
import { createRedisBus } from '../../src/events/redis-bus.ts';
import { silentLogger } from '../../src/kernel/log.ts';
import { createTestApi, type TestApi } from './api.ts';
import { connectionUrl } from './postgres.ts';
import { REDIS_URL, deleteRedisKeys } from './redis.ts';
import { runVigil, stopProcess } from './vigil-process.ts';

/**
 * Several real `vigil start --role …` processes on one fresh database and Redis prefix, with the
 * API in-process on the same database, secret key and bus: what the test creates through it, the
 * processes schedule, run and send.
 */
export interface Cluster {
  api: TestApi;
  bus: EventBus;
  /** Starts a process of `role`; `env` adds to (or overrides) the shared settings. */
  start(role: 'worker' | 'scheduler' | 'api' | 'all', env?: Record<string, string>): ReturnType<typeof runVigil>;
  processes: ReturnType<typeof runVigil>[];
  /** Stops every process (SIGTERM, then SIGKILL), the bus and the API, and deletes the Redis keys. */
  close(): Promise<void>;
}

export async function startCluster(): Promise<Cluster> {
  const prefix = `vigil-test-${randomBytes(4).toString('hex')}`;
  const secretKey = randomBytes(32);
  const bus = await createRedisBus(REDIS_URL, silentLogger(), `${prefix}:events`);
  const api = await createTestApi({}, { secretKey, bus });
  const processes: ReturnType<typeof runVigil>[] = [];
  const shared = { DATABASE_URL: connectionUrl(api.database.connection), REDIS_URL, VIGIL_REDIS_PREFIX: prefix, VIGIL_SECRET_KEY: secretKey.toString('base64'), LOG_LEVEL: 'info' };
  return {
    api,
    bus,
    processes,
    start(role, env = {}) {
      const started = runVigil(['start', '--role', role], { ...shared, ...env });
      processes.push(started);
      return started;
    },
    async close() {
      await Promise.all(processes.map(stopProcess));
      await bus.close();
      await api.close();
      await deleteRedisKeys(REDIS_URL, prefix);
    },
  };
}
