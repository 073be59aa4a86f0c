import type { Logger } from '../kernel/log.ts';
import { lastTick } from './schedule.ts';
import type { DueTick, Schedule } from './types.ts';

/**
 * What both queues share about the ticks owed from before they held their schedules (a process that
 * was not running; Redis back empty): each schedule's latest tick, and which of those nobody ran.
 */

/** Who tells which ticks nobody ran (the runs table); see the queues' `unrunTicks` option. */
export type UnrunTicks = (ticks: DueTick[]) => Promise<string[]>;

/** Of `schedules`, the latest tick at or before `at` of each that nobody ran; none when the question fails (logged: `when` says when it was). */
export async function owedTicks(schedules: Schedule[], at: number, unrunTicks: UnrunTicks, log: Logger, when: string): Promise<DueTick[]> {
  const due = schedules.map((schedule): DueTick => ({
    scheduleId: schedule.id,
    configurationId: schedule.configurationId,
    systemId: schedule.systemId,
    scheduledFor: lastTick(at, schedule.intervalMs, schedule.offsetMs),
  }));
  try {
    const unrun = new Set(await unrunTicks(due));
    return due.filter((tick) => unrun.has(tick.scheduleId));
  } catch (error) {
    log.warn({ err: error }, `could not tell which ticks went unrun ${when}; each check waits for its next tick`);
    return [];
  }
}
