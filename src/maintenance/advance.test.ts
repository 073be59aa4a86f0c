import { describe, expect, it } from 'vitest';
import { MAINTENANCE_ENDED, MAINTENANCE_STARTED } from '../events/topics.ts';
import { planAdvance, planRemoval, type AdvancePlan, type StoredStatus } from './advance.ts';
import type { Schedule } from './status.ts';

const d = (iso: string) => new Date(iso);
/** 10:00–12:00 UTC on 10 May 2026, once. */
const ONCE: Schedule = { startsAt: d('2026-05-10T10:00:00Z'), endsAt: d('2026-05-10T12:00:00Z'), rrule: null, timeZone: 'UTC' };
/** 10:00–12:00 UTC every day from 10 May 2026. */
const DAILY: Schedule = { ...ONCE, rrule: 'FREQ=DAILY' };
/** Back to back: 00:00–24:00 UTC every day. */
const ALL_DAY: Schedule = { startsAt: d('2026-05-10T00:00:00Z'), endsAt: d('2026-05-11T00:00:00Z'), rrule: 'FREQ=DAILY', timeZone: 'UTC' };
const planned: StoredStatus = { status: 'planned', occurrenceStartsAt: null };
const activeAt = (iso: string): StoredStatus => ({ status: 'active', occurrenceStartsAt: d(iso) });
const occurrence = (start: string, end: string) => ({ startsAt: d(start), endsAt: d(end) });

describe('planAdvance', () => {
  const rows: { name: string; schedule: Schedule; stored: StoredStatus; now: string; expected: AdvancePlan | null }[] = [
    { name: 'planned, not yet: nothing', schedule: ONCE, stored: planned, now: '2026-05-10T09:00:00Z', expected: null },
    {
      name: 'planned → active: started',
      schedule: ONCE,
      stored: planned,
      now: '2026-05-10T10:00:05Z',
      expected: {
        next: activeAt('2026-05-10T10:00:00Z'),
        changes: [{ topic: MAINTENANCE_STARTED, previousStatus: 'planned', status: 'active', occurrence: occurrence('2026-05-10T10:00:00Z', '2026-05-10T12:00:00Z') }],
      },
    },
    { name: 'active, same occurrence: nothing', schedule: ONCE, stored: activeAt('2026-05-10T10:00:00Z'), now: '2026-05-10T11:00:00Z', expected: null },
    {
      name: 'active → completed: ended',
      schedule: ONCE,
      stored: activeAt('2026-05-10T10:00:00Z'),
      now: '2026-05-10T12:00:01Z',
      expected: {
        next: { status: 'completed', occurrenceStartsAt: null },
        changes: [{ topic: MAINTENANCE_ENDED, previousStatus: 'active', status: 'completed', occurrence: occurrence('2026-05-10T10:00:00Z', '2026-05-10T12:00:00Z') }],
      },
    },
    {
      name: 'recurring, active → planned until the next: ended',
      schedule: DAILY,
      stored: activeAt('2026-05-10T10:00:00Z'),
      now: '2026-05-10T13:00:00Z',
      expected: {
        next: planned,
        changes: [{ topic: MAINTENANCE_ENDED, previousStatus: 'active', status: 'planned', occurrence: occurrence('2026-05-10T10:00:00Z', '2026-05-10T12:00:00Z') }],
      },
    },
    {
      name: 'back to back: the old one ends, then the new one starts',
      schedule: ALL_DAY,
      stored: activeAt('2026-05-10T00:00:00Z'),
      now: '2026-05-11T00:00:02Z',
      expected: {
        next: activeAt('2026-05-11T00:00:00Z'),
        changes: [
          { topic: MAINTENANCE_ENDED, previousStatus: 'active', status: 'planned', occurrence: occurrence('2026-05-10T00:00:00Z', '2026-05-11T00:00:00Z') },
          { topic: MAINTENANCE_STARTED, previousStatus: 'planned', status: 'active', occurrence: occurrence('2026-05-11T00:00:00Z', '2026-05-12T00:00:00Z') },
        ],
      },
    },
    { name: 'recurring, an occurrence missed entirely while nothing ran: nothing to say', schedule: DAILY, stored: planned, now: '2026-05-10T13:00:00Z', expected: null },
    { name: 'one-off missed entirely: completed, quietly', schedule: ONCE, stored: planned, now: '2026-05-11T00:00:00Z', expected: { next: { status: 'completed', occurrenceStartsAt: null }, changes: [] } },
  ];
  for (const row of rows) it(row.name, () => expect(planAdvance(row.schedule, row.stored, d(row.now))).toEqual(row.expected));
});

describe('planRemoval', () => {
  it('deleting a window during an occurrence ends it for good', () => {
    expect(planRemoval(DAILY, activeAt('2026-05-12T10:00:00Z'))).toEqual({
      topic: MAINTENANCE_ENDED,
      previousStatus: 'active',
      status: 'completed',
      occurrence: occurrence('2026-05-12T10:00:00Z', '2026-05-12T12:00:00Z'),
    });
  });
  it('deleting one that is not on says nothing', () => expect(planRemoval(DAILY, planned)).toBeNull());
});
