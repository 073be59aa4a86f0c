import { describe, expect, it } from 'vitest';
import { collectorCounts } from './collector-counts.ts';

describe('collectorCounts', () => {
  const rows: { name: string; result: Record<string, unknown>; expected: ReturnType<typeof collectorCounts> }[] = [
    { name: 'a run that never reached its collectors counts nothing', result: { error: 'Rendered URL is invalid: x' }, expected: {} },
    {
      name: 'a passing collector: one run, its latency',
      result: { collectors: [{ collector: 'http.request', fields: { latencyMs: 12 }, assertions: [{ passed: true }] }] },
      expected: { 'http.request': { runs: 1, errors: 0, assertionFailures: 0, latencyCount: 1, latencySum: 12 } },
    },
    {
      name: 'failed assertions and errors count per collector; no latency, none summed',
      result: {
        collectors: [
          { collector: 'http.request', fields: { latencyMs: 30 }, assertions: [{ passed: false }, { passed: false }, { passed: true }] },
          { collector: 'tls.certificate', fields: {}, assertions: [], error: 'handshake failed' },
        ],
      },
      expected: {
        'http.request': { runs: 1, errors: 0, assertionFailures: 2, latencyCount: 1, latencySum: 30 },
        'tls.certificate': { runs: 1, errors: 1, assertionFailures: 0, latencyCount: 0, latencySum: 0 },
      },
    },
  ];
  for (const row of rows) it(row.name, () => expect(collectorCounts(row.result)).toEqual(row.expected));
});
