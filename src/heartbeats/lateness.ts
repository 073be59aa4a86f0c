import { Cron } from 'croner';
import type { Expectation } from '../strategies/heartbeat/index.ts';

/**
 * The lateness decision of SPEC §2.11, pure: given when the job last pinged (or, never having
 * pinged, since when it is watched), which missed deadline was already recorded, and now — the
 * deadline that has passed without a ping and is not recorded yet, or undefined.
 *
 * Slots are when pings are expected: every `period` after the reference, or each cron slot after
 * it. A slot is missed once slot + grace has passed. Only the newest missed slot is answered, so a
 * sweeper that was down for a while records one run for the gap, not one per slot it slept through.
 */

export interface LatenessInput {
  expectation: Expectation;
  /** The newest ping, or since when the check is watched (created, re-enabled, edited) if later. */
  reference: Date;
  /** The deadline of the newest late run already recorded; null: none. */
  lastLateRunFor: Date | null;
  now: Date;
}

export interface MissedSlot {
  /** When the ping was expected. */
  slot: Date;
  /** slot + grace: the late run's key (its scheduledFor), so each missed slot is recorded once. */
  deadline: Date;
  /** The message of the unhealthy run. */
  message: string;
}

export function lateness(input: LatenessInput): MissedSlot | undefined {
  const { expectation, reference, lastLateRunFor, now } = input;
  const slot = newestMissedSlot(expectation, reference, now);
  if (!slot) return undefined;
  const deadline = new Date(slot.getTime() + expectation.graceMs);
  if (lastLateRunFor && deadline.getTime() <= lastLateRunFor.getTime()) return undefined;
  return { slot, deadline, message: lateMessage(expectation, slot) };
}

/** The newest slot after `reference` whose grace has run out by `now`. */
function newestMissedSlot(expectation: Expectation, reference: Date, now: Date): Date | undefined {
  const latestDue = now.getTime() - expectation.graceMs;
  if (expectation.kind === 'period') {
    const periods = Math.floor((latestDue - reference.getTime()) / expectation.periodMs);
    return periods >= 1 ? new Date(reference.getTime() + periods * expectation.periodMs) : undefined;
  }
  const cron = new Cron(expectation.schedule, { timezone: expectation.timezone });
  // previousRuns looks strictly before its reference: a slot due exactly now counts as missed.
  const [slot] = cron.previousRuns(1, new Date(latestDue + 1));
  return slot && slot.getTime() > reference.getTime() ? slot : undefined;
}

function lateMessage(expectation: Expectation, slot: Date): string {
  if (expectation.kind === 'period') return `No ping within ${Math.round((expectation.periodMs + expectation.graceMs) / 1000)}s`;
  return `No ping within ${Math.round(expectation.graceMs / 1000)}s of the scheduled time ${slot.toISOString()} (${expectation.schedule}, ${expectation.timezone})`;
}
