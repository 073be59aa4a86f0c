import type { BusEvent, EventBus } from './bus.ts';
import { isStreamed, type StreamFilter } from './stream-filter.ts';
import { RUN_COMPLETED } from './topics.ts';

/** Takes one second's `runs.completed` message, already in SSE form. */
export type RunsDelivery = (message: Uint8Array) => void;

const encoder = new TextEncoder();

/**
 * `coalesce=1s` for every live stream of the process at once (issue 25). One bus listener keeps the
 * latest run of each stream (system, check, environment, source) for the current second; once a
 * second, each coalesced live stream is handed one `runs.completed` message with the runs its
 * filter lets through. Streams that let the same runs through (the same `systemId`, or none) share
 * one message, serialized and encoded once.
 *
 * Before, each live stream kept its own map and serialized its own copy, so a wall of 20
 * dashboards did the same work 20 times for every run.
 */
export class RunCoalescer {
  private readonly latest = new Map<string, BusEvent>();
  private readonly streams = new Map<RunsDelivery, StreamFilter>();
  private unsubscribe: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly bus: EventBus,
    private readonly periodMs = 1_000,
  ) {}

  /** `deliver` gets the runs `filter` lets through, once a period while there are any; returns the leave function. */
  join(filter: StreamFilter, deliver: RunsDelivery): () => void {
    this.streams.set(deliver, filter);
    this.unsubscribe ??= this.bus.subscribe((event) => this.take(event));
    return () => {
      this.streams.delete(deliver);
      if (this.streams.size > 0) return;
      this.unsubscribe?.();
      this.unsubscribe = undefined;
      clearTimeout(this.timer);
      this.timer = undefined;
      this.latest.clear();
    };
  }

  private take(event: BusEvent): void {
    if (event.topic !== RUN_COMPLETED) return;
    const run = event.payload;
    this.latest.set(`${run.systemId}|${run.configurationId}|${run.environmentId ?? ''}|${run.source}`, event);
    this.timer ??= setTimeout(() => this.flush(), this.periodMs).unref();
  }

  private flush(): void {
    this.timer = undefined;
    const runs = [...this.latest.values()];
    this.latest.clear();
    // Of a run, a stream's filter looks at its system only (runs are never narrowed by environment).
    const messages = new Map<string, Uint8Array | null>();
    for (const [deliver, filter] of this.streams) {
      const key = filter.systemId ?? '';
      let message = messages.get(key);
      if (message === undefined) {
        const payloads = runs.filter((event) => isStreamed(filter, event)).map((event) => event.payload);
        message = payloads.length ? encoder.encode(`event: runs.completed\ndata: ${JSON.stringify(payloads)}\n\n`) : null;
        messages.set(key, message);
      }
      if (message) deliver(message);
    }
  }
}
