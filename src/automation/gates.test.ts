import { describe, expect, it } from 'vitest';
import { endsPending, parseDuration, partitionOf, windowDecision, type WindowSpec } from './gates.ts';

describe('windowDecision', () => {
  const every: WindowSpec = { count: 3, minutes: 60, refire: 'every' };
  const once: WindowSpec = { ...every, refire: 'once' };
  const rows: { name: string; spec: WindowSpec; count: number; episodeOpen: boolean; expected: ReturnType<typeof windowDecision> }[] = [
    { name: 'below the count: nothing', spec: every, count: 2, episodeOpen: false, expected: { fire: false, episode: 'keep' } },
    { name: 'every: at the count', spec: every, count: 3, episodeOpen: false, expected: { fire: true, episode: 'keep' } },
    { name: 'every: above it, again', spec: every, count: 7, episodeOpen: false, expected: { fire: true, episode: 'keep' } },
    { name: 'once: the first time opens an episode', spec: once, count: 3, episodeOpen: false, expected: { fire: true, episode: 'open' } },
    { name: 'once: not again in the episode', spec: once, count: 4, episodeOpen: true, expected: { fire: false, episode: 'keep' } },
    { name: 'once: the count falling below ends the episode', spec: once, count: 1, episodeOpen: true, expected: { fire: false, episode: 'close' } },
  ];
  for (const row of rows) it(row.name, () => expect(windowDecision(row.spec, row.count, row.episodeOpen)).toEqual(row.expected));
});

describe('parseDuration', () => {
  const rows: [string, number | undefined][] = [
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h30m', 5_400_000],
    ['24h', 86_400_000],
    [' 2m ', 120_000],
    ['5', undefined],
    ['5 minutes', undefined],
    ['-5m', undefined],
    ['', undefined],
  ];
  for (const [text, expected] of rows) it(`"${text}"`, () => expect(parseDuration(text)).toBe(expected));
});

describe('endsPending', () => {
  const rows: { name: string; trigger: string; topic: string; passesFilter: boolean; expected: boolean }[] = [
    { name: 'a recovery ends a pending degraded', trigger: 'healthcheck.system_degraded', topic: 'healthcheck.system_healthy', passesFilter: false, expected: true },
    { name: 'another degraded does not', trigger: 'healthcheck.system_degraded', topic: 'healthcheck.system_degraded', passesFilter: true, expected: false },
    { name: 'a change that fails the filter ends it', trigger: 'healthcheck.system_health_changed', topic: 'healthcheck.system_health_changed', passesFilter: false, expected: true },
    { name: 'a change that passes keeps it', trigger: 'healthcheck.system_health_changed', topic: 'healthcheck.system_health_changed', passesFilter: true, expected: false },
    { name: 'burn rate back to normal', trigger: 'slo.burn_rate_high', topic: 'slo.burn_rate_normal', passesFilter: false, expected: true },
    { name: 'an unrelated event', trigger: 'healthcheck.system_degraded', topic: 'healthcheck.check_failed', passesFilter: false, expected: false },
  ];
  for (const row of rows) it(row.name, () => expect(endsPending({ trigger: row.trigger }, { topic: row.topic, passesFilter: row.passesFilter })).toBe(row.expected));
});

describe('partitionOf', () => {
  const rows: { name: string; payload: Record<string, unknown>; by?: Parameters<typeof partitionOf>[1]; expected: string }[] = [
    { name: 'the system by default', payload: { systemId: 's1', environmentId: 'e' }, expected: 's1' },
    { name: 'partitionBy when it gives a value', payload: { systemId: 's1' }, by: { ok: true, value: 'e1' }, expected: 'by:e1' },
    { name: 'the system when partitionBy is empty', payload: { systemId: 's1' }, by: { ok: true, value: '' }, expected: 's1' },
    { name: 'the system when partitionBy fails', payload: { systemId: 's1' }, by: { ok: false }, expected: 's1' },
    { name: 'an incident', payload: { incidentId: 'i1', systemIds: [] }, expected: 'i1' },
    { name: 'nothing to go by', payload: {}, expected: 'all' },
  ];
  for (const row of rows) it(row.name, () => expect(partitionOf(row.payload, row.by)).toBe(row.expected));
});
