import { describe, expect, it } from 'vitest';
import { burnRate, isBurning, sloFigures, type BurnWindow, type Tally } from './slo.ts';

const rates = (r: Partial<Record<BurnWindow, number | null>>) => ({ '5m': null, '30m': null, '1h': null, '6h': null, '3d': null, ...r });
const tallies = (t: Partial<Record<BurnWindow, Tally>>) => {
  const none = { runs: 0, bad: 0 };
  return { '5m': none, '30m': none, '1h': none, '6h': none, '3d': none, ...t };
};

describe('burnRate', () => {
  const rows: { name: string; tally: Tally; objective: number; expected: number | null }[] = [
    { name: 'no runs: no rate', tally: { runs: 0, bad: 0 }, objective: 99.9, expected: null },
    { name: 'no bad runs', tally: { runs: 100, bad: 0 }, objective: 99.9, expected: 0 },
    { name: 'exactly the allowed rate', tally: { runs: 1000, bad: 1 }, objective: 99.9, expected: 1 },
    { name: '1 % bad against 99.9 %', tally: { runs: 100, bad: 1 }, objective: 99.9, expected: 10 },
    { name: 'all bad against 99 %', tally: { runs: 10, bad: 10 }, objective: 99, expected: 100 },
  ];
  it.each(rows)('$name', ({ tally, objective, expected }) => {
    const rate = burnRate(tally, objective);
    if (expected === null) expect(rate).toBeNull();
    else expect(rate).toBeCloseTo(expected, 9);
  });
});

describe('isBurning (SPEC §5.4)', () => {
  const rows: { name: string; rates: Partial<Record<BurnWindow, number | null>>; expected: boolean }[] = [
    { name: 'fast burn: 1 h and 5 m above 14.4', rates: { '1h': 15, '5m': 20 }, expected: true },
    { name: 'fast burn needs both: 1 h only', rates: { '1h': 15, '5m': 10 }, expected: false },
    { name: 'fast burn needs both: 5 m only (a blip)', rates: { '1h': 2, '5m': 100 }, expected: false },
    { name: 'slow burn: 6 h and 30 m above 6', rates: { '6h': 7, '30m': 8 }, expected: true },
    { name: 'slow burn needs both: 6 h only (recovered)', rates: { '6h': 7, '30m': 0 }, expected: false },
    { name: 'exactly at the threshold is not above it', rates: { '1h': 14.4, '5m': 14.4, '6h': 6, '30m': 6 }, expected: false },
    { name: 'no runs anywhere', rates: {}, expected: false },
  ];
  it.each(rows)('$name', ({ rates: r, expected }) => expect(isBurning(rates(r))).toBe(expected));
});

describe('sloFigures', () => {
  it('gives the SLI, the budget in runs and %, and the time left at the last hour’s rate', () => {
    // 30 days at 120 runs an hour = 86,400 runs; 99.9 % allows 86.4 bad runs; 40 used; the last hour had 4 bad.
    const figures = sloFigures(99.9, { runs: 86_400, bad: 40 }, tallies({ '1h': { runs: 120, bad: 4 }, '5m': { runs: 10, bad: 1 } }));
    expect(figures.sli).toBeCloseTo(99.9537, 4);
    expect(figures.budget).toEqual({ totalRuns: 86.4, usedRuns: 40, remainingRuns: 46.4, remainingPercent: 53.7037 });
    expect(figures.burnRates['1h']).toBeCloseTo(33.3333, 4);
    expect(figures.burnRates['3d']).toBeNull();
    expect(figures.burning).toBe(true);
    expect(figures.hoursToExhaustion).toBeCloseTo(11.6, 4);
  });

  it('says an exhausted budget is exhausted, and never for a clean last hour', () => {
    expect(sloFigures(99, { runs: 100, bad: 5 }, tallies({ '1h': { runs: 10, bad: 1 } })).hoursToExhaustion).toBe(0);
    expect(sloFigures(99, { runs: 100, bad: 0 }, tallies({ '1h': { runs: 10, bad: 0 } })).hoursToExhaustion).toBeNull();
    expect(sloFigures(99, { runs: 0, bad: 0 }, tallies({})).budget.remainingPercent).toBeNull();
  });
});
