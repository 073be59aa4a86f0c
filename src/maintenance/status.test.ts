import { describe, expect, it } from 'vitest';
import { firstOccurrence, nextOccurrence, occurrenceAt, statusAt, type MaintenanceStatus, type Schedule } from './status.ts';

const schedule = (startsAt: string, endsAt: string, rrule: string | null = null, timeZone = 'UTC'): Schedule => ({
  startsAt: new Date(startsAt),
  endsAt: new Date(endsAt),
  rrule,
  timeZone,
});
const occ = (startsAt: string, endsAt: string) => ({ startsAt: new Date(startsAt), endsAt: new Date(endsAt) });

/** 2026-05-10 10:00–12:00 UTC, once. */
const ONCE = schedule('2026-05-10T10:00:00Z', '2026-05-10T12:00:00Z');
/** Every Sunday 02:00–04:00 in Berlin, from 4 January 2026 (01:00Z in winter, 00:00Z in summer). */
const SUNDAYS_BERLIN = schedule('2026-01-04T01:00:00Z', '2026-01-04T03:00:00Z', 'FREQ=WEEKLY;BYDAY=SU', 'Europe/Berlin');
/** 22:00–23:00 UTC on 1, 2 and 3 May 2026. */
const THREE_NIGHTS = schedule('2026-05-01T22:00:00Z', '2026-05-01T23:00:00Z', 'FREQ=DAILY;COUNT=3');
/** 22:00–23:00 Berlin (20:00Z in May), daily until 3 May 2026, local date: the whole day counts. */
const UNTIL_DAY = schedule('2026-05-01T20:00:00Z', '2026-05-01T21:00:00Z', 'FREQ=DAILY;UNTIL=20260503', 'Europe/Berlin');
/** The same, until 20:00Z on 2 May: that day's 20:00Z is the last. */
const UNTIL_INSTANT = schedule('2026-05-01T20:00:00Z', '2026-05-01T21:00:00Z', 'FREQ=DAILY;UNTIL=20260502T200000Z', 'Europe/Berlin');
/** Every other Saturday 06:00–07:00 UTC from 3 January 2026. */
const FORTNIGHTLY = schedule('2026-01-03T06:00:00Z', '2026-01-03T07:00:00Z', 'FREQ=WEEKLY;INTERVAL=2;BYDAY=SA');
/** The last Friday of each month, 18:00 UTC for three days. */
const LAST_FRIDAY = schedule('2026-05-29T18:00:00Z', '2026-06-01T18:00:00Z', 'FREQ=MONTHLY;BYDAY=-1FR');

describe('occurrenceAt', () => {
  const rows: { name: string; schedule: Schedule; at: string; expected: ReturnType<typeof occ> | null }[] = [
    { name: 'one-off: just before it starts', schedule: ONCE, at: '2026-05-10T09:59:59.999Z', expected: null },
    { name: 'one-off: at its start', schedule: ONCE, at: '2026-05-10T10:00:00Z', expected: occ('2026-05-10T10:00:00Z', '2026-05-10T12:00:00Z') },
    { name: 'one-off: inside', schedule: ONCE, at: '2026-05-10T11:59:59Z', expected: occ('2026-05-10T10:00:00Z', '2026-05-10T12:00:00Z') },
    { name: 'one-off: its end is outside', schedule: ONCE, at: '2026-05-10T12:00:00Z', expected: null },
    { name: 'weekly: a winter Sunday at 02:30 CET', schedule: SUNDAYS_BERLIN, at: '2026-03-22T01:30:00Z', expected: occ('2026-03-22T01:00:00Z', '2026-03-22T03:00:00Z') },
    { name: 'weekly: the occurrence started before and still covers', schedule: SUNDAYS_BERLIN, at: '2026-03-22T02:59:59Z', expected: occ('2026-03-22T01:00:00Z', '2026-03-22T03:00:00Z') },
    { name: 'weekly: a Monday', schedule: SUNDAYS_BERLIN, at: '2026-03-23T01:30:00Z', expected: null },
    { name: 'weekly: spring forward, 02:00 does not exist and reads as 03:00 CEST (01:00Z)', schedule: SUNDAYS_BERLIN, at: '2026-03-29T00:30:00Z', expected: null },
    { name: 'weekly: spring forward, on from 03:00 CEST', schedule: SUNDAYS_BERLIN, at: '2026-03-29T01:30:00Z', expected: occ('2026-03-29T01:00:00Z', '2026-03-29T03:00:00Z') },
    { name: 'weekly: a summer Sunday starts at 02:00 CEST (00:00Z)', schedule: SUNDAYS_BERLIN, at: '2026-07-05T00:00:00Z', expected: occ('2026-07-05T00:00:00Z', '2026-07-05T02:00:00Z') },
    { name: 'weekly: fall back, 02:00 is its first pass; two hours later is 03:00 CET', schedule: SUNDAYS_BERLIN, at: '2026-10-25T01:30:00Z', expected: occ('2026-10-25T00:00:00Z', '2026-10-25T02:00:00Z') },
    { name: 'weekly: back to 01:00Z the next Sunday', schedule: SUNDAYS_BERLIN, at: '2026-11-01T01:00:00Z', expected: occ('2026-11-01T01:00:00Z', '2026-11-01T03:00:00Z') },
    { name: 'weekly: ten years on, still 02:00 local on a spring-forward day', schedule: SUNDAYS_BERLIN, at: '2036-03-30T02:59:00Z', expected: occ('2036-03-30T01:00:00Z', '2036-03-30T03:00:00Z') },
    { name: 'weekly: ten years on, in summer', schedule: SUNDAYS_BERLIN, at: '2036-10-26T00:10:00Z', expected: occ('2036-10-26T00:00:00Z', '2036-10-26T02:00:00Z') },
    { name: 'before the first occurrence', schedule: SUNDAYS_BERLIN, at: '2025-12-28T01:30:00Z', expected: null },
    { name: 'COUNT: the third night', schedule: THREE_NIGHTS, at: '2026-05-03T22:30:00Z', expected: occ('2026-05-03T22:00:00Z', '2026-05-03T23:00:00Z') },
    { name: 'COUNT: no fourth night', schedule: THREE_NIGHTS, at: '2026-05-04T22:30:00Z', expected: null },
    { name: 'UNTIL a local date: that day is included', schedule: UNTIL_DAY, at: '2026-05-03T20:30:00Z', expected: occ('2026-05-03T20:00:00Z', '2026-05-03T21:00:00Z') },
    { name: 'UNTIL a local date: the day after is not', schedule: UNTIL_DAY, at: '2026-05-04T20:30:00Z', expected: null },
    { name: 'UNTIL an instant: an occurrence starting at it is the last', schedule: UNTIL_INSTANT, at: '2026-05-02T20:30:00Z', expected: occ('2026-05-02T20:00:00Z', '2026-05-02T21:00:00Z') },
    { name: 'UNTIL an instant: none after it', schedule: UNTIL_INSTANT, at: '2026-05-03T20:30:00Z', expected: null },
    { name: 'INTERVAL=2: an on week, a year later', schedule: FORTNIGHTLY, at: '2026-12-19T06:30:00Z', expected: occ('2026-12-19T06:00:00Z', '2026-12-19T07:00:00Z') },
    { name: 'INTERVAL=2: an off week', schedule: FORTNIGHTLY, at: '2026-12-26T06:30:00Z', expected: null },
    { name: 'an occurrence that began last month', schedule: LAST_FRIDAY, at: '2026-06-01T12:00:00Z', expected: occ('2026-05-29T18:00:00Z', '2026-06-01T18:00:00Z') },
    { name: 'an occurrence three days long, on its third day', schedule: LAST_FRIDAY, at: '2026-06-29T17:59:59Z', expected: occ('2026-06-26T18:00:00Z', '2026-06-29T18:00:00Z') },
  ];
  for (const row of rows) it(row.name, () => expect(occurrenceAt(row.schedule, new Date(row.at))).toEqual(row.expected));
});

describe('nextOccurrence', () => {
  const rows: { name: string; schedule: Schedule; after: string; expected: ReturnType<typeof occ> | null }[] = [
    { name: 'one-off, before it', schedule: ONCE, after: '2026-05-01T00:00:00Z', expected: occ('2026-05-10T10:00:00Z', '2026-05-10T12:00:00Z') },
    { name: 'one-off, once it started', schedule: ONCE, after: '2026-05-10T10:00:00Z', expected: null },
    { name: 'weekly, before the first', schedule: SUNDAYS_BERLIN, after: '2025-06-01T00:00:00Z', expected: occ('2026-01-04T01:00:00Z', '2026-01-04T03:00:00Z') },
    { name: 'weekly, during one: the one after', schedule: SUNDAYS_BERLIN, after: '2026-03-22T01:30:00Z', expected: occ('2026-03-29T01:00:00Z', '2026-03-29T03:00:00Z') },
    { name: 'weekly, across the autumn change', schedule: SUNDAYS_BERLIN, after: '2026-10-25T03:00:00Z', expected: occ('2026-11-01T01:00:00Z', '2026-11-01T03:00:00Z') },
    { name: 'COUNT, between the second and the third', schedule: THREE_NIGHTS, after: '2026-05-02T23:30:00Z', expected: occ('2026-05-03T22:00:00Z', '2026-05-03T23:00:00Z') },
    { name: 'COUNT, after the third', schedule: THREE_NIGHTS, after: '2026-05-03T22:00:00Z', expected: null },
    { name: 'INTERVAL=2 keeps its step across a year', schedule: FORTNIGHTLY, after: '2026-12-20T00:00:00Z', expected: occ('2027-01-02T06:00:00Z', '2027-01-02T07:00:00Z') },
    { name: 'the last Friday of the next month', schedule: LAST_FRIDAY, after: '2026-06-01T18:00:00Z', expected: occ('2026-06-26T18:00:00Z', '2026-06-29T18:00:00Z') },
  ];
  for (const row of rows) it(row.name, () => expect(nextOccurrence(row.schedule, new Date(row.after))).toEqual(row.expected));
});

describe('statusAt', () => {
  const rows: { name: string; schedule: Schedule; at: string; expected: MaintenanceStatus }[] = [
    { name: 'one-off, before', schedule: ONCE, at: '2026-05-10T09:00:00Z', expected: 'planned' },
    { name: 'one-off, during', schedule: ONCE, at: '2026-05-10T10:00:00Z', expected: 'active' },
    { name: 'one-off, at its end', schedule: ONCE, at: '2026-05-10T12:00:00Z', expected: 'completed' },
    { name: 'recurring, between occurrences: planned again', schedule: SUNDAYS_BERLIN, at: '2026-03-25T12:00:00Z', expected: 'planned' },
    { name: 'recurring, during one', schedule: SUNDAYS_BERLIN, at: '2026-07-05T01:00:00Z', expected: 'active' },
    { name: 'recurring without an end is never completed', schedule: SUNDAYS_BERLIN, at: '2099-12-31T12:00:00Z', expected: 'planned' },
    { name: 'COUNT, during the last', schedule: THREE_NIGHTS, at: '2026-05-03T22:59:59Z', expected: 'active' },
    { name: 'COUNT, after the last', schedule: THREE_NIGHTS, at: '2026-05-03T23:00:00Z', expected: 'completed' },
    { name: 'UNTIL, between two', schedule: UNTIL_DAY, at: '2026-05-02T12:00:00Z', expected: 'planned' },
    { name: 'UNTIL, after the last', schedule: UNTIL_INSTANT, at: '2026-05-02T21:00:00Z', expected: 'completed' },
  ];
  for (const row of rows) it(row.name, () => expect(statusAt(row.schedule, new Date(row.at))).toBe(row.expected));
});

describe('firstOccurrence', () => {
  const rows: { name: string; schedule: Schedule; expected: ReturnType<typeof occ> | null }[] = [
    { name: 'one-off: itself', schedule: ONCE, expected: occ('2026-05-10T10:00:00Z', '2026-05-10T12:00:00Z') },
    { name: 'startsAt on a date of the rule', schedule: SUNDAYS_BERLIN, expected: occ('2026-01-04T01:00:00Z', '2026-01-04T03:00:00Z') },
    {
      name: 'startsAt on a Monday, the rule on Sundays: the first Sunday after, same local time',
      schedule: schedule('2026-01-05T01:00:00Z', '2026-01-05T03:00:00Z', 'FREQ=WEEKLY;BYDAY=SU', 'Europe/Berlin'),
      expected: occ('2026-01-11T01:00:00Z', '2026-01-11T03:00:00Z'),
    },
    { name: 'UNTIL before the first date', schedule: schedule('2026-05-01T22:00:00Z', '2026-05-01T23:00:00Z', 'FREQ=DAILY;UNTIL=20260430'), expected: null },
    { name: 'a date that never exists', schedule: schedule('2026-01-01T00:00:00Z', '2026-01-01T01:00:00Z', 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30'), expected: null },
    { name: 'a weekday a seven-day step never lands on', schedule: schedule('2026-01-06T00:00:00Z', '2026-01-06T01:00:00Z', 'FREQ=DAILY;INTERVAL=7;BYDAY=MO'), expected: null },
    {
      name: 'a leap day, years ahead',
      schedule: schedule('2026-03-01T00:00:00Z', '2026-03-01T01:00:00Z', 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29'),
      expected: occ('2028-02-29T00:00:00Z', '2028-02-29T01:00:00Z'),
    },
  ];
  for (const row of rows) it(row.name, () => expect(firstOccurrence(row.schedule)).toEqual(row.expected));
});
