import rrule, { type Options } from 'rrule';

const { RRule, Weekday } = rrule;

/**
 * A window's recurrence rule (RFC 5545 RRULE), read part by part so a person who mistypes one is
 * told which, and narrowed to what maintenance needs: daily to yearly, at most 24 times a day.
 * The narrowing is also what keeps expanding a rule bounded (the library walks day by day until it
 * finds a match, and a per-second or per-minute rule makes that walk long). Pure.
 */

export const RRULE_EXPECTED = 'expected an RFC 5545 recurrence rule such as FREQ=WEEKLY;BYDAY=SU';

export interface Recurrence {
  /** Options for the `rrule` library: everything but DTSTART and UNTIL, which depend on the window's zone. */
  options: Partial<Options>;
  /**
   * UNTIL as written, its fields as a floating timestamp (see zone.ts): `utc` (…Z, an instant),
   * `local` (a local date and time) or `date` (a local date: that whole day is included).
   */
  until: { kind: 'utc' | 'local' | 'date'; fields: number } | null;
}

export type ParsedRecurrence = { ok: true; recurrence: Recurrence } | { ok: false; message: string };

type Freq = 'DAILY' | 'WEEKLY' | 'MONTHLY' | 'YEARLY';
const FREQUENCIES: Record<Freq, number> = { DAILY: RRule.DAILY, WEEKLY: RRule.WEEKLY, MONTHLY: RRule.MONTHLY, YEARLY: RRule.YEARLY };
const DAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];

const COMMON = ['FREQ', 'INTERVAL', 'COUNT', 'UNTIL', 'WKST', 'BYDAY', 'BYMONTH', 'BYHOUR', 'BYMINUTE'];
/** The parts each frequency may use: RFC 5545's table, without BYMONTHDAY for DAILY (a monthly rule says it). */
const PARTS: Record<Freq, string[]> = {
  DAILY: COMMON,
  WEEKLY: [...COMMON, 'BYSETPOS'],
  MONTHLY: [...COMMON, 'BYMONTHDAY', 'BYSETPOS'],
  YEARLY: [...COMMON, 'BYMONTHDAY', 'BYYEARDAY', 'BYWEEKNO', 'BYSETPOS'],
};
/** Parts of RFC 5545 Vigil refuses, and why. */
const REFUSED: Record<string, string> = {
  DTSTART: 'DTSTART comes from startsAt',
  TZID: 'TZID comes from timeZone',
  BYSECOND: 'BYSECOND is not supported: seconds come from startsAt',
};

/** At most this many occurrences for COUNT: a counted rule is expanded from its start every time. */
export const MAX_COUNT = 1_000;
const MAX_TIMES_A_DAY = 24;

export function parseRecurrence(text: string): ParsedRecurrence {
  // Names and values are case-insensitive (RFC 5545 §2); a part that is not one is quoted as written.
  const body = text.trim().replace(/^RRULE:/i, '');
  if (!body) return fail('it is empty');
  const parts = new Map<string, string>();
  for (const part of body.split(';')) {
    const match = /^([A-Z]+)=(.+)$/.exec(part.toUpperCase());
    if (!match) return fail(`"${part}" is not NAME=VALUE`);
    const name = match[1]!;
    const value = match[2]!;
    if (REFUSED[name]) return fail(REFUSED[name]);
    if (parts.has(name)) return fail(`${name} is given twice`);
    parts.set(name, value);
  }
  const freq = parts.get('FREQ');
  if (freq === undefined) return fail('FREQ is missing');
  if (!(freq in FREQUENCIES)) return fail(`FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY, not ${freq}; for several times a day use BYHOUR`);
  const allowed = PARTS[freq as Freq];
  for (const name of parts.keys()) {
    if (!allowed.includes(name)) return fail(Object.values(PARTS).flat().includes(name) ? `${name} cannot be used with FREQ=${freq}` : `unknown part ${name}`);
  }
  try {
    return { ok: true, recurrence: build(freq as Freq, parts) };
  } catch (error) {
    if (error instanceof PartError) return fail(error.message);
    throw error;
  }
}

class PartError extends Error {}

function build(freq: Freq, parts: Map<string, string>): Recurrence {
  const options: Partial<Options> = { freq: FREQUENCIES[freq] };
  const get = (name: string) => parts.get(name);
  if (get('INTERVAL') !== undefined) options.interval = integer('INTERVAL', get('INTERVAL')!, 1, 1_000);
  if (get('COUNT') !== undefined) options.count = integer('COUNT', get('COUNT')!, 1, MAX_COUNT);
  if (get('WKST') !== undefined) options.wkst = weekday('WKST', get('WKST')!);
  if (get('BYMONTH') !== undefined) options.bymonth = list('BYMONTH', get('BYMONTH')!, 1, 12);
  if (get('BYMONTHDAY') !== undefined) options.bymonthday = list('BYMONTHDAY', get('BYMONTHDAY')!, -31, 31);
  if (get('BYYEARDAY') !== undefined) options.byyearday = list('BYYEARDAY', get('BYYEARDAY')!, -366, 366);
  if (get('BYWEEKNO') !== undefined) options.byweekno = list('BYWEEKNO', get('BYWEEKNO')!, -53, 53);
  if (get('BYSETPOS') !== undefined) options.bysetpos = list('BYSETPOS', get('BYSETPOS')!, -366, 366);
  if (get('BYHOUR') !== undefined) options.byhour = list('BYHOUR', get('BYHOUR')!, 0, 23);
  if (get('BYMINUTE') !== undefined) options.byminute = list('BYMINUTE', get('BYMINUTE')!, 0, 59);
  if (get('BYDAY') !== undefined) options.byweekday = byDay(freq, get('BYDAY')!, parts.has('BYWEEKNO'));
  if (options.bysetpos && ![...parts.keys()].some((name) => name.startsWith('BY') && name !== 'BYSETPOS')) {
    throw new PartError('BYSETPOS needs another BY part to pick from');
  }
  const times = (options.byhour as number[] | undefined)?.length ?? 1;
  if (times * ((options.byminute as number[] | undefined)?.length ?? 1) > MAX_TIMES_A_DAY) {
    throw new PartError(`BYHOUR × BYMINUTE may name at most ${MAX_TIMES_A_DAY} times a day`);
  }
  return { options, until: get('UNTIL') === undefined ? null : until(get('UNTIL')!) };
}

function integer(name: string, value: string, min: number, max: number): number {
  const n = /^[+-]?\d{1,6}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < min || n > max || n === 0) {
    throw new PartError(`${name} must be ${min < 0 ? `from ${min} to ${max}, not 0` : `a whole number from ${min} to ${max}`}; got ${value}`);
  }
  return n;
}

function list(name: string, value: string, min: number, max: number): number[] {
  return [...new Set(value.split(',').map((item) => (min === 0 ? integerWithZero(name, item, max) : integer(name, item, min, max))))];
}

/** Hours and minutes start at 0. */
function integerWithZero(name: string, value: string, max: number): number {
  const n = /^\d{1,2}$/.test(value) ? Number(value) : NaN;
  if (!(n >= 0 && n <= max)) throw new PartError(`${name} must be whole numbers from 0 to ${max}; got ${value}`);
  return n;
}

function weekday(name: string, value: string): number {
  const index = DAYS.indexOf(value);
  if (index < 0) throw new PartError(`${name} must be one of ${DAYS.join(', ')}; got ${value}`);
  return index;
}

/** Weekdays, with an ordinal (`1MO`, `-1FR`) only where RFC 5545 gives one a meaning. */
function byDay(freq: Freq, value: string, withWeekNumbers: boolean): InstanceType<typeof Weekday>[] {
  return value.split(',').map((item) => {
    const match = /^([+-]?\d{1,2})?([A-Z]{2})$/.exec(item);
    const index = match ? DAYS.indexOf(match[2]!) : -1;
    if (!match || index < 0) throw new PartError(`BYDAY must be weekdays such as SU or 1MO; got ${item}`);
    if (match[1] === undefined) return new Weekday(index);
    if (!(freq === 'MONTHLY' || freq === 'YEARLY') || withWeekNumbers) throw new PartError(`BYDAY=${item}: a numbered weekday needs FREQ=MONTHLY or YEARLY (without BYWEEKNO)`);
    const n = Number(match[1]);
    const most = freq === 'MONTHLY' ? 5 : 53;
    if (n === 0 || Math.abs(n) > most) throw new PartError(`BYDAY=${item}: the number must be from -${most} to ${most}, not 0`);
    return new Weekday(index, n);
  });
}

function until(value: string): NonNullable<Recurrence['until']> {
  const match = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$/.exec(value);
  if (match) {
    const [year, month, day, hour = 0, minute = 0, second = 0] = match.slice(1, 7).map((v) => (v === undefined ? undefined : Number(v))) as number[];
    const date = new Date(0);
    date.setUTCFullYear(year!, month! - 1, day);
    date.setUTCHours(hour, minute, second, 0);
    const exact = date.getUTCMonth() === month! - 1 && date.getUTCDate() === day && date.getUTCHours() === hour && date.getUTCMinutes() === minute && date.getUTCSeconds() === second;
    if (exact) return { kind: match[4] === undefined ? 'date' : match[7] ? 'utc' : 'local', fields: date.getTime() };
  }
  throw new PartError(`UNTIL must be a date such as 20261231 or a time such as 20261231T235959Z; got ${value}`);
}

function fail(detail: string): ParsedRecurrence {
  return { ok: false, message: `${RRULE_EXPECTED} (${detail})` };
}
