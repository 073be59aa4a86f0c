import { describe, expect, it } from 'vitest';
import { expectationOf } from '../strategies/heartbeat/index.ts';
import { lateness } from './lateness.ts';

const every5m = expectationOf({ period: '5m', grace: '1m' });
const daily3amBerlin = expectationOf({ schedule: '0 3 * * *', timezone: 'Europe/Berlin', grace: '30m' });
const quarterHourUtc = expectationOf({ schedule: '*/15 * * * *', grace: '0s' });

const at = (iso: string) => new Date(iso);

// Europe/Berlin moves to summer time on 2025-03-30 (02:00 CET → 03:00 CEST) and back on 2025-10-26.
const cases = [
  { name: 'period: within period + grace, nothing is late', expectation: every5m, reference: '2025-06-01T12:00:00Z', late: null, now: '2025-06-01T12:05:59Z', deadline: undefined },
  { name: 'period: at period + grace the period is missed', expectation: every5m, reference: '2025-06-01T12:00:00Z', late: null, now: '2025-06-01T12:06:00Z', deadline: '2025-06-01T12:06:00.000Z', message: 'No ping within 360s' },
  { name: 'period: a missed period already recorded is not recorded again', expectation: every5m, reference: '2025-06-01T12:00:00Z', late: '2025-06-01T12:06:00Z', now: '2025-06-01T12:10:59Z', deadline: undefined },
  { name: 'period: still silent, the next period is missed in its turn', expectation: every5m, reference: '2025-06-01T12:00:00Z', late: '2025-06-01T12:06:00Z', now: '2025-06-01T12:11:00Z', deadline: '2025-06-01T12:11:00.000Z' },
  { name: 'period: after a long sleep of the sweeper, only the newest missed period', expectation: every5m, reference: '2025-06-01T12:00:00Z', late: null, now: '2025-06-01T12:33:00Z', deadline: '2025-06-01T12:31:00.000Z' },
  { name: 'period: a ping after being late starts a new period', expectation: every5m, reference: '2025-06-01T12:07:00Z', late: '2025-06-01T12:06:00Z', now: '2025-06-01T12:12:59Z', deadline: undefined },
  { name: 'period: … which is missed at its own period + grace', expectation: every5m, reference: '2025-06-01T12:07:00Z', late: '2025-06-01T12:06:00Z', now: '2025-06-01T12:13:00Z', deadline: '2025-06-01T12:13:00.000Z' },
  { name: 'cron: before slot + grace, nothing is late', expectation: daily3amBerlin, reference: '2025-03-28T02:10:00Z', late: null, now: '2025-03-29T02:29:59Z', deadline: undefined },
  {
    name: 'cron: 03:00 CET + 30m has passed without a ping',
    expectation: daily3amBerlin, reference: '2025-03-28T02:10:00Z', late: null, now: '2025-03-29T02:30:00Z', deadline: '2025-03-29T02:30:00.000Z',
    message: 'No ping within 1800s of the scheduled time 2025-03-29T02:00:00.000Z (0 3 * * *, Europe/Berlin)',
  },
  { name: 'cron: a ping after the slot covers it', expectation: daily3amBerlin, reference: '2025-03-29T02:10:00Z', late: null, now: '2025-03-29T02:45:00Z', deadline: undefined },
  { name: 'cron: the day summer time starts, 03:00 CEST is 01:00Z', expectation: daily3amBerlin, reference: '2025-03-29T02:05:00Z', late: null, now: '2025-03-30T01:30:00Z', deadline: '2025-03-30T01:30:00.000Z' },
  { name: 'cron: … and not late a minute before its grace ends', expectation: daily3amBerlin, reference: '2025-03-29T02:05:00Z', late: null, now: '2025-03-30T01:29:00Z', deadline: undefined },
  { name: 'cron: the day summer time ends, 03:00 CET is 02:00Z, not 01:00Z', expectation: daily3amBerlin, reference: '2025-10-25T01:05:00Z', late: null, now: '2025-10-26T01:45:00Z', deadline: undefined },
  { name: 'cron: … missed at 02:30Z', expectation: daily3amBerlin, reference: '2025-10-25T01:05:00Z', late: null, now: '2025-10-26T02:30:00Z', deadline: '2025-10-26T02:30:00.000Z' },
  { name: 'cron: a slot before the check was watched is not missed', expectation: daily3amBerlin, reference: '2025-03-29T02:40:00Z', late: null, now: '2025-03-29T23:00:00Z', deadline: undefined },
  { name: 'cron: a late slot already recorded is not recorded again', expectation: daily3amBerlin, reference: '2025-03-28T02:10:00Z', late: '2025-03-29T02:30:00Z', now: '2025-03-29T20:00:00Z', deadline: undefined },
  { name: 'cron: still silent the next day, that day’s slot is missed too', expectation: daily3amBerlin, reference: '2025-03-28T02:10:00Z', late: '2025-03-29T02:30:00Z', now: '2025-03-30T01:30:00Z', deadline: '2025-03-30T01:30:00.000Z' },
  { name: 'cron in UTC without grace: due exactly at the slot', expectation: quarterHourUtc, reference: '2025-06-01T10:00:30Z', late: null, now: '2025-06-01T10:15:00Z', deadline: '2025-06-01T10:15:00.000Z' },
  { name: 'cron in UTC without grace: not a millisecond before', expectation: quarterHourUtc, reference: '2025-06-01T10:00:30Z', late: null, now: '2025-06-01T10:14:59.999Z', deadline: undefined },
];

describe('lateness', () => {
  it.each(cases)('$name', ({ expectation, reference, late, now, deadline, message }) => {
    const missed = lateness({ expectation, reference: at(reference), lastLateRunFor: late === null ? null : at(late), now: at(now) });
    expect(missed?.deadline.toISOString()).toBe(deadline);
    if (message !== undefined) expect(missed?.message).toBe(message);
  });
});
