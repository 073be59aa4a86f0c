/** Per-collector counts of one run, as the hourly bucket adds them up (SPEC §5.1). */
export interface CollectorCounts {
  runs: number;
  /** The collector threw or could not run. */
  errors: number;
  /** Assertions on its fields that failed. */
  assertionFailures: number;
  latencyCount: number;
  latencySum: number;
}

interface CollectorOutcome {
  collector?: unknown;
  error?: unknown;
  fields?: { latencyMs?: unknown };
  assertions?: { passed?: unknown }[];
}

/** Pure: reads the run's result document; a run that never reached its collectors counts nothing. */
export function collectorCounts(result: Record<string, unknown>): Record<string, CollectorCounts> {
  const outcomes = Array.isArray(result.collectors) ? (result.collectors as CollectorOutcome[]) : [];
  const counts: Record<string, CollectorCounts> = {};
  for (const outcome of outcomes) {
    if (typeof outcome.collector !== 'string') continue;
    const latency = outcome.fields?.latencyMs;
    const measured = typeof latency === 'number' && Number.isFinite(latency);
    const entry = (counts[outcome.collector] ??= { runs: 0, errors: 0, assertionFailures: 0, latencyCount: 0, latencySum: 0 });
    entry.runs += 1;
    entry.errors += outcome.error === undefined ? 0 : 1;
    entry.assertionFailures += (outcome.assertions ?? []).filter((a) => a.passed === false).length;
    entry.latencyCount += measured ? 1 : 0;
    entry.latencySum += measured ? latency : 0;
  }
  return counts;
}
