import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleAlert } from '../../../../test/support/messages.ts';
import { startReceiver, type Receiver } from '../../../../test/targets/receiver.ts';
import { webhookChannel } from './index.ts';

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver.close());

const context = () => ({ signal: AbortSignal.timeout(5_000), timeoutMs: 5_000 });

describe('webhook channel', () => {
  it('posts the message as JSON with its delivery id, custom headers and a signature the receiver can check', async () => {
    const secret = 'a-webhook-secret-of-some-length';
    const settings = webhookChannel.config.parse({ url: `${receiver.url}/hooks/vigil`, headers: { Authorization: 'Bearer abc' }, secret });
    const outcome = await webhookChannel.send(settings, sampleAlert(), context());
    expect(outcome).toMatchObject({ ok: true, status: 200 });
    const request = receiver.received.at(-1)!;
    expect(request).toMatchObject({ method: 'POST', path: '/hooks/vigil' });
    expect(request.headers).toMatchObject({ 'content-type': 'application/json', authorization: 'Bearer abc', 'x-vigil-delivery': sampleAlert().id });
    expect(request.json).toMatchObject({ id: sampleAlert().id, kind: 'alert', severity: 'critical', title: 'payments-api is unhealthy', systems: [{ name: 'payments-api', status: 'unhealthy' }] });
    const expected = createHmac('sha256', secret).update(`${request.headers['x-vigil-timestamp']}.${request.body}`).digest('hex');
    expect(request.headers['x-vigil-signature']).toBe(`sha256=${expected}`);
    expect(Math.abs(Number(request.headers['x-vigil-timestamp']) - Date.now() / 1000)).toBeLessThan(5);
  });

  it('says which failures are worth another try: 5xx and 429 (with Retry-After) yes, 4xx no, no answer yes', async () => {
    const settings = webhookChannel.config.parse({ url: `${receiver.url}/flaky` });
    receiver.answer('/flaky', { status: 503, body: 'down for maintenance' }, { status: 429, headers: { 'retry-after': '7' } }, { status: 404, body: 'no such hook' });
    expect(await webhookChannel.send(settings, sampleAlert(), context())).toMatchObject({ ok: false, retryable: true, status: 503, error: 'The receiver answered 503: down for maintenance' });
    expect(await webhookChannel.send(settings, sampleAlert(), context())).toMatchObject({ ok: false, retryable: true, status: 429, retryAfterMs: 7_000 });
    expect(await webhookChannel.send(settings, sampleAlert(), context())).toMatchObject({ ok: false, retryable: false, status: 404 });
    const closed = await startReceiver();
    await closed.close();
    const nobody = webhookChannel.config.parse({ url: `${closed.url}/` });
    expect(await webhookChannel.send(nobody, sampleAlert(), context())).toMatchObject({ ok: false, retryable: true, error: expect.stringMatching(/^Could not reach 127\.0\.0\.1:\d+: ECONNREFUSED$/) });
  });

  it('refuses a bad config naming the field', () => {
    const result = webhookChannel.config.safeParse({ url: 'ftp://x', secret: 'short' });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['url', 'expected an http:// or https:// URL'],
      ['secret', 'expected at least 16 characters'],
    ]);
  });
});
