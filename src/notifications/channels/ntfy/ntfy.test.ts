import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleAlert, sampleRecovery } from '../../../../test/support/messages.ts';
import { startReceiver, type Receiver } from '../../../../test/targets/receiver.ts';
import { ntfyChannel } from './index.ts';

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver.close());

const context = () => ({ signal: AbortSignal.timeout(5_000), timeoutMs: 5_000 });
const settings = (extra: object = {}) => ntfyChannel.config.parse({ topic: 'vigil-ops', baseUrl: `${receiver.url}/`, ...extra });
const url = 'https://vigil.example.test/systems/0b6b2f1c-1111-4c44-9a57-3f0f3c1b9e21';

describe('ntfy channel', () => {
  it('posts the text to the topic with title, urgent priority, tag, click link and token', async () => {
    expect(await ntfyChannel.send(settings({ token: 'tk_secret' }), sampleAlert(), context())).toMatchObject({ ok: true, status: 200 });
    const request = receiver.received.at(-1)!;
    expect(request).toMatchObject({ method: 'POST', path: '/vigil-ops', body: sampleAlert().text });
    expect(request.headers).toMatchObject({
      'content-type': 'text/plain; charset=utf-8',
      title: 'payments-api is unhealthy',
      priority: '5',
      tags: 'rotating_light',
      click: url,
      authorization: 'Bearer tk_secret',
    });
  });

  it('sends a recovery at default priority with a check mark, and no Authorization without a token', async () => {
    await ntfyChannel.send(settings(), sampleRecovery(), context());
    const request = receiver.received.at(-1)!;
    expect(request.body).toBe('payments-api (prod) is healthy again after 12 min (was unhealthy).');
    expect(request.headers).toMatchObject({ title: 'payments-api recovered', priority: '3', tags: 'white_check_mark' });
    expect(request.headers).not.toHaveProperty('authorization');
    await ntfyChannel.send(settings(), sampleAlert({ severity: 'warning', systems: [{ ...sampleAlert().systems[0]!, url: undefined }] }), context());
    expect(receiver.received.at(-1)!.headers).toMatchObject({ priority: '4', tags: 'warning' });
    expect(receiver.received.at(-1)!.headers).not.toHaveProperty('click');
  });

  it('encodes a title that is not ASCII (RFC 2047) and cuts a body past 4096 bytes', async () => {
    await ntfyChannel.send(settings(), sampleAlert({ title: 'Zahlungsdienst-Süd is unhealthy', text: 'ü'.repeat(3000) }), context());
    const request = receiver.received.at(-1)!;
    expect(request.headers.title).toBe(`=?UTF-8?B?${Buffer.from('Zahlungsdienst-Süd is unhealthy').toString('base64')}?=`);
    expect(Buffer.byteLength(request.body)).toBeLessThanOrEqual(4096);
    expect(request.body).toBe(`${'ü'.repeat(2046)}…`);
  });

  it('retries a 500 or 429, not a 401 or 403 (a protected topic)', async () => {
    receiver.answer('/vigil-ops', { status: 500 }, { status: 429, headers: { 'retry-after': '60' } }, { status: 401 }, { status: 403, body: '{"code":40301,"http":403,"error":"forbidden"}' });
    expect(await ntfyChannel.send(settings(), sampleAlert(), context())).toMatchObject({ ok: false, retryable: true, status: 500 });
    expect(await ntfyChannel.send(settings(), sampleAlert(), context())).toMatchObject({ ok: false, retryable: true, status: 429, retryAfterMs: 60_000 });
    expect(await ntfyChannel.send(settings(), sampleAlert(), context())).toMatchObject({ ok: false, retryable: false, status: 401 });
    expect(await ntfyChannel.send(settings(), sampleAlert(), context())).toMatchObject({ ok: false, retryable: false, status: 403, error: expect.stringContaining('forbidden') });
  });

  it('refuses a bad config naming the field, with ntfy.sh by default', () => {
    const result = ntfyChannel.config.safeParse({ topic: 'my topic/../x', baseUrl: 'ntfy.example.org', token: '' });
    expect(result.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['topic', 'expected a topic of 1–64 letters, digits, - or _'],
      ['baseUrl', 'expected an http:// or https:// URL'],
      ['token', 'expected an access token (printable characters, no spaces)'],
    ]);
    expect(ntfyChannel.config.parse({ topic: 'alerts' }).baseUrl).toBe('https://ntfy.sh');
    expect(ntfyChannel.secretFields).toEqual(['token']);
  });
});
