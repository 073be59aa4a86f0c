/**
 * Wall-clock time in an IANA zone, as "floating" timestamps: milliseconds whose UTC fields are the
 * local date and time (02:00 in Berlin is `Date.UTC(…, 2, 0)`). The recurrence library counts
 * days, weeks and months on UTC fields only, so rules are expanded in floating time and each
 * occurrence is turned back into an instant here: that is what keeps a weekly 02:00 at 02:00 local
 * on both sides of a DST change. Pure (Intl only).
 */

const DAY_MS = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

/** Whether Intl knows the zone (`Europe/Berlin`, `UTC`). */
export function isTimeZone(zone: string): boolean {
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** The local date and time of `instant` in `zone`, as a floating timestamp. */
export function toWall(instant: number, zone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatter(zone).formatToParts(instant)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const ms = ((instant % 1000) + 1000) % 1000;
  return floating(parts.year!, parts.month! - 1, parts.day!, parts.hour!, parts.minute!, parts.second!, ms);
}

/**
 * The instant a floating timestamp names in `zone`. As RFC 5545 reads local times: a time that
 * happens twice (the hour repeated in autumn) is the first of them; a time that never happens
 * (the hour skipped in spring) is read with the offset in force before the gap, so 02:30 on the
 * day Berlin skips from 02:00 to 03:00 is 03:30.
 */
export function fromWall(wall: number, zone: string): number {
  const before = wall - offsetAt(wall - DAY_MS, zone);
  const after = wall - offsetAt(wall + DAY_MS, zone);
  const fitsBefore = toWall(before, zone) === wall;
  const fitsAfter = toWall(after, zone) === wall;
  if (fitsBefore && fitsAfter) return Math.min(before, after);
  if (fitsAfter) return after;
  return before;
}

/** A floating timestamp from calendar fields (years below 100 included, unlike Date.UTC). */
function floating(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, ms = 0): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month, day);
  date.setUTCHours(hour, minute, second, ms);
  return date.getTime();
}

/** The zone's offset from UTC (ms) at about `instant`. */
function offsetAt(instant: number, zone: string): number {
  return toWall(instant, zone) - instant;
}

function formatter(zone: string): Intl.DateTimeFormat {
  let found = formatters.get(zone);
  if (!found) {
    found = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    // Zone names are validated before they are stored, but spellings differ ("utc", "UTC"): stay small.
    if (formatters.size >= 1_000) formatters.clear();
    formatters.set(zone, found);
  }
  return found;
}
