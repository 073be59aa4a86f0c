import { randomUUID } from 'node:crypto';
import type { EventBus } from '../events/bus.ts';
import { isTestRunJob, type CheckJob, type CheckQueue, type TestRunJob } from '../queue/types.ts';
import { awaitReply } from './await-reply.ts';

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
  run(job: { configurationId: string; systemId: string }, waitMs: number): Promise<string[] | undefined> {
    const requestId = randomUUID();
    return awaitReply(
      this.bus,
      (event) => (event.topic === 'job.completed' && event.payload.requestId === requestId ? event.payload.runIds : undefined),
      waitMs,
      () => this.queue.enqueue({ ...job, scheduledFor: Date.now(), requestId }),
    );
  }
}

/**
 * What a worker does with each job: execute a check job and tell whoever asked for a run-now job;
 * hand a test run (SPEC §7.3) to the test runner, which answers it over the bus itself.
 */
export function jobHandler(
  executor: { execute(job: CheckJob): Promise<{ id: string }[]> },
  bus: EventBus,
  testRunner: { answer(job: TestRunJob): Promise<void> },
) {
  return async (job: CheckJob | TestRunJob): Promise<void> => {
    if (isTestRunJob(job)) return testRunner.answer(job);
    const runs = await executor.execute(job);
    if (job.requestId) {
      await bus.publish({ id: randomUUID(), topic: 'job.completed', payload: { requestId: job.requestId, runIds: runs.map((run) => run.id) } });
    }
  };
}
