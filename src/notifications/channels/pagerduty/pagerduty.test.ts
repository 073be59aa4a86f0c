import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleAlert, sampleRecovery } from '../../../../test/support/messages.ts';
import { startReceiver, type Receiver } from '../../../../test/targets/receiver.ts';
import { pagerdutyChannel } from './index.ts';

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver.close());

const context = () => ({ signal: AbortSignal.timeout(5_000), timeoutMs: 5_000 });
const routingKey = 'R0123456789abcdef0123456789ABCDE';
const accepted = { status: 202, body: '{"status":"success","message":"Event processed","dedup_key":"x"}' };

describe('pagerduty channel', () => {
  it('triggers an incident for an alert under the system’s dedup key, and resolves the same incident on recovery', async () => {
    const settings = pagerdutyChannel.config.parse({ routingKey, baseUrl: receiver.url });
    receiver.answer('/v2/enqueue', accepted, accepted);
    expect(await pagerdutyChannel.send(settings, sampleAlert(), context())).toMatchObject({ ok: true, status: 202 });
    const trigger = receiver.received.at(-1)!;
    expect(trigger).toMatchObject({ method: 'POST', path: '/v2/enqueue' });
    expect(trigger.headers).toMatchObject({ 'content-type': 'application/json' });
    expect(trigger.json).toEqual({
      routing_key: routingKey,
      event_action: 'trigger',
      dedup_key: sampleAlert().dedupKey,
      payload: {
        summary: 'payments-api is unhealthy',
        source: 'vigil',
        severity: 'critical',
        timestamp: '2026-12-02T10:00:05.000Z',
        custom_details: {
          text: sampleAlert().text,
          systems: [{ system: 'payments-api', environment: 'prod', change: 'healthy → unhealthy', since: '2026-12-02T10:00:00.000Z', failing_checks: ['http-health: statusCode: expected 200, got 503'] }],
        },
      },
      links: [{ href: sampleAlert().systems[0]!.url, text: 'payments-api in Vigil' }],
    });

    expect(await pagerdutyChannel.send(settings, sampleRecovery(), context())).toMatchObject({ ok: true, status: 202 });
    expect(receiver.received.at(-1)!.json).toEqual({ routing_key: routingKey, event_action: 'resolve', dedup_key: sampleAlert().dedupKey });
  });

  it('triggers a test message under a key of its own, and cuts a long summary to what PagerDuty accepts', async () => {
    const settings = pagerdutyChannel.config.parse({ routingKey, baseUrl: receiver.url });
    await pagerdutyChannel.send(settings, sampleAlert({ kind: 'test', severity: 'info', id: 'test-1', title: 'Vigil test message' }), context());
    expect(receiver.received.at(-1)!.json).toMatchObject({ event_action: 'trigger', dedup_key: 'vigil-test:test-1', payload: { severity: 'info', summary: 'Vigil test message' } });
    await pagerdutyChannel.send(settings, sampleAlert({ title: 'y'.repeat(1500) }), context());
    expect((receiver.received.at(-1)!.json as any).payload.summary).toBe(`${'y'.repeat(1023)}…`);
  });

  it('does not retry an event PagerDuty calls invalid; retries when it is throttled or down', async () => {
    const settings = pagerdutyChannel.config.parse({ routingKey, baseUrl: receiver.url });
    receiver.answer(
      '/v2/enqueue',
      { status: 400, body: '{"status":"invalid event","message":"Event object is invalid","errors":["Invalid routing key"]}' },
      { status: 429, body: '' },
      { status: 503, body: '' },
    );
    expect(await pagerdutyChannel.send(settings, sampleAlert(), context())).toMatchObject({ ok: false, retryable: false, status: 400, error: expect.stringContaining('Invalid routing key') });
    expect(await pagerdutyChannel.send(settings, sampleAlert(), context())).toMatchObject({ ok: false, retryable: true, status: 429 });
    expect(await pagerdutyChannel.send(settings, sampleAlert(), context())).toMatchObject({ ok: false, retryable: true, status: 503 });
  });

  it('refuses a bad config naming the field', () => {
    const result = pagerdutyChannel.config.safeParse({ routingKey: 'abc', baseUrl: 'javascript:alert(1)' });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['routingKey', 'expected the 32-character integration key of an Events API v2 integration'],
      ['baseUrl', 'expected an http:// or https:// URL'],
    ]);
    expect(pagerdutyChannel.config.parse({ routingKey }).baseUrl).toBe('https://events.pagerduty.com');
  });
});
