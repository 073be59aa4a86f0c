import { describe, expect, it } from 'vitest';
import { RRULE_EXPECTED, parseRecurrence } from './recurrence.ts';

describe('parseRecurrence', () => {
  const accepted = [
    'FREQ=WEEKLY;BYDAY=SU',
    'RRULE:FREQ=DAILY;INTERVAL=2',
    'freq=monthly;byday=-1fr',
    'FREQ=MONTHLY;BYMONTHDAY=1,15;BYHOUR=2,14;BYMINUTE=30',
    'FREQ=YEARLY;BYMONTH=12;BYDAY=SU;BYSETPOS=-1',
    'FREQ=YEARLY;BYWEEKNO=1;BYDAY=MO',
    'FREQ=DAILY;COUNT=1000',
    'FREQ=DAILY;UNTIL=20261231',
    'FREQ=DAILY;UNTIL=20261231T235959',
    'FREQ=DAILY;UNTIL=20261231T235959Z;WKST=SU',
  ];
  for (const rule of accepted) it(`accepts ${rule}`, () => expect(parseRecurrence(rule).ok).toBe(true));

  const refused: { rule: string; says: string }[] = [
    { rule: '', says: 'it is empty' },
    { rule: 'every sunday', says: '"every sunday" is not NAME=VALUE' },
    { rule: 'BYDAY=SU', says: 'FREQ is missing' },
    { rule: 'FREQ=HOURLY', says: 'FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY, not HOURLY; for several times a day use BYHOUR' },
    { rule: 'FREQ=WEEKLY;FREQ=DAILY', says: 'FREQ is given twice' },
    { rule: 'FREQ=WEEKLY;BYDAYS=SU', says: 'unknown part BYDAYS' },
    { rule: 'FREQ=WEEKLY;BYMONTHDAY=1', says: 'BYMONTHDAY cannot be used with FREQ=WEEKLY' },
    { rule: 'FREQ=DAILY;DTSTART=20260101T000000Z', says: 'DTSTART comes from startsAt' },
    { rule: 'FREQ=DAILY;TZID=Europe/Berlin', says: 'TZID comes from timeZone' },
    { rule: 'FREQ=DAILY;BYSECOND=30', says: 'BYSECOND is not supported: seconds come from startsAt' },
    { rule: 'FREQ=WEEKLY;BYDAY=XX', says: 'BYDAY must be weekdays such as SU or 1MO; got XX' },
    { rule: 'FREQ=WEEKLY;BYDAY=1SU', says: 'BYDAY=1SU: a numbered weekday needs FREQ=MONTHLY or YEARLY (without BYWEEKNO)' },
    { rule: 'FREQ=MONTHLY;BYDAY=6SU', says: 'BYDAY=6SU: the number must be from -5 to 5, not 0' },
    { rule: 'FREQ=DAILY;INTERVAL=0', says: 'INTERVAL must be a whole number from 1 to 1000; got 0' },
    { rule: 'FREQ=DAILY;INTERVAL=abc', says: 'INTERVAL must be a whole number from 1 to 1000; got ABC' },
    { rule: 'FREQ=DAILY;COUNT=1001', says: 'COUNT must be a whole number from 1 to 1000; got 1001' },
    { rule: 'FREQ=MONTHLY;BYMONTHDAY=0', says: 'BYMONTHDAY must be from -31 to 31, not 0; got 0' },
    { rule: 'FREQ=DAILY;BYHOUR=24', says: 'BYHOUR must be whole numbers from 0 to 23; got 24' },
    { rule: 'FREQ=DAILY;BYHOUR=0,1,2,3,4,5,6,7,8,9,10,11;BYMINUTE=0,30,45', says: 'BYHOUR × BYMINUTE may name at most 24 times a day' },
    { rule: 'FREQ=MONTHLY;BYSETPOS=1', says: 'BYSETPOS needs another BY part to pick from' },
    { rule: 'FREQ=DAILY;UNTIL=20261332', says: 'UNTIL must be a date such as 20261231 or a time such as 20261231T235959Z; got 20261332' },
  ];
  for (const row of refused) {
    it(`refuses ${row.rule || 'an empty rule'}, saying what was expected`, () => expect(parseRecurrence(row.rule)).toEqual({ ok: false, message: `${RRULE_EXPECTED} (${row.says})` }));
  }
});
