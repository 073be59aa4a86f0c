import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleAlert, sampleRecovery } from '../../../../test/support/messages.ts';
import { startReceiver, type Receiver } from '../../../../test/targets/receiver.ts';
import { gotifyChannel } from './index.ts';

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver.close());

const context = () => ({ signal: AbortSignal.timeout(5_000), timeoutMs: 5_000 });

describe('gotify channel', () => {
  it('posts the message with the application token, a priority by severity, Markdown and a link to open on tap', async () => {
    const settings = gotifyChannel.config.parse({ serverUrl: `${receiver.url}/gotify/`, appToken: 'AbCdEf.123_-xyz' });
    expect(await gotifyChannel.send(settings, sampleAlert(), context())).toMatchObject({ ok: true, status: 200 });
    const request = receiver.received.at(-1)!;
    expect(request).toMatchObject({ method: 'POST', path: '/gotify/message' });
    expect(request.headers).toMatchObject({ 'content-type': 'application/json', 'x-gotify-key': 'AbCdEf.123_-xyz' });
    expect(request.json).toEqual({
      title: 'payments-api is unhealthy',
      message: [
        'payments-api (prod) is unhealthy since 2026-12-02T10:00:00.000Z (was healthy).',
        'Failing: http-health — statusCode: expected 200, got 503',
        'https://vigil.example.test/systems/0b6b',
      ].join('  \n'),
      priority: 8,
      extras: {
        'client::display': { contentType: 'text/markdown' },
        'client::notification': { click: { url: sampleAlert().systems[0]!.url } },
      },
    });

    await gotifyChannel.send(settings, sampleAlert({ severity: 'warning', text: 'a *b* [c](d) _e_' }), context());
    expect(receiver.received.at(-1)!.json).toMatchObject({ priority: 5, message: 'a \\*b\\* \\[c\\](d) \\_e\\_' });
    await gotifyChannel.send(settings, sampleRecovery(), context());
    expect(receiver.received.at(-1)!.json).toMatchObject({ priority: 2, title: 'payments-api recovered' });
    await gotifyChannel.send({ ...settings, priority: 10 }, sampleRecovery(), context());
    expect(receiver.received.at(-1)!.json).toMatchObject({ priority: 10 });
  });

  it('does not retry a refused token, and retries a server that is down', async () => {
    const settings = gotifyChannel.config.parse({ serverUrl: receiver.url, appToken: 'wrong' });
    receiver.answer('/message', { status: 401, body: '{"error":"Unauthorized","errorCode":401,"errorDescription":"you need to provide a valid access token or user credentials to access this api"}' }, { status: 502 });
    expect(await gotifyChannel.send(settings, sampleAlert(), context())).toMatchObject({ ok: false, retryable: false, status: 401, error: expect.stringContaining('valid access token') });
    expect(await gotifyChannel.send(settings, sampleAlert(), context())).toMatchObject({ ok: false, retryable: true, status: 502 });
  });

  it('refuses a bad config naming the field', () => {
    const result = gotifyChannel.config.safeParse({ serverUrl: 'gotify.example.com', appToken: 'has spaces', priority: 11 });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['serverUrl', 'expected an http:// or https:// URL'],
      ['appToken', 'expected the token of a Gotify application'],
      ['priority', 'expected a priority from 0 to 10'],
    ]);
  });
});
