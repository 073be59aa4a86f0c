import type pg from 'pg';
import { readScheduledAssignments } from '../checks/read.ts';
import { jitterOffset } from '../queue/schedule.ts';
import type { Schedule } from '../queue/types.ts';

/**
 * What should be scheduled right now (SPEC §2.1): each enabled assignment of an enabled, unpaused
 * configuration that runs on the central workers, every `intervalSeconds`, at its own stable offset.
 */
export async function loadSchedules(pool: pg.Pool): Promise<Schedule[]> {
  return (await readScheduledAssignments(pool)).map((assignment) => {
    const intervalMs = assignment.intervalSeconds * 1000;
    return { id: assignment.id, configurationId: assignment.configurationId, systemId: assignment.systemId, intervalMs, offsetMs: jitterOffset(assignment.id, intervalMs) };
  });
}
