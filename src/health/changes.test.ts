import { describe, expect, it } from 'vitest';
import { SYSTEM_DEGRADED, SYSTEM_HEALTHY, SYSTEM_HEALTH_CHANGED } from '../events/topics.ts';
import { changePayload, changeTriggers, planViewChange, type ChangeTrigger } from './changes.ts';
import type { Status } from './evaluate.ts';

describe('changeTriggers (SPEC §4.2)', () => {
  const rows: { name: string; previous: Status | null; next: Status | null; expected: ChangeTrigger[] }[] = [
    { name: 'healthy → degraded', previous: 'healthy', next: 'degraded', expected: [SYSTEM_DEGRADED, SYSTEM_HEALTH_CHANGED] },
    { name: 'healthy → unhealthy', previous: 'healthy', next: 'unhealthy', expected: [SYSTEM_DEGRADED, SYSTEM_HEALTH_CHANGED] },
    { name: 'degraded → healthy', previous: 'degraded', next: 'healthy', expected: [SYSTEM_HEALTHY, SYSTEM_HEALTH_CHANGED] },
    { name: 'unhealthy → healthy', previous: 'unhealthy', next: 'healthy', expected: [SYSTEM_HEALTHY, SYSTEM_HEALTH_CHANGED] },
    { name: 'degraded → unhealthy', previous: 'degraded', next: 'unhealthy', expected: [SYSTEM_HEALTH_CHANGED] },
    { name: 'unhealthy → degraded', previous: 'unhealthy', next: 'degraded', expected: [SYSTEM_HEALTH_CHANGED] },
    { name: 'created (no previous)', previous: null, next: 'unhealthy', expected: [] },
    { name: 'removed (no next)', previous: 'unhealthy', next: null, expected: [] },
    { name: 'status unchanged (only counts may differ)', previous: 'degraded', next: 'degraded', expected: [] },
    { name: 'healthy stays healthy', previous: 'healthy', next: 'healthy', expected: [] },
  ];
  for (const row of rows) it(row.name, () => expect(changeTriggers(row.previous, row.next)).toEqual(row.expected));
});

describe('changePayload (SPEC §4.3)', () => {
  const at = new Date('2026-11-24T12:00:00.000Z');
  const base = { systemId: 's1', systemName: 'payments', at };
  const rows: { name: string; trigger: ChangeTrigger; change: Parameters<typeof changePayload>[1]; expected: object }[] = [
    {
      name: 'rollup degradation carries newStatus and no environmentId',
      trigger: SYSTEM_DEGRADED,
      change: { ...base, previous: 'healthy', next: { status: 'unhealthy', healthyChecks: 1, totalChecks: 2 } },
      expected: { systemId: 's1', systemName: 'payments', previousStatus: 'healthy', newStatus: 'unhealthy', healthyChecks: 1, totalChecks: 2, timestamp: '2026-11-24T12:00:00.000Z' },
    },
    {
      name: 'system_healthy leaves newStatus out',
      trigger: SYSTEM_HEALTHY,
      change: { ...base, previous: 'degraded', next: { status: 'healthy', healthyChecks: 2, totalChecks: 2 } },
      expected: { systemId: 's1', systemName: 'payments', previousStatus: 'degraded', healthyChecks: 2, totalChecks: 2, timestamp: '2026-11-24T12:00:00.000Z' },
    },
    {
      name: 'a per-environment change carries environmentId and the bare system id',
      trigger: SYSTEM_HEALTH_CHANGED,
      change: { ...base, environmentId: 'prod', previous: 'degraded', next: { status: 'unhealthy', healthyChecks: 0, totalChecks: 1 } },
      expected: { systemId: 's1', environmentId: 'prod', systemName: 'payments', previousStatus: 'degraded', newStatus: 'unhealthy', healthyChecks: 0, totalChecks: 1, timestamp: '2026-11-24T12:00:00.000Z' },
    },
  ];
  for (const row of rows) it(row.name, () => expect(changePayload(row.trigger, row.change)).toStrictEqual(row.expected));
});

describe('planViewChange (SPEC §3.3, §4.2)', () => {
  const at = new Date('2026-11-24T12:00:00Z');
  const earlier = new Date('2026-11-24T11:00:00Z');
  const view = (status: Status, healthyChecks = 1, totalChecks = 1) => ({ status, healthyChecks, totalChecks });
  const stored = (status: Status, healthyChecks = 1, totalChecks = 1) => ({ ...view(status, healthyChecks, totalChecks), since: earlier });
  type View = ReturnType<typeof view>;
  const rows: { name: string; stored: ReturnType<typeof stored> | null; before: View | null; next: View | null; expected: ReturnType<typeof planViewChange> }[] = [
    { name: 'no view before or after: nothing', stored: null, before: null, next: null, expected: { transitions: [], triggers: [] } },
    {
      name: 'a new healthy view records its first transition from null, fires nothing',
      stored: null,
      before: view('healthy'),
      next: view('healthy'),
      expected: { write: { ...view('healthy'), since: at }, transitions: [{ from: null, to: 'healthy' }], triggers: [] },
    },
    {
      name: 'first run unhealthy: a real healthy → unhealthy change from the baseline',
      stored: null,
      before: view('healthy'),
      next: view('unhealthy', 0),
      expected: {
        write: { ...view('unhealthy', 0), since: at },
        transitions: [{ from: null, to: 'healthy' }, { from: 'healthy', to: 'unhealthy' }],
        triggers: [SYSTEM_DEGRADED, SYSTEM_HEALTH_CHANGED],
      },
    },
    {
      name: 'a view that comes back (re-enabled assignment) is created at its actual status: no invented healthy, no event',
      stored: null,
      before: view('unhealthy', 0),
      next: view('unhealthy', 0),
      expected: { write: { ...view('unhealthy', 0), since: at }, transitions: [{ from: null, to: 'unhealthy' }], triggers: [] },
    },
    {
      name: 'a view that comes back with a run that changes it: created at its state before, then a real change',
      stored: null,
      before: view('unhealthy', 0),
      next: view('healthy'),
      expected: {
        write: { ...view('healthy'), since: at },
        transitions: [{ from: null, to: 'unhealthy' }, { from: 'unhealthy', to: 'healthy' }],
        triggers: [SYSTEM_HEALTHY, SYSTEM_HEALTH_CHANGED],
      },
    },
    {
      name: 'a view that had no checks before this write is created at its new status',
      stored: null,
      before: null,
      next: view('degraded', 0),
      expected: { write: { ...view('degraded', 0), since: at }, transitions: [{ from: null, to: 'degraded' }], triggers: [] },
    },
    {
      name: 'status change: one transition and its triggers',
      stored: stored('degraded', 0),
      before: view('healthy'),
      next: view('healthy'),
      expected: { write: { ...view('healthy'), since: at }, transitions: [{ from: 'degraded', to: 'healthy' }], triggers: [SYSTEM_HEALTHY, SYSTEM_HEALTH_CHANGED] },
    },
    {
      name: 'only counts changed: new counts, same since, no transition, no event',
      stored: stored('degraded', 1, 2),
      before: view('degraded', 1, 2),
      next: view('degraded', 1, 3),
      expected: { write: { ...view('degraded', 1, 3), since: earlier }, transitions: [], triggers: [] },
    },
    { name: 'nothing changed: nothing written', stored: stored('healthy'), before: view('healthy'), next: view('healthy'), expected: { transitions: [], triggers: [] } },
    {
      name: 'view removed (no enabled checks): delete, no event',
      stored: stored('unhealthy', 0),
      before: view('unhealthy', 0),
      next: null,
      expected: { write: null, transitions: [], triggers: [] },
    },
  ];
  for (const row of rows) it(row.name, () => expect(planViewChange({ stored: row.stored, before: row.before, next: row.next }, at)).toEqual(row.expected));
});
