import { EventEmitter } from 'node:events';

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
