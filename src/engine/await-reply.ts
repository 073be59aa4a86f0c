import type { BusEvent, EventBus } from '../events/bus.ts';

/** How long a person's request waits for a worker beyond the run's own timeout (a queue backlog, a busy worker). */
export const WORKER_GRACE_MS = 30_000;

/**
 * Sends a request to whichever worker takes it and waits, at most `waitMs`, for the first bus
 * event `reply` recognises as its answer; undefined when none came in time. Listening starts
 * before the request is sent, so a fast worker's answer cannot be missed.
 */
export async function awaitReply<T>(bus: EventBus, reply: (event: BusEvent) => T | undefined, waitMs: number, send: () => Promise<void>): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;
  const answered = new Promise<T | undefined>((resolve) => {
    unsubscribe = bus.subscribe((event) => {
      const answer = reply(event);
      if (answer !== undefined) resolve(answer);
    });
    timer = setTimeout(() => resolve(undefined), waitMs);
  });
  try {
    await send();
    return await answered;
  } finally {
    clearTimeout(timer);
    unsubscribe?.();
  }
}
