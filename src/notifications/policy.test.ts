import { describe, expect, it } from 'vitest';
import type { Status } from './channels/types.ts';
import { BUILT_IN_POLICY, decide, plannedSend, policyForChange, reminderDue, resolvePolicy, transitionOf, type Decision, type PolicyFields, type SuppressionFacts } from './policy.ts';

describe('transitionOf', () => {
  const rows: [Status, Status, string][] = [
    ['healthy', 'degraded', 'escalation'],
    ['healthy', 'unhealthy', 'escalation'],
    ['degraded', 'unhealthy', 'escalation'],
    ['unhealthy', 'degraded', 'de-escalation'],
    ['unhealthy', 'healthy', 'recovery'],
    ['degraded', 'healthy', 'recovery'],
  ];
  for (const [from, to, expected] of rows) it(`${from} → ${to} is a ${expected}`, () => expect(transitionOf(from, to)).toBe(expected));
});

describe('notification policy lookup: assignment → platform → built in', () => {
  const rows: { name: string; assignment: PolicyFields | null; platform: PolicyFields; expected: ReturnType<typeof resolvePolicy> }[] = [
    { name: 'nothing set', assignment: null, platform: {}, expected: BUILT_IN_POLICY },
    { name: 'the platform default', assignment: null, platform: { suppressDeEscalations: true, renotifyMinutes: 60 }, expected: { suppressDeEscalations: true, renotifyMinutes: 60 } },
    { name: 'the assignment over the platform', assignment: { suppressDeEscalations: false }, platform: { suppressDeEscalations: true, renotifyMinutes: 60 }, expected: { suppressDeEscalations: false, renotifyMinutes: 60 } },
    { name: 'an assignment turning reminders off (null)', assignment: { renotifyMinutes: null }, platform: { renotifyMinutes: 60 }, expected: { suppressDeEscalations: false, renotifyMinutes: null } },
    { name: 'an assignment field per field', assignment: { renotifyMinutes: 15 }, platform: { suppressDeEscalations: true }, expected: { suppressDeEscalations: true, renotifyMinutes: 15 } },
  ];
  for (const row of rows) it(row.name, () => expect(resolvePolicy(row.assignment, row.platform)).toEqual(row.expected));

  it('mutes a de-escalation only when every failing check mutes it, and reminds as often as the most frequent asks', () => {
    expect(policyForChange([{ suppressDeEscalations: true }, { suppressDeEscalations: true, renotifyMinutes: 30 }])).toEqual({ suppressDeEscalations: true, renotifyMinutes: 30 });
    expect(policyForChange([{ suppressDeEscalations: true, renotifyMinutes: 60 }, null], { renotifyMinutes: 240 })).toEqual({ suppressDeEscalations: false, renotifyMinutes: 60 });
    expect(policyForChange([], { suppressDeEscalations: true })).toEqual({ suppressDeEscalations: true, renotifyMinutes: null });
  });
});

describe('decide: sent, or suppressed with a reason', () => {
  const base: SuppressionFacts = { transition: 'escalation', policy: BUILT_IN_POLICY, unhealthyParents: [] };
  const rows: { name: string; facts: Partial<SuppressionFacts>; expected: Decision }[] = [
    { name: 'a plain escalation is sent', facts: {}, expected: { send: true } },
    { name: 'a recovery is sent', facts: { transition: 'recovery' }, expected: { send: true } },
    { name: 'a de-escalation is sent by default', facts: { transition: 'de-escalation' }, expected: { send: true } },
    {
      name: 'a de-escalation muted by the policy',
      facts: { transition: 'de-escalation', policy: { suppressDeEscalations: true, renotifyMinutes: null } },
      expected: { send: false, reason: 'de-escalations are muted by the notification policy' },
    },
    {
      name: 'the policy never mutes an escalation',
      facts: { policy: { suppressDeEscalations: true, renotifyMinutes: null } },
      expected: { send: true },
    },
    { name: 'an escalation while a parent is unhealthy', facts: { unhealthyParents: ['db'] }, expected: { send: false, reason: 'parent db is unhealthy', parent: true } },
    { name: 'two unhealthy parents are named', facts: { unhealthyParents: ['db', 'dns'] }, expected: { send: false, reason: 'parent db, dns is unhealthy', parent: true } },
    { name: 'a recovery while a parent is unhealthy is still sent', facts: { transition: 'recovery', unhealthyParents: ['db'] }, expected: { send: true } },
    { name: 'a de-escalation while a parent is unhealthy', facts: { transition: 'de-escalation', unhealthyParents: ['db'] }, expected: { send: false, reason: 'parent db is unhealthy', parent: true } },
    { name: 'an escalation in maintenance', facts: { maintenance: { title: 'DB upgrade' } }, expected: { send: false, reason: 'maintenance "DB upgrade" is active' } },
    { name: 'a recovery in maintenance', facts: { transition: 'recovery', maintenance: { title: 'DB upgrade' } }, expected: { send: false, reason: 'maintenance "DB upgrade" is active' } },
    { name: 'maintenance is named before a parent', facts: { maintenance: { title: 'DB upgrade' }, unhealthyParents: ['db'] }, expected: { send: false, reason: 'maintenance "DB upgrade" is active' } },
    { name: 'an open incident with suppression', facts: { incident: { title: 'Checkout errors' } }, expected: { send: false, reason: 'incident "Checkout errors" is open' } },
  ];
  for (const row of rows) it(row.name, () => expect(decide({ ...base, ...row.facts })).toEqual(row.expected));
});

describe('plannedSend: grouping a channel’s burst into one message per window', () => {
  const W = 10_000;
  const rows: { name: string; now: number; window: number; last: number | null; expected: number }[] = [
    { name: 'grouping off sends at once', now: 5_000, window: 0, last: 4_000, expected: 5_000 },
    { name: 'a quiet channel sends at once', now: 5_000, window: W, last: null, expected: 5_000 },
    { name: 'right after a message went, the next waits for the window to end', now: 5_000, window: W, last: 1_000, expected: 11_000 },
    { name: 'joins the messages already held', now: 7_000, window: W, last: 11_000, expected: 11_000 },
    { name: 'never later than the window from now', now: 12_000, window: W, last: 11_000, expected: 21_000 },
    { name: 'a last message a full window ago: at once', now: 30_000, window: W, last: 19_000, expected: 30_000 },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const at = plannedSend(row.now, row.window, row.last);
      expect(at).toBe(row.expected);
      expect(at - row.now).toBeLessThanOrEqual(row.window);
    });
  }
});

describe('reminderDue', () => {
  const now = 10 * 3_600_000;
  const rows: { name: string; status: Status; minutes: number | null; lastToldAt: number; expected: boolean }[] = [
    { name: 'no reminders asked', status: 'unhealthy', minutes: null, lastToldAt: 0, expected: false },
    { name: 'still unhealthy, an hour after the alert', status: 'unhealthy', minutes: 60, lastToldAt: now - 3_600_000, expected: true },
    { name: 'still degraded, not yet', status: 'degraded', minutes: 60, lastToldAt: now - 3_599_000, expected: false },
    { name: 'recovered meanwhile', status: 'healthy', minutes: 60, lastToldAt: 0, expected: false },
  ];
  for (const row of rows) it(row.name, () => expect(reminderDue({ status: row.status, renotifyMinutes: row.minutes, lastToldAt: row.lastToldAt, now })).toBe(row.expected));
});
