import { describe, expect, it } from 'vitest';
import { isStreamed, type StreamFilter } from './stream-filter.ts';
import type { BusEvent } from './topics.ts';

const change = (systemId: string, environmentId?: string): BusEvent => ({
  id: 'e',
  topic: 'healthcheck.system_health_changed',
  payload: { systemId, ...(environmentId && { environmentId }), systemName: 's', previousStatus: 'healthy', newStatus: 'unhealthy', healthyChecks: 0, totalChecks: 1, timestamp: '2024-01-01T00:00:00Z' },
});
const run = (systemId: string, environmentId?: string): BusEvent => ({
  id: 'r',
  topic: 'run.completed',
  payload: { runId: 'r', systemId, configurationId: 'c', ...(environmentId && { environmentId }), source: 'Local', status: 'healthy', latencyMs: 1, message: 'ok', timestamp: '2024-01-01T00:00:00Z' },
});

describe('isStreamed', () => {
  const rows: { name: string; filter: StreamFilter; event: BusEvent; expected: boolean }[] = [
    { name: 'a rollup change, no filter', filter: {}, event: change('s'), expected: true },
    { name: 'an environment change, no filter', filter: {}, event: change('s', 'prod'), expected: false },
    { name: "the system's rollup change", filter: { systemId: 's' }, event: change('s'), expected: true },
    { name: "the system's environment change", filter: { systemId: 's' }, event: change('s', 'prod'), expected: false },
    { name: "another system's rollup change", filter: { systemId: 's' }, event: change('t'), expected: false },
    { name: 'the asked environment', filter: { systemId: 's', environmentId: 'prod' }, event: change('s', 'prod'), expected: true },
    { name: 'another environment', filter: { systemId: 's', environmentId: 'prod' }, event: change('s', 'staging'), expected: false },
    { name: 'the rollup, when one environment is asked', filter: { systemId: 's', environmentId: 'prod' }, event: change('s'), expected: false },
    { name: 'an environment change, all asked', filter: { systemId: 's', allEnvironments: true }, event: change('s', 'prod'), expected: true },
    { name: 'the rollup, all asked', filter: { systemId: 's', allEnvironments: true }, event: change('s'), expected: true },
    { name: "another system's change, all asked", filter: { systemId: 's', allEnvironments: true }, event: change('t', 'prod'), expected: false },
    { name: 'a run in an environment', filter: { systemId: 's' }, event: run('s', 'prod'), expected: true },
    { name: 'a run, only health changes asked', filter: { topics: ['health.changed'] }, event: run('s'), expected: false },
    { name: 'a rollup change, only health changes asked', filter: { topics: ['health.changed'] }, event: change('s'), expected: true },
    { name: 'a rollup change, only runs asked', filter: { topics: ['run.completed'] }, event: change('s'), expected: false },
    { name: 'a run, both topics asked', filter: { topics: ['run.completed', 'health.changed'] }, event: run('s'), expected: true },
    { name: 'a run, another environment asked', filter: { systemId: 's', environmentId: 'staging' }, event: run('s', 'prod'), expected: true },
    { name: "another system's run", filter: { systemId: 's' }, event: run('t'), expected: false },
    { name: 'a directional trigger event', filter: {}, event: { ...change('s'), topic: 'healthcheck.system_degraded' } as BusEvent, expected: false },
  ];
  for (const row of rows) it(`${row.expected ? 'streams' : 'skips'} ${row.name}`, () => expect(isStreamed(row.filter, row.event)).toBe(row.expected));
});
