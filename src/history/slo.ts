/**
 * SLO arithmetic (SPEC §5.4), pure: the SLI, the error budget, burn rates and the multi-window
 * burn-rate alert, from run counts the service reads from the history tiers.
 */

export const BURN_WINDOWS = ['5m', '30m', '1h', '6h', '3d'] as const;
export type BurnWindow = (typeof BURN_WINDOWS)[number];
export const BURN_WINDOW_MS: Record<BurnWindow, number> = { '5m': 300_000, '30m': 1_800_000, '1h': 3_600_000, '6h': 21_600_000, '3d': 259_200_000 };

/** Runs and bad runs (unhealthy, and degraded unless it counts as good) over some window. */
export interface Tally {
  runs: number;
  bad: number;
}

export interface SloFigures {
  /** Good runs ÷ runs over the window, in %; null without runs. */
  sli: number | null;
  budget: {
    /** Bad runs the objective allows over the window's runs. */
    totalRuns: number;
    usedRuns: number;
    remainingRuns: number;
    /** Of the budget, in %; null when there is no budget (no runs yet). */
    remainingPercent: number | null;
  };
  /** Bad-run rate ÷ the rate the objective allows, per window; null without runs in it. */
  burnRates: Record<BurnWindow, number | null>;
  /** SPEC §5.4: (1 h > 14.4 and 5 m > 14.4) or (6 h > 6 and 30 m > 6). */
  burning: boolean;
  /** Hours until the budget is gone at the last hour's rate of bad runs; null if never (no bad runs, or none left to lose). */
  hoursToExhaustion: number | null;
}

export function burnRate(tally: Tally, objective: number): number | null {
  if (!tally.runs) return null;
  const allowed = 1 - objective / 100;
  return tally.bad / tally.runs / allowed;
}

export function isBurning(rates: Record<BurnWindow, number | null>): boolean {
  const over = (window: BurnWindow, threshold: number) => (rates[window] ?? 0) > threshold;
  return (over('1h', 14.4) && over('5m', 14.4)) || (over('6h', 6) && over('30m', 6));
}

export function sloFigures(objective: number, window: Tally, windows: Record<BurnWindow, Tally>): SloFigures {
  const totalRuns = (1 - objective / 100) * window.runs;
  const remainingRuns = totalRuns - window.bad;
  const burnRates = Object.fromEntries(BURN_WINDOWS.map((w) => [w, round(burnRate(windows[w], objective))])) as Record<BurnWindow, number | null>;
  const badPerHour = windows['1h'].bad;
  return {
    sli: window.runs ? round(((window.runs - window.bad) / window.runs) * 100) : null,
    budget: {
      totalRuns: round(totalRuns)!,
      usedRuns: window.bad,
      remainingRuns: round(remainingRuns)!,
      remainingPercent: totalRuns > 0 ? round((remainingRuns / totalRuns) * 100) : null,
    },
    burnRates,
    burning: isBurning(burnRates),
    hoursToExhaustion: badPerHour > 0 && remainingRuns > 0 ? round(remainingRuns / badPerHour) : remainingRuns <= 0 && totalRuns > 0 ? 0 : null,
  };
}

function round(value: number | null): number | null {
  return value === null ? null : Math.round(value * 10_000) / 10_000;
}
