import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleAlert, sampleRecovery } from '../../../../test/support/messages.ts';
import { startReceiver, type Receiver } from '../../../../test/targets/receiver.ts';
import { pushoverChannel } from './index.ts';

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver.close());

const context = () => ({ signal: AbortSignal.timeout(5_000), timeoutMs: 5_000 });
const userKey = 'uQiRzpo4DXghDmr9QzzfQu27cmVRsG';
const appToken = 'azGDORePK8gMaC0QOYAMyEEuzJnyUi';

describe('pushover channel', () => {
  it('posts the message with both keys, a priority by severity, the link and the time it happened', async () => {
    const settings = pushoverChannel.config.parse({ userKey, appToken, baseUrl: receiver.url, device: 'phone,tablet' });
    receiver.answer('/1/messages.json', { status: 200, body: '{"status":1,"request":"647d2300-702c-4b38-8b2f-d56326ae460b"}' });
    expect(await pushoverChannel.send(settings, sampleAlert(), context())).toMatchObject({ ok: true, status: 200 });
    const request = receiver.received.at(-1)!;
    expect(request).toMatchObject({ method: 'POST', path: '/1/messages.json' });
    expect(request.headers).toMatchObject({ 'content-type': 'application/json' });
    expect(request.json).toEqual({
      token: appToken,
      user: userKey,
      device: 'phone,tablet',
      title: 'payments-api is unhealthy',
      message: sampleAlert().text,
      priority: 1,
      url: sampleAlert().systems[0]!.url,
      url_title: 'Open in Vigil',
      timestamp: Date.parse('2026-12-02T10:00:05.000Z') / 1000,
    });

    await pushoverChannel.send(settings, sampleRecovery(), context());
    expect(receiver.received.at(-1)!.json).toMatchObject({ priority: -1, title: 'payments-api recovered' });
    await pushoverChannel.send(settings, sampleAlert({ severity: 'warning', text: 'x'.repeat(2000) }), context());
    expect(receiver.received.at(-1)!.json).toMatchObject({ priority: 0, message: `${'x'.repeat(1023)}…` });
  });

  it('names the errors Pushover gives and does not retry them; retries when Pushover is down', async () => {
    const settings = pushoverChannel.config.parse({ userKey, appToken, baseUrl: receiver.url });
    receiver.answer(
      '/1/messages.json',
      { status: 400, body: '{"user":"invalid","errors":["user identifier is not a valid user, group, or subscribed user key"],"status":0,"request":"5042853c"}' },
      { status: 200, body: '{"status":0,"errors":["application token is invalid"]}' },
      { status: 500, body: 'oops' },
    );
    expect(await pushoverChannel.send(settings, sampleAlert(), context())).toMatchObject({
      ok: false,
      retryable: false,
      status: 400,
      error: 'Pushover refused the message: user identifier is not a valid user, group, or subscribed user key',
    });
    expect(await pushoverChannel.send(settings, sampleAlert(), context())).toMatchObject({ ok: false, retryable: false, error: 'Pushover refused the message: application token is invalid' });
    expect(await pushoverChannel.send(settings, sampleAlert(), context())).toMatchObject({ ok: false, retryable: true, status: 500 });
  });

  it('refuses a bad config naming the field', () => {
    const result = pushoverChannel.config.safeParse({ userKey: 'short', appToken, baseUrl: 'api.pushover.net', device: 'a b' });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['userKey', 'expected the 30-character user or group key Pushover shows'],
      ['baseUrl', 'expected an http:// or https:// URL'],
      ['device', 'expected device names separated by commas'],
    ]);
    expect(pushoverChannel.config.parse({ userKey, appToken }).baseUrl).toBe('https://api.pushover.net');
  });
});
