import { PassLoop } from '../kernel/pass-loop.ts';
import type { Logger } from '../kernel/log.ts';
import type { NotificationPlanner, PlanState } from './planner.ts';
import type { NotificationSender } from './sender.ts';

/** Planned pages at most per pass, and how long one pass may send before the next page is planned. */
const PAGES = 50;
const DRAIN_MS = 2_000;

/**
 * Plans and sends on a worker process: every second, and at once when a status change is heard
 * on the bus (`kick`). A page of events is planned, then what is due is sent, then the next page:
 * a burst starts going out while the rest of it is still being planned.
 */
export class NotificationLoop extends PassLoop {
  constructor(planner: Pick<NotificationPlanner, 'planPage' | 'remindIfDue'>, sender: Pick<NotificationSender, 'sendDue'>, log: Logger, intervalMs = 1_000) {
    const drain = async () => {
      for (const end = Date.now() + DRAIN_MS; Date.now() < end && (await sender.sendDue(50)) > 0; );
    };
    super(
      async () => {
        const state: PlanState = { after: 0 };
        for (let page = 0; page < PAGES; page++) {
          const planned = await planner.planPage(new Date(), state);
          await drain();
          if (!planned?.more) break;
        }
        if (await planner.remindIfDue()) await drain();
      },
      (error) => log.error({ err: error }, 'Notification pass failed; it runs again in a second'),
      intervalMs,
    );
  }
}
