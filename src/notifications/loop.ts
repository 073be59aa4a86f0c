import { PassLoop } from '../kernel/pass-loop.ts';
import type { Logger } from '../kernel/log.ts';
import type { NotificationPlanner } from './planner.ts';
import type { NotificationSender } from './sender.ts';

/** Plans and sends on a worker process: every second, and at once when a status change is heard on the bus (`kick`). */
export class NotificationLoop extends PassLoop {
  constructor(planner: Pick<NotificationPlanner, 'plan'>, sender: Pick<NotificationSender, 'sendDue'>, log: Logger, intervalMs = 1_000) {
    super(
      async () => {
        await planner.plan();
        // A few rounds, so a burst drains without waiting a second per 20 messages.
        for (let round = 0; round < 10 && (await sender.sendDue()) > 0; round++);
      },
      (error) => log.error({ err: error }, 'Notification pass failed; it runs again in a second'),
      intervalMs,
    );
  }
}
