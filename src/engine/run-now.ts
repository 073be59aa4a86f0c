import { randomUUID } from 'node:crypto';
import type { EventBus } from '../events/bus.ts';
import type { CheckJob, CheckQueue } from '../queue/types.ts';

/**
 * "Run now" through the queue: the process that asks (an API process) never connects to a
 * monitored target itself. It enqueues the job ahead of the ticks and waits, bounded, for the
 * worker's `job.completed` event, which reaches every process over the event bus.
 */
export class RunNow {
  constructor(
    private readonly queue: Pick<CheckQueue, 'enqueue'>,
    private readonly bus: EventBus,
  ) {}

  /** The ids of the runs recorded, or undefined when no worker finished the job within `waitMs`. */
  async run(job: { configurationId: string; systemId: string }, waitMs: number): Promise<string[] | undefined> {
    const requestId = randomUUID();
    let timer: NodeJS.Timeout | undefined;
    let unsubscribe: (() => void) | undefined;
    // Listening starts before the job is queued, so a fast worker's answer cannot be missed.
    const completed = new Promise<string[] | undefined>((resolve) => {
      unsubscribe = this.bus.subscribe((event) => {
        if (event.topic === 'job.completed' && event.payload.requestId === requestId) resolve(event.payload.runIds);
      });
      timer = setTimeout(() => resolve(undefined), waitMs);
    });
    try {
      await this.queue.enqueue({ ...job, scheduledFor: Date.now(), requestId });
      return await completed;
    } finally {
      clearTimeout(timer);
      unsubscribe?.();
    }
  }
}

/** What a worker does with each job: execute it, and tell whoever asked for a run-now job. */
export function jobHandler(executor: { execute(job: CheckJob): Promise<{ id: string }[]> }, bus: EventBus) {
  return async (job: CheckJob): Promise<void> => {
    const runs = await executor.execute(job);
    if (job.requestId) {
      await bus.publish({ id: randomUUID(), topic: 'job.completed', payload: { requestId: job.requestId, runIds: runs.map((run) => run.id) } });
    }
  };
}
