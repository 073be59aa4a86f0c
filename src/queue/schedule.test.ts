import { describe, expect, it } from 'vitest';
import type { Schedule } from './types.ts';
import { diffSchedules, invalidScheduleReason, jitterOffset, lastTick, nextTick } from './schedule.ts';

/** A tick function's case: where the grid offsetMs + k·intervalMs puts it at `now`. */
interface TickRow {
  name: string;
  now: number;
  intervalMs: number;
  offsetMs: number;
  expected: number;
}

describe('nextTick', () => {
  const rows: TickRow[] = [
    { name: 'no offset: the next multiple of the interval', now: 61_000, intervalMs: 30_000, offsetMs: 0, expected: 90_000 },
    { name: 'with an offset: the next multiple plus the offset', now: 61_000, intervalMs: 30_000, offsetMs: 5_000, expected: 65_000 },
    { name: 'an offset already passed in this period: next period', now: 66_000, intervalMs: 30_000, offsetMs: 5_000, expected: 95_000 },
    { name: 'exactly on a tick: the following one (strictly after now)', now: 65_000, intervalMs: 30_000, offsetMs: 5_000, expected: 95_000 },
    { name: 'one ms before a tick: that tick', now: 64_999, intervalMs: 30_000, offsetMs: 5_000, expected: 65_000 },
    { name: 'at the epoch with no offset', now: 0, intervalMs: 1_000, offsetMs: 0, expected: 1_000 },
    { name: 'an offset beyond the interval wraps onto the same grid', now: 61_000, intervalMs: 30_000, offsetMs: 35_000, expected: 65_000 },
    { name: 'a real epoch time keeps the phase', now: 1_795_561_438_173, intervalMs: 1_000, offsetMs: 250, expected: 1_795_561_438_250 },
  ];
  for (const row of rows) it(row.name, () => expect(nextTick(row.now, row.intervalMs, row.offsetMs)).toBe(row.expected));

  it('is the same grid whenever it is asked: a restart keeps the phase', () => {
    const ticks = [1_000, 12_345, 29_999, 30_000, 100_001].map((now) => nextTick(now, 30_000, 7_000) % 30_000);
    expect(new Set(ticks)).toEqual(new Set([7_000]));
  });
});

describe('lastTick', () => {
  const rows: TickRow[] = [
    { name: 'between ticks: the one before now', now: 61_000, intervalMs: 30_000, offsetMs: 5_000, expected: 35_000 },
    { name: 'exactly on a tick: that tick', now: 65_000, intervalMs: 30_000, offsetMs: 5_000, expected: 65_000 },
    { name: 'one ms before a tick: the previous one', now: 64_999, intervalMs: 30_000, offsetMs: 5_000, expected: 35_000 },
    { name: 'no offset: the last multiple of the interval', now: 61_000, intervalMs: 30_000, offsetMs: 0, expected: 60_000 },
  ];
  for (const row of rows) it(row.name, () => expect(lastTick(row.now, row.intervalMs, row.offsetMs)).toBe(row.expected));
});

describe('jitterOffset', () => {
  it('is stable for an assignment and differs between assignments', () => {
    const id = '5f3c7a8e-1b2d-4c6e-9f0a-123456789abc';
    expect(jitterOffset(id, 30_000)).toBe(jitterOffset(id, 30_000));
    expect(jitterOffset(id, 30_000)).not.toBe(jitterOffset('5f3c7a8e-1b2d-4c6e-9f0a-123456789abd', 30_000));
  });

  it('stays in [0, interval) for every interval', () => {
    for (const intervalMs of [1, 7, 1_000, 30_000, 3_600_000, 86_400_000]) {
      for (let n = 0; n < 200; n++) {
        const offset = jitterOffset(`assignment-${n}`, intervalMs);
        expect(Number.isInteger(offset) && offset >= 0 && offset < intervalMs).toBe(true);
      }
    }
  });

  it('spreads 10,000 sequential ids over the interval (no second holds more than twice its share)', () => {
    const perSecond = new Array<number>(30).fill(0);
    for (let n = 0; n < 10_000; n++) {
      const offset = jitterOffset(`00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`, 30_000);
      perSecond[Math.floor(offset / 1_000)]! += 1;
    }
    const fairShare = 10_000 / 30;
    expect(Math.max(...perSecond)).toBeLessThan(2 * fairShare);
    expect(Math.min(...perSecond)).toBeGreaterThan(fairShare / 2);
  });
});

describe('invalidScheduleReason', () => {
  const base: Schedule = { id: 'a', configurationId: 'c', systemId: 's', intervalMs: 30_000, offsetMs: 0 };
  const rows: { name: string; change: Partial<Schedule>; invalid: boolean }[] = [
    { name: 'a normal schedule is valid', change: {}, invalid: false },
    { name: 'the largest offset is valid', change: { offsetMs: 29_999 }, invalid: false },
    { name: 'an interval of 0 would spin', change: { intervalMs: 0 }, invalid: true },
    { name: 'a negative interval', change: { intervalMs: -5 }, invalid: true },
    { name: 'a fractional interval', change: { intervalMs: 1.5 }, invalid: true },
    { name: 'a NaN interval (bad row)', change: { intervalMs: Number.NaN }, invalid: true },
    { name: 'an offset equal to the interval', change: { offsetMs: 30_000 }, invalid: true },
    { name: 'a negative offset', change: { offsetMs: -1 }, invalid: true },
  ];
  for (const row of rows) it(row.name, () => expect(invalidScheduleReason({ ...base, ...row.change }) !== undefined).toBe(row.invalid));
});

describe('diffSchedules', () => {
  const a: Schedule = { id: 'a', configurationId: 'c1', systemId: 's1', intervalMs: 30_000, offsetMs: 100 };
  const b: Schedule = { id: 'b', configurationId: 'c1', systemId: 's2', intervalMs: 60_000, offsetMs: 200 };
  const rows: { name: string; live: Schedule[]; desired: Schedule[]; expected: { add: string[]; update: string[]; remove: string[] } }[] = [
    { name: 'nothing live: add everything', live: [], desired: [a, b], expected: { add: ['a', 'b'], update: [], remove: [] } },
    { name: 'nothing desired: remove everything (every assignment paused)', live: [a, b], desired: [], expected: { add: [], update: [], remove: ['a', 'b'] } },
    { name: 'identical: nothing to do', live: [a, b], desired: [{ ...a }, { ...b }], expected: { add: [], update: [], remove: [] } },
    { name: 'interval edited: update', live: [a], desired: [{ ...a, intervalMs: 10_000 }], expected: { add: [], update: ['a'], remove: [] } },
    { name: 'offset changed: update', live: [a], desired: [{ ...a, offsetMs: 101 }], expected: { add: [], update: ['a'], remove: [] } },
    { name: 'assignment moved to another system: update', live: [a], desired: [{ ...a, systemId: 's9' }], expected: { add: [], update: ['a'], remove: [] } },
    { name: 'configuration changed: update', live: [a], desired: [{ ...a, configurationId: 'c9' }], expected: { add: [], update: ['a'], remove: [] } },
    { name: 'one added, one removed', live: [a], desired: [b], expected: { add: ['b'], update: [], remove: ['a'] } },
    {
      name: 'a duplicated desired id: the last one wins',
      live: [a],
      desired: [{ ...a, intervalMs: 5_000 }, a],
      expected: { add: [], update: [], remove: [] },
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const diff = diffSchedules(row.live, row.desired);
      expect({ add: diff.add.map((s) => s.id), update: diff.update.map((s) => s.id), remove: diff.remove }).toEqual(row.expected);
    });
  }

  it('hands back the desired version of an updated schedule', () => {
    expect(diffSchedules([a], [{ ...a, intervalMs: 10_000 }]).update).toEqual([{ ...a, intervalMs: 10_000 }]);
  });
});
