import type pg from 'pg';
import { readScheduledAssignments } from '../checks/read.ts';
import { jitterOffset } from '../queue/schedule.ts';
import type { Schedule } from '../queue/types.ts';
import type { StrategyRegistry } from '../strategies/registry.ts';

/**
 * What should be scheduled right now (SPEC §2.1): each enabled assignment of an enabled, unpaused
 * configuration that runs on the central workers, every `intervalSeconds`, at its own stable offset.
 * A passive strategy's checks (heartbeats) are never scheduled: their job reports in.
 */
export async function loadSchedules(pool: pg.Pool, strategies: Pick<StrategyRegistry, 'getStrategy'>): Promise<Schedule[]> {
  const scheduled = (await readScheduledAssignments(pool)).filter((assignment) => !strategies.getStrategy(assignment.strategy)?.passive);
  return scheduled.map((assignment) => {
    const intervalMs = assignment.intervalSeconds * 1000;
    return { id: assignment.id, configurationId: assignment.configurationId, systemId: assignment.systemId, intervalMs, offsetMs: jitterOffset(assignment.id, intervalMs) };
  });
}
