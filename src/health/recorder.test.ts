import { describe, expect, it } from 'vitest';
import type { StateThresholds } from '../checks/model.ts';
import type { Status } from './evaluate.ts';
import { mayChangeView, streamsBefore } from './recorder.ts';

describe('mayChangeView: when a run can skip re-evaluating its view', () => {
  const window: StateThresholds = { mode: 'window', windowSize: 3, degraded: { minFailureCount: 2 }, unhealthy: { minFailureCount: 3 } };
  const rows: { name: string; previous: string | null; viewExists?: boolean; thresholds?: StateThresholds; status: Status; expected: boolean }[] = [
    { name: 'the stream’s first run is always evaluated', previous: null, status: 'healthy', expected: true },
    { name: 'a view not stored yet is always evaluated', previous: 'hhh', viewExists: false, status: 'healthy', expected: true },
    { name: 'healthy after healthy: the stream stays healthy, skip', previous: 'hhh', status: 'healthy', expected: false },
    { name: 'a first failure below the default degraded threshold: still healthy, skip', previous: 'hhh', status: 'unhealthy', expected: false },
    { name: 'a second failure in a row degrades (default 2): evaluate', previous: 'uhh', status: 'unhealthy', expected: true },
    { name: 'the fifth failure makes it unhealthy: evaluate', previous: 'uuuuh', status: 'unhealthy', expected: true },
    { name: 'a sixth failure keeps it unhealthy: skip', previous: 'uuuuu', status: 'unhealthy', expected: false },
    { name: 'recovery: evaluate', previous: 'uuuuu', status: 'healthy', expected: true },
    { name: 'window mode: a failure falling out of the window recovers the stream: evaluate', previous: 'huu', thresholds: window, status: 'healthy', expected: true },
    { name: 'window mode: still two failures in the window, skip', previous: 'uhu', thresholds: window, status: 'unhealthy', expected: false },
  ];
  for (const row of rows) {
    it(row.name, () =>
      expect(mayChangeView({ previous: row.previous, thresholds: row.thresholds ?? null, view_exists: row.viewExists ?? true }, row.status)).toBe(row.expected),
    );
  }
});

describe('streamsBefore: the streams as they were before a run was stored', () => {
  const stream = (configurationId: string, environmentId: string | null, source: string, recent: string) => ({ configurationId, environmentId, source, recent });
  const streams = [stream('c1', null, 'Local', 'uuh'), stream('c1', 'e1', 'Local', 'uh'), stream('c1', null, 'sat-1', 'u'), stream('c2', null, 'Local', 'h')];
  const rows: { name: string; runs: Parameters<typeof streamsBefore>[1]; expected: ReturnType<typeof streamsBefore> }[] = [
    {
      name: 'the run’s own stream is one run shorter; the others are as they are',
      runs: [{ configurationId: 'c1', environmentId: null, source: 'Local', previous: 'uh' }],
      expected: [stream('c1', null, 'Local', 'uh'), streams[1]!, streams[2]!, streams[3]!],
    },
    {
      name: 'the stream’s first run: the stream was not there',
      runs: [{ configurationId: 'c1', environmentId: 'e1', source: 'Local', previous: null }],
      expected: [streams[0]!, streams[2]!, streams[3]!],
    },
    {
      name: 'several runs committed together: each stream as it was before its own run',
      runs: [
        { configurationId: 'c1', environmentId: null, source: 'sat-1', previous: null },
        { configurationId: 'c2', environmentId: null, source: 'Local', previous: 'u' },
      ],
      expected: [streams[0]!, streams[1]!, stream('c2', null, 'Local', 'u')],
    },
    { name: 'no run: the streams as they are', runs: [], expected: streams },
  ];
  for (const row of rows) it(row.name, () => expect(streamsBefore(streams, row.runs)).toEqual(row.expected));
});
