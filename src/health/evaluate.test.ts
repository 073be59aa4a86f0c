import { describe, expect, it } from 'vitest';
import type { StateThresholds } from '../checks/model.ts';
import { checkStatus, evaluateStream, evaluateView, isStale, parseViewId, quorumStatus, viewId, worst, type CheckState, type Status, type StreamState } from './evaluate.ts';

const runs = (text: string): Status[] => [...text].map((c) => ({ h: 'healthy', d: 'degraded', u: 'unhealthy' })[c] as Status);
const consecutive = (healthy: number, degraded: number, unhealthy: number): StateThresholds => ({
  mode: 'consecutive',
  healthy: { minSuccessCount: healthy },
  degraded: { minFailureCount: degraded },
  unhealthy: { minFailureCount: unhealthy },
});
const window = (windowSize: number, degraded: number, unhealthy: number): StateThresholds => ({
  mode: 'window',
  windowSize,
  degraded: { minFailureCount: degraded },
  unhealthy: { minFailureCount: unhealthy },
});

describe('evaluateStream (SPEC §3.1), runs newest first', () => {
  const rows: { name: string; runs: string; thresholds?: StateThresholds; expected: Status }[] = [
    { name: 'no runs is the healthy baseline', runs: '', expected: 'healthy' },
    { name: 'default: one failure stays healthy', runs: 'uhhh', expected: 'healthy' },
    { name: 'default: two failures in a row degrade', runs: 'uuhh', expected: 'degraded' },
    { name: 'default: four failures are still degraded', runs: 'uuuuh', expected: 'degraded' },
    { name: 'default: five failures in a row are unhealthy', runs: 'uuuuu', expected: 'unhealthy' },
    { name: 'default: one success clears the streak', runs: 'huuuuu', expected: 'healthy' },
    { name: 'SPEC example: consecutive 1/2/3 on [u,h,u,u,u] is healthy', runs: 'uhuuu', thresholds: consecutive(1, 2, 3), expected: 'healthy' },
    { name: 'consecutive 1/2/3 on three failures is unhealthy', runs: 'uuuh', thresholds: consecutive(1, 2, 3), expected: 'unhealthy' },
    { name: 'degraded runs degrade but never make unhealthy', runs: 'ddddddd', expected: 'degraded' },
    { name: 'a degraded run inside a failure streak does not count toward unhealthy', runs: 'uuduu', expected: 'degraded' },
    { name: 'five unhealthy runs with a degraded one among them are unhealthy', runs: 'uuduuu', expected: 'unhealthy' },
    { name: 'recovery threshold 3: two successes do not clear five failures', runs: 'hhuuuuu', thresholds: consecutive(3, 2, 5), expected: 'unhealthy' },
    { name: 'recovery threshold 3: three successes do', runs: 'hhhuuuuu', thresholds: consecutive(3, 2, 5), expected: 'healthy' },
    { name: 'threshold 1 for degraded: a single failure degrades', runs: 'uh', thresholds: consecutive(1, 1, 3), expected: 'degraded' },
    { name: 'SPEC example: window 3 with 2/3 on [u,u,h,u] is degraded', runs: 'uuhu', thresholds: window(3, 2, 3), expected: 'degraded' },
    { name: 'window: failures outside the window do not count', runs: 'hhhuuuuuuu', thresholds: window(3, 2, 3), expected: 'healthy' },
    { name: 'window: a full window is not required', runs: 'uuu', thresholds: window(10, 3, 7), expected: 'degraded' },
    { name: 'window default 10 with 3/7: seven failures scattered are unhealthy', runs: 'uhuuhuhuuu', thresholds: window(10, 3, 7), expected: 'unhealthy' },
    { name: 'window: successes in between do not clear failures', runs: 'huhuhu', thresholds: window(10, 3, 7), expected: 'degraded' },
    { name: 'window: degraded runs count only toward degraded', runs: 'dddddddddd', thresholds: window(10, 3, 7), expected: 'degraded' },
  ];
  for (const row of rows) {
    it(row.name, () => expect(evaluateStream(runs(row.runs), row.thresholds)).toBe(row.expected));
  }
});

describe('worst', () => {
  const rows: { statuses: Status[]; expected: Status }[] = [
    { statuses: [], expected: 'healthy' },
    { statuses: ['healthy', 'degraded'], expected: 'degraded' },
    { statuses: ['unhealthy', 'degraded', 'healthy'], expected: 'unhealthy' },
  ];
  for (const row of rows) it(`[${row.statuses.join(', ')}] → ${row.expected}`, () => expect(worst(row.statuses)).toBe(row.expected));
});

describe('evaluateView (SPEC §3.2–3.4)', () => {
  const stream = (environmentId: string | null, status: Status, source = 'Local') => ({ environmentId, source, status });
  const api: CheckState = { configurationId: 'api', environmentIds: ['prod', 'staging'], streams: [stream('prod', 'healthy'), stream('staging', 'unhealthy')] };
  const db: CheckState = { configurationId: 'db', environmentIds: ['prod'], streams: [stream('prod', 'degraded')] };
  const fresh: CheckState = { configurationId: 'fresh', environmentIds: [], streams: [] };

  const rows: { name: string; checks: CheckState[]; environmentId?: string; expected: ReturnType<typeof evaluateView> }[] = [
    { name: 'no enabled checks: no health state at all', checks: [], expected: null },
    { name: 'a check without runs is the healthy baseline', checks: [fresh], expected: { status: 'healthy', healthyChecks: 1, totalChecks: 1 } },
    { name: 'rollup: a failing environment is not hidden by a healthy one', checks: [api], expected: { status: 'unhealthy', healthyChecks: 0, totalChecks: 1 } },
    { name: 'rollup: worst check wins, counts per check', checks: [api, db, fresh], expected: { status: 'unhealthy', healthyChecks: 1, totalChecks: 3 } },
    { name: 'environment view: only that environment’s streams', checks: [api, db, fresh], environmentId: 'prod', expected: { status: 'degraded', healthyChecks: 1, totalChecks: 2 } },
    { name: 'environment view: only checks covering it count', checks: [api, db, fresh], environmentId: 'staging', expected: { status: 'unhealthy', healthyChecks: 0, totalChecks: 1 } },
    { name: 'environment view of an environment no check covers: none', checks: [api, db], environmentId: 'eu-west', expected: null },
    {
      name: 'a failing location is not hidden by a healthy one',
      checks: [{ configurationId: 'geo', environmentIds: [], streams: [stream(null, 'healthy', 'Local'), stream(null, 'unhealthy', 'sat-1')] }],
      expected: { status: 'unhealthy', healthyChecks: 0, totalChecks: 1 },
    },
  ];
  for (const row of rows) it(row.name, () => expect(evaluateView(row.checks, row.environmentId)).toEqual(row.expected));
});

describe('location quorum (SPEC §3.6)', () => {
  const at = (source: string, status: Status, stale = false): StreamState => ({ environmentId: null, source, status, ...(stale && { stale }) });
  const rows: { name: string; streams: StreamState[]; quorum?: number; expected: Status }[] = [
    { name: 'quorum 1 is worst wins: one failing location fails the check', streams: [at('Local', 'healthy'), at('eu', 'unhealthy')], expected: 'unhealthy' },
    { name: 'quorum 2: one failing location of three is not enough', streams: [at('Local', 'healthy'), at('eu', 'unhealthy'), at('us', 'healthy')], quorum: 2, expected: 'healthy' },
    { name: 'quorum 2: two failing locations agree', streams: [at('Local', 'healthy'), at('eu', 'unhealthy'), at('us', 'unhealthy')], quorum: 2, expected: 'unhealthy' },
    { name: 'quorum 2: one unhealthy and one degraded make it degraded', streams: [at('eu', 'unhealthy'), at('us', 'degraded'), at('Local', 'healthy')], quorum: 2, expected: 'degraded' },
    { name: 'quorum 2: two degraded make it degraded', streams: [at('eu', 'degraded'), at('us', 'degraded')], quorum: 2, expected: 'degraded' },
    { name: 'a stale failing source counts toward nothing', streams: [at('Local', 'healthy'), at('eu', 'unhealthy', true)], expected: 'healthy' },
    { name: 'a stale source does not help reach the quorum', streams: [at('eu', 'unhealthy'), at('us', 'unhealthy', true)], quorum: 2, expected: 'healthy' },
    { name: 'every source stale: nothing fails', streams: [at('eu', 'unhealthy', true), at('us', 'unhealthy', true)], expected: 'healthy' },
    { name: 'no streams yet: the healthy baseline', streams: [], quorum: 2, expected: 'healthy' },
  ];
  for (const row of rows) it(row.name, () => expect(quorumStatus(row.streams, row.quorum)).toBe(row.expected));

  it('takes the quorum within each environment, then the worst environment wins', () => {
    const streams: StreamState[] = [
      { environmentId: 'prod', source: 'eu', status: 'unhealthy' },
      { environmentId: 'prod', source: 'us', status: 'healthy' },
      { environmentId: 'staging', source: 'eu', status: 'unhealthy' },
      { environmentId: 'staging', source: 'us', status: 'unhealthy' },
    ];
    expect(checkStatus(streams, 2)).toBe('unhealthy');
    expect(checkStatus(streams.slice(0, 2), 2)).toBe('healthy');
  });

  it('a view follows its checks’ quorum', () => {
    const check: CheckState = { configurationId: 'geo', environmentIds: [], streams: [at('Local', 'healthy'), at('eu', 'unhealthy')], quorum: 2 };
    expect(evaluateView([check])).toEqual({ status: 'healthy', healthyChecks: 1, totalChecks: 1 });
    expect(evaluateView([{ ...check, quorum: 1 }])).toEqual({ status: 'unhealthy', healthyChecks: 0, totalChecks: 1 });
  });

  const staleRows: { name: string; agoSeconds: number; intervalSeconds: number; expected: boolean }[] = [
    { name: 'a run one interval ago is fresh', agoSeconds: 30, intervalSeconds: 30, expected: false },
    { name: 'exactly three intervals ago is still fresh', agoSeconds: 90, intervalSeconds: 30, expected: false },
    { name: 'past three intervals it is stale', agoSeconds: 91, intervalSeconds: 30, expected: true },
  ];
  const now = new Date('2030-01-01T00:00:00Z');
  for (const row of staleRows) {
    it(row.name, () => expect(isStale(new Date(now.getTime() - row.agoSeconds * 1000), row.intervalSeconds, now)).toBe(row.expected));
  }
});

describe('view ids (SPEC §3.4)', () => {
  const rows: { id: string; expected: { systemId: string; environmentId?: string } }[] = [
    { id: 's', expected: { systemId: 's' } },
    { id: 's::prod', expected: { systemId: 's', environmentId: 'prod' } },
    { id: 's::a::b', expected: { systemId: 's', environmentId: 'a::b' } },
    { id: 's::', expected: { systemId: 's', environmentId: '' } },
  ];
  for (const row of rows) it(`parses ${row.id}`, () => expect(parseViewId(row.id)).toEqual(row.expected));
  it('builds ids back', () => {
    expect(viewId('s')).toBe('s');
    expect(viewId('s', null)).toBe('s');
    expect(viewId('s', 'prod')).toBe('s::prod');
    expect(viewId('s', '')).toBe('s::');
  });
});
