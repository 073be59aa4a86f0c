import type { Schedule } from './types.ts';

/**
 * Pure scheduling decisions shared by the scheduler and both queues: where an assignment's ticks
 * fall (SPEC §2.1) and what has to change to make the live schedules equal to the desired ones.
 */

/**
 * A stable offset in [0, intervalMs) derived from the assignment id, so that 10,000 checks on the
 * same interval spread over it instead of firing on the same second, and every process (and every
 * restart) computes the same phase without coordinating.
 */
export function jitterOffset(assignmentId: string, intervalMs: number): number {
  // FNV-1a (32 bit): cheap, stable across processes and versions, well spread for similar UUIDs.
  let hash = 0x811c9dc5;
  for (let index = 0; index < assignmentId.length; index++) {
    hash ^= assignmentId.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % intervalMs;
}

/**
 * The first tick strictly after `now` on the grid offsetMs + k·intervalMs (epoch-aligned: the grid
 * does not depend on when a process started, so a restart or a second scheduler keeps the phase).
 */
export function nextTick(now: number, intervalMs: number, offsetMs: number): number {
  const phase = positiveModulo(offsetMs, intervalMs);
  const sinceLastTick = positiveModulo(now - phase, intervalMs);
  return now - sinceLastTick + intervalMs;
}

/** The latest tick at or before `now`: the one a process that was not running at `now` may owe. */
export function lastTick(now: number, intervalMs: number, offsetMs: number): number {
  return nextTick(now, intervalMs, offsetMs) - intervalMs;
}

/** Why a schedule cannot be run (an interval of 0 would spin a timer), or undefined if it can. */
export function invalidScheduleReason(schedule: Schedule): string | undefined {
  if (!Number.isSafeInteger(schedule.intervalMs) || schedule.intervalMs <= 0) return `intervalMs must be a positive integer, got ${schedule.intervalMs}`;
  if (!Number.isSafeInteger(schedule.offsetMs) || schedule.offsetMs < 0 || schedule.offsetMs >= schedule.intervalMs) {
    return `offsetMs must be an integer in [0, ${schedule.intervalMs}), got ${schedule.offsetMs}`;
  }
  return undefined;
}

export interface ScheduleDiff {
  add: Schedule[];
  /** Same id, but a different interval, offset, configuration or system: re-time or re-target it. */
  update: Schedule[];
  /** Ids of live schedules that are no longer desired. */
  remove: string[];
}

/** What to do to make `live` equal to `desired`, matched by id. A duplicated desired id: the last one wins. */
export function diffSchedules(live: Iterable<Schedule>, desired: Iterable<Schedule>): ScheduleDiff {
  const liveById = new Map<string, Schedule>();
  for (const schedule of live) liveById.set(schedule.id, schedule);
  const desiredById = new Map<string, Schedule>();
  for (const schedule of desired) desiredById.set(schedule.id, schedule);

  const diff: ScheduleDiff = { add: [], update: [], remove: [] };
  for (const [id, wanted] of desiredById) {
    const current = liveById.get(id);
    if (!current) diff.add.push(wanted);
    else if (!sameSchedule(current, wanted)) diff.update.push(wanted);
  }
  for (const id of liveById.keys()) if (!desiredById.has(id)) diff.remove.push(id);
  return diff;
}

function sameSchedule(a: Schedule, b: Schedule): boolean {
  return a.intervalMs === b.intervalMs && a.offsetMs === b.offsetMs && a.configurationId === b.configurationId && a.systemId === b.systemId;
}

function positiveModulo(value: number, modulus: number): number {
  return ((value % modulus) + modulus) % modulus;
}
