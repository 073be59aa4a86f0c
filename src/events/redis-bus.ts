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
