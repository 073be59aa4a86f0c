import { Redis } from 'ioredis';
import type { Logger } from '../kernel/log.ts';
import { createMemoryBus, type BusEvent, type EventBus } from './bus.ts';

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
    try {
      void local.publish(JSON.parse(message) as BusEvent);
    } catch (error) {
      log.warn({ err: error }, 'Dropped an unreadable event from Redis');
    }
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
