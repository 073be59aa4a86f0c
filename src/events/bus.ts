import { EventEmitter } from 'node:events';
import { Redis } from 'ioredis';
import type { Logger } from '../log.ts';

/** One event on the bus. `id` lets consumers drop a redelivery (the outbox is at-least-once). */
export interface BusEvent {
  id: string;
  topic: string;
  payload: Record<string, unknown>;
}

export type BusListener = (event: BusEvent) => void;

/** Fan-out of events to every interested part of every process (SSE, automations, notifications). */
export interface EventBus {
  publish(event: BusEvent): Promise<void>;
  /** Returns the function that unsubscribes. */
  subscribe(listener: BusListener): () => void;
  close(): Promise<void>;
}

/** The embedded default: one process, so the bus is an in-memory emitter. */
export function createMemoryBus(): EventBus {
  const emitter = new EventEmitter();
  emitter.setMaxListeners(0);
  return {
    async publish(event) {
      emitter.emit('event', event);
    },
    subscribe(listener) {
      emitter.on('event', listener);
      return () => emitter.off('event', listener);
    },
    async close() {
      emitter.removeAllListeners();
    },
  };
}

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
