import { describe, expect, it } from 'vitest';
import { buildMessage, wants } from './message.ts';

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
