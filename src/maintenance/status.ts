import rrule, { type Options } from 'rrule';
import { parseRecurrence } from './recurrence.ts';
import { fromWall, toWall } from './zone.ts';

const { RRule, Weekday } = rrule;
type Rule = InstanceType<typeof RRule>;

/**
 * When a maintenance window is on (SPEC §3.5, §6.2), decided purely from its schedule and a time.
 * A one-off window is one occurrence, startsAt to endsAt. A recurring one has an occurrence at
 * each date of its rule (DTSTART = startsAt, read in timeZone, so a weekly 02:00 stays 02:00 local
 * across DST), each as long as endsAt − startsAt; an occurrence covers [start, end).
 *
 * Every expansion is bounded: it starts at the rule's period just before the time asked about
 * (not at startsAt, which may be years back), reads at most MAX_DATES dates, and stops at the
 * first date past what it needs. The library finds dates period by period until one matches, so
 * a rule that never matches is refused when it is written (firstOccurrence, model.ts).
 */

export type MaintenanceStatus = 'planned' | 'active' | 'completed';

export interface Schedule {
  startsAt: Date;
  endsAt: Date;
  rrule: string | null;
  timeZone: string;
}

export interface Occurrence {
  startsAt: Date;
  endsAt: Date;
}

const DAY_MS = 86_400_000;
/** 400 Gregorian years: weekdays, leap days and month lengths repeat exactly after it. */
const CYCLE_MS = 146_097 * DAY_MS;
/** The last year the rrule library expands (it stops there when nothing matches before). */
const LAST_YEAR = 9_999;
/** The most dates one question reads from a rule (24 a day for a year is 8,784). */
const MAX_DATES = 10_000;

/** The occurrence that covers `at`, or null. */
export function occurrenceAt(schedule: Schedule, at: Date): Occurrence | null {
  if (at < schedule.startsAt) return null;
  if (!schedule.rrule) return at < schedule.endsAt ? { startsAt: schedule.startsAt, endsAt: schedule.endsAt } : null;
  const expansion = expand(schedule);
  const t = at.getTime();
  // Only an occurrence that started within one duration before `at` can still cover it; a day
  // either side covers the zone's offset and a DST shift.
  const from = toWall(t - expansion.durationMs, expansion.zone) - DAY_MS;
  const to = toWall(t, expansion.zone) + DAY_MS;
  let latest: number | undefined;
  for (const start of startsWithin(expansion, from, to)) {
    if (start <= t && (latest === undefined || start > latest)) latest = start;
  }
  return latest !== undefined && t < latest + expansion.durationMs ? occurrence(latest, expansion.durationMs) : null;
}

/** The first occurrence that starts after `after`, or null when there is none (the rule has ended). */
export function nextOccurrence(schedule: Schedule, after: Date): Occurrence | null {
  if (!schedule.rrule) return schedule.startsAt > after ? { startsAt: schedule.startsAt, endsAt: schedule.endsAt } : null;
  const expansion = expand(schedule);
  const t = after.getTime();
  let found: number | undefined;
  walk(expansion, toWall(t, expansion.zone) - DAY_MS, (start) => {
    if (start > t) found = start;
    return found === undefined;
  });
  return found === undefined ? null : occurrence(found, expansion.durationMs);
}

/** Active while an occurrence covers `at`; planned while one is still to come; completed after the last. */
export function statusAt(schedule: Schedule, at: Date): MaintenanceStatus {
  if (occurrenceAt(schedule, at)) return 'active';
  return nextOccurrence(schedule, at) ? 'planned' : 'completed';
}

/**
 * The window's first occurrence, or null when its rule never matches (an UNTIL before the first
 * date, BYMONTH=2;BYMONTHDAY=30…). The library walks day after day until a match or the year
 * 9999, so the search runs on the schedule moved forward by whole 400-year cycles (which change
 * no weekday, month or leap day) to between 100 and 500 years before that year: a rule with no
 * match in that stretch is treated as having none.
 */
export function firstOccurrence(schedule: Schedule): Occurrence | null {
  if (!schedule.rrule) return { startsAt: schedule.startsAt, endsAt: schedule.endsAt };
  const expansion = expand(schedule);
  const year = new Date(expansion.startWall).getUTCFullYear();
  const shift = Math.floor((LAST_YEAR - 100 - year) / 400) * CYCLE_MS;
  const rule = new RRule(
    {
      ...expansion.explicit,
      count: expansion.count,
      dtstart: new Date(expansion.startWall + shift),
      until: expansion.untilWall === null ? null : new Date(expansion.untilWall + shift),
    },
    true,
  );
  const first = rule.after(new Date(expansion.startWall + shift), true);
  return first ? occurrence(instantOf(expansion, first.getTime() - shift), expansion.durationMs) : null;
}

// ── expansion ───────────────────────────────────────────────────────────────

interface Expansion {
  zone: string;
  durationMs: number;
  startsAt: number;
  /** startsAt as a floating timestamp (zone.ts): the rule's DTSTART. */
  startWall: number;
  untilWall: number | null;
  count: number | null;
  /** The rule from DTSTART. */
  base: Rule;
  /** The base rule's options with every default it took from DTSTART written out, so it can start elsewhere. */
  explicit: Partial<Options>;
}

function expand(schedule: Schedule): Expansion {
  const parsed = parseRecurrence(schedule.rrule!);
  // Stored rules were validated when written; one that no longer parses is a bug, not input.
  if (!parsed.ok) throw new Error(`A stored maintenance rule does not parse: ${parsed.message}`);
  const { options, until } = parsed.recurrence;
  const zone = schedule.timeZone;
  const startWall = toWall(schedule.startsAt.getTime(), zone);
  const untilWall = until === null ? null : until.kind === 'utc' ? toWall(until.fields, zone) : until.kind === 'date' ? until.fields + DAY_MS - 1 : until.fields;
  const base = new RRule({ ...options, dtstart: new Date(startWall), until: untilWall === null ? null : new Date(untilWall) }, true);
  return {
    zone,
    durationMs: schedule.endsAt.getTime() - schedule.startsAt.getTime(),
    startsAt: schedule.startsAt.getTime(),
    startWall,
    untilWall,
    count: options.count ?? null,
    base,
    explicit: explicitOptions(base.options),
  };
}

/** Occurrence starts (instants) whose dates lie between two floating timestamps. */
function startsWithin(expansion: Expansion, fromWall: number, toWallTime: number): number[] {
  const starts: number[] = [];
  walk(expansion, fromWall, (start, wall) => {
    if (wall > toWallTime) return false;
    if (wall >= fromWall) starts.push(start);
    return true;
  });
  return starts;
}

/** Visits occurrence starts in order from the rule's period around `fromWall` until `visit` says stop (or MAX_DATES). */
function walk(expansion: Expansion, fromWall: number, visit: (start: number, wall: number) => boolean): void {
  ruleFrom(expansion, fromWall).all((date, index) => {
    if (index >= MAX_DATES) return false;
    const start = instantOf(expansion, date.getTime());
    // A date in the hour repeated in autumn may read earlier than a startsAt in its second pass.
    return start < expansion.startsAt ? true : visit(start, date.getTime());
  });
}

/**
 * The rule restarted at the first instant of the period (year, month, week or day, in step with
 * INTERVAL) that holds `fromWall`: it yields the same dates as the base rule from there on. A
 * counted rule cannot restart (COUNT counts from DTSTART); COUNT ≤ 1000 bounds it instead.
 */
function ruleFrom(expansion: Expansion, fromWall: number): Rule {
  if (expansion.count !== null || fromWall <= expansion.startWall) return expansion.base;
  const anchor = periodStart(expansion, fromWall);
  if (anchor <= expansion.startWall) return expansion.base;
  return new RRule({ ...expansion.explicit, dtstart: new Date(anchor) }, true);
}

function periodStart(expansion: Expansion, wall: number): number {
  const start = new Date(expansion.startWall);
  const at = new Date(wall);
  const interval = expansion.explicit.interval ?? 1;
  const inStep = (periods: number) => Math.floor(periods / interval) * interval;
  const ms = start.getUTCMilliseconds();
  const day = (date: Date) => Math.floor(date.getTime() / DAY_MS);
  const first = new Date(0);
  switch (expansion.explicit.freq) {
    case RRule.YEARLY:
      first.setUTCFullYear(start.getUTCFullYear() + inStep(at.getUTCFullYear() - start.getUTCFullYear()), 0, 1);
      break;
    case RRule.MONTHLY:
      first.setUTCFullYear(start.getUTCFullYear(), start.getUTCMonth() + inStep((at.getUTCFullYear() - start.getUTCFullYear()) * 12 + at.getUTCMonth() - start.getUTCMonth()), 1);
      break;
    case RRule.WEEKLY: {
      const wkst = expansion.explicit.wkst as number;
      // The library's weekdays count from Monday (0); a week starts on WKST.
      const weekStart = (date: Date) => day(date) - ((((date.getUTCDay() + 6) % 7) - wkst + 7) % 7);
      first.setTime((weekStart(start) + inStep((weekStart(at) - weekStart(start)) / 7) * 7) * DAY_MS);
      break;
    }
    default:
      first.setTime((day(start) + inStep(day(at) - day(start))) * DAY_MS);
  }
  return first.getTime() + ms;
}

function explicitOptions(parsed: Rule['options']): Partial<Options> {
  const weekdays = [...(parsed.byweekday ?? []).map((d) => new Weekday(d)), ...(parsed.bynweekday ?? []).map(([d, n]) => new Weekday(d!, n))];
  const monthDays = [...(parsed.bymonthday ?? []), ...(parsed.bynmonthday ?? [])];
  return {
    freq: parsed.freq,
    interval: parsed.interval,
    wkst: parsed.wkst,
    until: parsed.until,
    bysetpos: parsed.bysetpos,
    bymonth: parsed.bymonth,
    byyearday: parsed.byyearday,
    byweekno: parsed.byweekno,
    byhour: parsed.byhour,
    byminute: parsed.byminute,
    bysecond: parsed.bysecond,
    bymonthday: monthDays.length ? monthDays : null,
    byweekday: weekdays.length ? weekdays : null,
  };
}

/** The instant of a rule date; DTSTART itself is exactly startsAt (even in an hour that happens twice). */
function instantOf(expansion: Expansion, wall: number): number {
  return wall === expansion.startWall ? expansion.startsAt : fromWall(wall, expansion.zone);
}

function occurrence(start: number, durationMs: number): Occurrence {
  return { startsAt: new Date(start), endsAt: new Date(start + durationMs) };
}
