import { describe, expect, it } from 'vitest';
import { sampleAlert, sampleRecovery } from '../../test/support/messages.ts';
import { buildIncidentMessage, buildMessage, groupMessages, wants } from './message.ts';

describe('wants', () => {
  const rows: { name: string; on: string[]; environmentIds: string[] | null; environmentId: string | null; status: 'healthy' | 'degraded' | 'unhealthy'; expected: boolean }[] = [
    { name: 'any, rollup', on: ['any'], environmentIds: null, environmentId: null, status: 'degraded', expected: true },
    { name: 'unhealthy only: degraded is not it', on: ['unhealthy'], environmentIds: null, environmentId: null, status: 'degraded', expected: false },
    { name: 'recovered', on: ['recovered'], environmentIds: null, environmentId: null, status: 'healthy', expected: true },
    { name: 'rollup subscription does not get an environment change', on: ['any'], environmentIds: null, environmentId: 'prod', status: 'unhealthy', expected: false },
    { name: 'environment subscription gets its environment', on: ['any'], environmentIds: ['prod'], environmentId: 'prod', status: 'unhealthy', expected: true },
    { name: 'environment subscription not another one', on: ['any'], environmentIds: ['prod'], environmentId: 'staging', status: 'unhealthy', expected: false },
    { name: 'environment subscription does not get the rollup', on: ['any'], environmentIds: ['prod'], environmentId: null, status: 'unhealthy', expected: false },
  ];
  it.each(rows)('$name', ({ on, environmentIds, environmentId, status, expected }) => expect(wants({ on, environmentIds }, { environmentId, status })).toBe(expected));
});

describe('buildMessage', () => {
  const base = { deliveryId: 'd1', system: { id: 's1', name: 'payments-api' }, environment: { id: 'e1', name: 'prod' }, at: '2026-12-02T10:12:00.000Z', publicUrl: 'https://vigil.example/' };
  it('says what fails and why, since when, with a link', () => {
    const message = buildMessage({ ...base, previousStatus: 'healthy', status: 'unhealthy', failingChecks: [{ name: 'http', message: 'statusCode: expected 200, got 503' }] });
    expect(message).toMatchObject({ kind: 'alert', severity: 'critical', title: 'payments-api (prod) is unhealthy', dedupKey: 'vigil:s1:e1' });
    expect(message.text).toBe('payments-api (prod) is unhealthy since 2026-12-02T10:12:00.000Z (was healthy).\nFailing: http — statusCode: expected 200, got 503\nhttps://vigil.example/systems/s1');
  });
  it('says how long a recovered system was down', () => {
    const message = buildMessage({ ...base, environment: null, previousStatus: 'unhealthy', status: 'healthy', downSince: '2026-12-02T10:00:00.000Z', failingChecks: [{ name: 'x', message: 'y' }] });
    expect(message).toMatchObject({ kind: 'recovery', severity: 'info', title: 'payments-api recovered', dedupKey: 'vigil:s1:all' });
    expect(message.systems[0]).toMatchObject({ downForMs: 720_000, failingChecks: [] });
    expect(message.text).toBe('payments-api is healthy again after 12 min (was unhealthy).\nhttps://vigil.example/systems/s1');
  });
  it('calls a degraded system a warning', () => {
    expect(buildMessage({ ...base, publicUrl: undefined, previousStatus: 'healthy', status: 'degraded', failingChecks: [] }).severity).toBe('warning');
  });
});

describe('reminders', () => {
  it('say the system is still not healthy, and for how long', () => {
    const message = buildMessage({
      deliveryId: 'd2', system: { id: 's1', name: 'payments-api' }, environment: null, previousStatus: 'healthy', status: 'unhealthy',
      at: '2026-12-02T10:00:00.000Z', failingChecks: [], reminder: { now: '2026-12-02T11:30:00.000Z' },
    });
    expect(message).toMatchObject({ kind: 'alert', title: 'Still: payments-api is unhealthy', timestamp: '2026-12-02T11:30:00.000Z', dedupKey: 'vigil:s1:all' });
    expect(message.text).toBe('payments-api is still unhealthy since 2026-12-02T10:00:00.000Z — for 1 h 30 min now (was healthy).');
  });
});

describe('groupMessages', () => {
  const named = (name: string, status: 'degraded' | 'unhealthy') => {
    const alert = sampleAlert();
    return sampleAlert({ title: `${name} is ${status}`, text: `${name} text`, severity: status === 'unhealthy' ? 'critical' : 'warning', systems: [{ ...alert.systems[0]!, name, status, environment: null }] });
  };
  it('keeps a single message as it is, under the batch key', () => {
    expect(groupMessages('k', [sampleAlert()])).toEqual({ ...sampleAlert(), id: 'k' });
  });
  it('counts systems by status in the title, lists every change, and takes the worst severity', () => {
    const message = groupMessages('k', [named('a', 'unhealthy'), named('b', 'unhealthy'), named('c', 'unhealthy')]);
    expect(message).toMatchObject({ id: 'k', kind: 'alert', severity: 'critical', title: '3 systems unhealthy: a, b, c', text: 'a text\n\nb text\n\nc text', dedupKey: 'vigil:group:k' });
    expect(message.systems.map((system) => system.name)).toEqual(['a', 'b', 'c']);
  });
  it('names at most five in the title and counts the rest', () => {
    const many = ['a', 'b', 'c', 'd', 'e', 'f', 'g'].map((name) => named(name, 'unhealthy'));
    expect(groupMessages('k', many).title).toBe('7 systems unhealthy: a, b, c, d, e and 2 more');
  });
  it('mixes statuses worst first, a recovery included', () => {
    const message = groupMessages('k', [sampleRecovery(), named('b', 'degraded'), named('c', 'unhealthy')]);
    expect(message).toMatchObject({ kind: 'alert', severity: 'critical', title: '3 changes: 1 unhealthy (c), 1 degraded (b), 1 recovered (payments-api (prod))' });
  });
  it('is a recovery when every change is one', () => {
    expect(groupMessages('k', [sampleRecovery(), sampleRecovery()])).toMatchObject({ kind: 'recovery', severity: 'info', title: '2 systems recovered: payments-api (prod), payments-api (prod)' });
  });
});

describe('buildIncidentMessage', () => {
  const base = { deliveryId: 'd', incident: { id: 'i1', title: 'Checkout errors', severity: 'major' as const, status: 'investigating' }, systems: [{ id: 's1', name: 'checkout' }, { id: 's2', name: 'payments' }], at: '2026-12-02T10:00:00.000Z', publicUrl: 'https://vigil.example' };
  it('announces a new incident with its systems and a link', () => {
    const message = buildIncidentMessage({ ...base, message: 'Card payments fail for some users.', created: true });
    expect(message).toMatchObject({ kind: 'incident', severity: 'critical', title: 'Incident (major): Checkout errors', dedupKey: 'vigil:incident:i1' });
    expect(message.text).toBe('Opened — investigating, major. Affects checkout, payments.\nCard payments fail for some users.\nhttps://vigil.example/incidents/i1');
  });
  it('turns a resolution into a recovery under the same key', () => {
    const message = buildIncidentMessage({ ...base, incident: { ...base.incident, status: 'resolved' }, message: 'Fixed.', created: false });
    expect(message).toMatchObject({ kind: 'recovery', severity: 'info', title: 'Incident resolved: Checkout errors', dedupKey: 'vigil:incident:i1' });
  });
});
