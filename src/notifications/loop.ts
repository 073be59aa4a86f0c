import type { Logger } from '../kernel/log.ts';
import type { NotificationPlanner } from './planner.ts';
import type { NotificationSender } from './sender.ts';

/**
 * Plans and sends on a worker process: every second, and at once when a status change is heard
 * on the bus (`kick`). One pass at a time per process; other processes share the work safely.
 */
export class NotificationLoop {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;

  constructor(
    private readonly planner: Pick<NotificationPlanner, 'plan'>,
    private readonly sender: Pick<NotificationSender, 'sendDue'>,
    private readonly log: Logger,
    private readonly intervalMs = 1_000,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => this.kick(), this.intervalMs);
    this.timer.unref();
  }

  /** A pass now (or right after the one running). */
  kick(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.pass().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        void this.kick();
      }
    });
    return this.running;
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.again = false;
    await this.running;
  }

  private async pass(): Promise<void> {
    try {
      await this.planner.plan();
      // A few rounds, so a burst drains without waiting a second per 20 messages.
      for (let round = 0; round < 10 && (await this.sender.sendDue()) > 0; round++);
    } catch (error) {
      this.log.error({ err: error }, 'Notification pass failed; it runs again in a second');
    }
  }
}
