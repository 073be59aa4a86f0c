import { EventEmitter } from 'node:events';
import type { BusEvent } from './topics.ts';

export type { BusEvent };

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
