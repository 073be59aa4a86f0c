import { MAINTENANCE_ENDED, MAINTENANCE_STARTED } from '../events/topics.ts';
import { occurrenceAt, statusAt, type MaintenanceStatus, type Occurrence, type Schedule } from './status.ts';

/**
 * How a window's stored status follows the clock, decided purely: the service applies a plan
 * with a conditional update, so whichever process applies it first announces it and the others
 * find nothing left to do.
 */

/** What the window's row says: its status and, while active, the occurrence it is about. */
export interface StoredStatus {
  status: MaintenanceStatus;
  occurrenceStartsAt: Date | null;
}

/** One announcement: an occurrence started, or ended. */
export interface StatusChange {
  topic: typeof MAINTENANCE_STARTED | typeof MAINTENANCE_ENDED;
  previousStatus: MaintenanceStatus;
  status: MaintenanceStatus;
  occurrence: Occurrence;
}

export interface AdvancePlan {
  next: StoredStatus;
  changes: StatusChange[];
}

/**
 * The row's status at `now` and what to announce on the way, or null when it is already right.
 * An occurrence that began and ended while no scheduler ran is announced by neither event: nobody
 * was in maintenance when anyone could have been told. One that ended as the next one began (back
 * to back, or the process was away for a while) ends before the next starts.
 */
export function planAdvance(schedule: Schedule, stored: StoredStatus, now: Date): AdvancePlan | null {
  const status = statusAt(schedule, now);
  const current = status === 'active' ? occurrenceAt(schedule, now) : null;
  const next: StoredStatus = { status, occurrenceStartsAt: current?.startsAt ?? null };
  if (stored.status === next.status && stored.occurrenceStartsAt?.getTime() === next.occurrenceStartsAt?.getTime()) return null;
  const changes: StatusChange[] = [];
  const ended = endedOccurrence(schedule, stored);
  if (ended) changes.push({ topic: MAINTENANCE_ENDED, previousStatus: 'active', status: status === 'active' ? 'planned' : status, occurrence: ended });
  if (current) changes.push({ topic: MAINTENANCE_STARTED, previousStatus: stored.status === 'active' ? 'planned' : stored.status, status: 'active', occurrence: current });
  return { next, changes };
}

/** Deleting a window in the middle of an occurrence ends it: there will be no other. */
export function planRemoval(schedule: Schedule, stored: StoredStatus): StatusChange | null {
  const ended = endedOccurrence(schedule, stored);
  return ended && { topic: MAINTENANCE_ENDED, previousStatus: 'active', status: 'completed', occurrence: ended };
}

/** The occurrence the row says is on, as long as the schedule's occurrences are now. */
function endedOccurrence(schedule: Schedule, stored: StoredStatus): Occurrence | null {
  if (stored.status !== 'active' || stored.occurrenceStartsAt === null) return null;
  const durationMs = schedule.endsAt.getTime() - schedule.startsAt.getTime();
  return { startsAt: stored.occurrenceStartsAt, endsAt: new Date(stored.occurrenceStartsAt.getTime() + durationMs) };
}
