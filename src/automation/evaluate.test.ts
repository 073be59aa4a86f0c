import { describe, expect, it } from 'vitest';
import { cancels, compileRule, decide, type RuleDefinition, type TriggerEvent } from './evaluate.ts';

const base: RuleDefinition = { id: 'r', name: 'rule', trigger: 'healthcheck.system_health_changed', filter: null, window: null, forMs: null, actions: [] };
const change = (newStatus: string, topic = 'healthcheck.system_health_changed', systemId = 's1'): TriggerEvent => ({
  id: 'e',
  topic,
  payload: { systemId, systemName: 'payments', previousStatus: 'healthy', newStatus, healthyChecks: 0, totalChecks: 1, timestamp: '2026-12-02T10:00:00.000Z' },
  at: new Date('2026-12-02T10:00:00.000Z'),
});
const flapping = compileRule({ ...base, filter: 'trigger.payload.newStatus != "healthy"', window: { count: 3, minutes: 60, refire: 'once' } });
const sustained = compileRule({ ...base, trigger: 'healthcheck.system_degraded', forMs: 300_000 });

describe('decide: filter → window → for (SPEC §6.1)', () => {
  const rows: { name: string; rule: ReturnType<typeof compileRule>; event: TriggerEvent; facts: { count: number; episodeOpen: boolean; waiting: boolean }; expected: Record<string, unknown> }[] = [
    { name: 'no gates: fires', rule: compileRule(base), event: change('unhealthy'), facts: { count: 0, episodeOpen: false, waiting: false }, expected: { state: 'fire', partition: 's1' } },
    { name: 'the filter says no', rule: flapping, event: change('healthy'), facts: { count: 0, episodeOpen: false, waiting: false }, expected: { state: 'skipped', reason: 'the filter did not match' } },
    { name: 'flapping: the second change in the hour', rule: flapping, event: change('unhealthy'), facts: { count: 2, episodeOpen: false, waiting: false }, expected: { state: 'skipped', reason: '2 of 3 events in 60 min', gates: { filter: { passed: true }, window: { passed: false, count: 2, needed: 3, minutes: 60, refire: 'once' } } } },
    { name: 'flapping: the third fires and opens the episode', rule: flapping, event: change('degraded'), facts: { count: 3, episodeOpen: false, waiting: false }, expected: { state: 'fire', episode: 'open' } },
    { name: 'flapping: the fourth does not fire again', rule: flapping, event: change('unhealthy'), facts: { count: 4, episodeOpen: true, waiting: false }, expected: { state: 'skipped', reason: 'already fired in this episode (refire once)' } },
    { name: 'flapping: calm again closes the episode', rule: flapping, event: change('unhealthy'), facts: { count: 1, episodeOpen: true, waiting: false }, expected: { state: 'skipped', episode: 'close' } },
    { name: 'sustained: a for waits', rule: sustained, event: change('unhealthy', 'healthcheck.system_degraded'), facts: { count: 0, episodeOpen: false, waiting: false }, expected: { state: 'waiting', dueAt: new Date('2026-12-02T10:05:00.000Z') } },
    { name: 'sustained: one already waiting keeps its time', rule: sustained, event: change('unhealthy', 'healthcheck.system_degraded'), facts: { count: 0, episodeOpen: false, waiting: true }, expected: { state: 'skipped', reason: 'a for of this partition is already waiting' } },
  ];
  for (const row of rows) it(row.name, () => expect(decide(row.rule, row.event, row.facts)).toMatchObject(row.expected));

  it('partitions by partitionBy when it gives a value', () => {
    const byEnvironment = compileRule({ ...base, window: { count: 2, minutes: 10, refire: 'every', partitionBy: 'trigger.payload.environmentId' } });
    const event = change('unhealthy');
    expect(decide(byEnvironment, event, { count: 1, episodeOpen: false, waiting: false }).partition).toBe('s1');
    expect(decide(byEnvironment, { ...event, payload: { ...event.payload, environmentId: 'prod' } }, { count: 1, episodeOpen: false, waiting: false }).partition).toBe('by:prod');
  });
});

describe('cancels: what ends a waiting for', () => {
  const rows: { name: string; rule: ReturnType<typeof compileRule>; event: TriggerEvent; expected: { partition: string } | undefined }[] = [
    { name: 'a recovery of the same system', rule: sustained, event: change('healthy', 'healthcheck.system_healthy'), expected: { partition: 's1' } },
    { name: 'another degraded does not', rule: sustained, event: change('unhealthy', 'healthcheck.system_degraded'), expected: undefined },
    { name: 'a rule without for: nothing to cancel', rule: flapping, event: change('healthy'), expected: undefined },
    {
      name: 'a change that fails the filter, for a rule on changes',
      rule: compileRule({ ...base, filter: 'trigger.payload.newStatus != "healthy"', forMs: 60_000 }),
      event: change('healthy'),
      expected: { partition: 's1' },
    },
  ];
  for (const row of rows) it(row.name, () => expect(cancels(row.rule, row.event)).toEqual(row.expected));
});
