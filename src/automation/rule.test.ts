import { describe, expect, it } from 'vitest';
import { resolveRule, type RuleSource } from './rule.ts';

const base: RuleSource = { trigger: 'healthcheck.system_degraded', actions: [{ type: 'incident.resolve', input: {} }] };

describe('resolveRule', () => {
  const stored: { name: string; rule: Partial<RuleSource>; expected: Record<string, unknown> }[] = [
    { name: 'nothing optional: no filter, window or for', rule: {}, expected: { filter: null, window: null, forText: null, forMs: null } },
    { name: 'a blank filter is no filter', rule: { filter: '  ' }, expected: { filter: null } },
    { name: 'for is kept as written (trimmed) and in milliseconds', rule: { for: ' 1h30m ' }, expected: { forText: '1h30m', forMs: 90 * 60_000 } },
    { name: 'exactly 24h is allowed', rule: { for: '24h' }, expected: { forMs: 24 * 3_600_000 } },
    { name: 'a window without partitionBy stores none', rule: { window: { count: 3, minutes: 60, refire: 'once', partitionBy: null } }, expected: { window: { count: 3, minutes: 60, refire: 'once' } } },
    {
      name: 'a window with partitionBy keeps it',
      rule: { window: { count: 3, minutes: 60, refire: 'every', partitionBy: 'trigger.payload.environmentId' } },
      expected: { window: { count: 3, minutes: 60, refire: 'every', partitionBy: 'trigger.payload.environmentId' } },
    },
    { name: "action inputs get their defaults, templates untouched", rule: { actions: [{ type: 'maintenance.start', input: { minutes: 30 } }] }, expected: { actions: [{ type: 'maintenance.start', input: { minutes: 30, title: 'Maintenance started by {{ rule.name }}' } }] } },
  ];
  it.each(stored)('$name', ({ rule, expected }) => {
    const resolved = resolveRule({ ...base, ...rule });
    expect(resolved.ok && resolved.rule).toMatchObject(expected);
  });

  const refused: { name: string; rule: Partial<RuleSource>; paths: (string | number)[][] }[] = [
    { name: 'a filter on a field the trigger lacks', rule: { filter: 'trigger.payload.status == "x"' }, paths: [['filter']] },
    { name: 'a partitionBy that does not parse', rule: { window: { count: 1, minutes: 1, refire: 'every', partitionBy: 'trigger.payload.systemId ==' } }, paths: [['window', 'partitionBy']] },
    { name: 'a for in words', rule: { for: '5 minutes' }, paths: [['for']] },
    { name: 'a for longer than a day', rule: { for: '24h1s' }, paths: [['for']] },
    { name: 'a for of nothing', rule: { for: '0m' }, paths: [['for']] },
    { name: 'an unknown action, and a bad input of a known one', rule: { actions: [{ type: 'page', input: {} }, { type: 'maintenance.start', input: {} }] }, paths: [['actions', 0, 'type'], ['actions', 1, 'input', 'minutes']] },
    { name: 'a template of a field the trigger lacks', rule: { actions: [{ type: 'incident.resolve', input: { message: '{{ trigger.payload.status }}' } }] }, paths: [['actions', 0, 'input', 'message']] },
    { name: 'an unclosed template', rule: { actions: [{ type: 'incident.resolve', input: { message: '{{ trigger.payload.systemName' } }] }, paths: [['actions', 0, 'input', 'message']] },
  ];
  it.each(refused)('refuses $name', ({ rule, paths }) => {
    const resolved = resolveRule({ ...base, ...rule });
    expect(resolved.ok ? [] : resolved.problems.map((problem) => problem.path)).toEqual(paths);
  });
});
