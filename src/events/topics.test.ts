import { describe, expect, it } from 'vitest';
import { TOPICS, parseEvent } from './topics.ts';

const change = { systemId: 's', systemName: 'payments', previousStatus: 'healthy', newStatus: 'unhealthy', healthyChecks: 0, totalChecks: 1, timestamp: '2026-01-01T00:00:00.000Z' };

describe('event topics', () => {
  it('keeps the SPEC §4.2 trigger ids exactly', () => {
    expect(Object.keys(TOPICS).filter((topic) => topic.startsWith('healthcheck.')).sort()).toEqual([
      'healthcheck.check_failed',
      'healthcheck.system_degraded',
      'healthcheck.system_health_changed',
      'healthcheck.system_healthy',
    ]);
  });

  const cases: { name: string; raw: unknown; accepted: boolean }[] = [
    { name: 'a change event', raw: { id: '1', topic: 'healthcheck.system_degraded', payload: change }, accepted: true },
    { name: 'system_healthy without newStatus', raw: { id: '1', topic: 'healthcheck.system_healthy', payload: { ...change, newStatus: undefined } }, accepted: true },
    { name: 'a run completion', raw: { id: 'r', topic: 'run.completed', payload: { runId: 'r', systemId: 's', configurationId: 'c', source: 'Local', status: 'healthy', latencyMs: null, message: 'ok', timestamp: change.timestamp } }, accepted: true },
    { name: 'a test run\'s answer', raw: { id: 't', topic: 'test-run.completed', payload: { requestId: 'r', answer: { kind: 'shell', stdout: 'hi\n', stderr: '', exitCode: 0, durationMs: 3, timedOut: false } } }, accepted: true },
    { name: 'a test run\'s answer of no known kind', raw: { id: 't', topic: 'test-run.completed', payload: { requestId: 'r', answer: { kind: 'other' } } }, accepted: false },
    { name: 'an unknown topic', raw: { id: '1', topic: 'health.changed', payload: change }, accepted: false },
    { name: 'a status outside the enum', raw: { id: '1', topic: 'healthcheck.system_degraded', payload: { ...change, newStatus: 'down' } }, accepted: false },
    { name: 'a payload missing a field', raw: { id: '1', topic: 'healthcheck.system_health_changed', payload: { systemId: 's' } }, accepted: false },
    { name: 'no id', raw: { topic: 'schedules.changed', payload: {} }, accepted: false },
    { name: 'not an object', raw: 'schedules.changed', accepted: false },
  ];
  for (const { name, raw, accepted } of cases) {
    it(`${accepted ? 'accepts' : 'refuses'} ${name} from another process`, () => {
      expect(parseEvent(raw) !== undefined).toBe(accepted);
    });
  }
});
