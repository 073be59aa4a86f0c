import { Redis } from 'ioredis';
import type { Logger } from '../kernel/log.ts';
import { createMemoryBus, type EventBus } from './bus.ts';
import { parseEvent } from './topics.ts';

/**
 * Redis pub/sub: every process subscribes to one channel, so an event published by a worker
 * reaches the SSE clients of every API process. Local listeners hear their own process's events
 * through Redis too, so each listener sees each event once.
 */
export async function createRedisBus(redisUrl: string, log: Logger, channel = 'vigil:events'): Promise<EventBus> {
  const publisher = new Redis(redisUrl, { maxRetriesPerRequest: 3, lazyConnect: true });
  const subscriber = new Redis(redisUrl, { lazyConnect: true });
  watchRedisConnection(publisher, log, 'event bus');
  watchRedisConnection(subscriber, log, 'event bus subscriber');
  await Promise.all([publisher.connect(), subscriber.connect()]);
  const local = createMemoryBus();
  subscriber.on('message', (_channel: string, message: string) => {
    let event;
    try {
      event = parseEvent(JSON.parse(message));
    } catch {
      event = undefined;
    }
    if (event) void local.publish(event);
    else log.warn({ channel }, 'Dropped an unreadable or unknown event from Redis');
  });
  await subscriber.subscribe(channel);
  return {
    async publish(event) {
      await publisher.publish(channel, JSON.stringify(event));
    },
    subscribe: (listener) => local.subscribe(listener),
    async close() {
      await local.close();
      subscriber.disconnect();
      publisher.disconnect();
    },
  };
}

/**
 * Says once that a Redis connection was lost and once that it is back, instead of ioredis printing
 * "Unhandled error event" to stderr at every reconnect attempt (ten a second through an outage).
 * ioredis reconnects by itself.
 */
export function watchRedisConnection(client: Pick<Redis, 'on'>, log: Logger, name: string): void {
  let lost = false;
  client.on('error', (error: Error) => {
    if (lost) return;
    lost = true;
    log.warn({ err: error, connection: name }, 'Redis connection lost; reconnecting');
  });
  client.on('ready', () => {
    if (!lost) return;
    lost = false;
    log.info({ connection: name }, 'Redis connection back');
  });
}
