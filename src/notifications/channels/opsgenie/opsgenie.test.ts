import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleAlert, sampleRecovery } from '../../../../test/support/messages.ts';
import { startReceiver, type Receiver } from '../../../../test/targets/receiver.ts';
import { opsgenieChannel } from './index.ts';

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver.close());

const context = () => ({ signal: AbortSignal.timeout(5_000), timeoutMs: 5_000 });
const apiKey = 'eb243592-faa2-4ba2-a551-1afdf565c889';
const accepted = { status: 202, body: '{"result":"Request will be processed","took":0.302,"requestId":"43a29c5c-3dbf-4fa4-9c26-f4f71023e120"}' };

describe('opsgenie channel', () => {
  it('creates an alert aliased by the system’s dedup key, and closes that alias on recovery', async () => {
    const settings = opsgenieChannel.config.parse({ apiKey, baseUrl: receiver.url });
    receiver.answer('/v2/alerts', accepted);
    expect(await opsgenieChannel.send(settings, sampleAlert(), context())).toMatchObject({ ok: true, status: 202 });
    const create = receiver.received.at(-1)!;
    expect(create).toMatchObject({ method: 'POST', path: '/v2/alerts' });
    expect(create.headers).toMatchObject({ 'content-type': 'application/json', authorization: `GenieKey ${apiKey}` });
    expect(create.json).toEqual({
      message: 'payments-api is unhealthy',
      alias: sampleAlert().dedupKey,
      description: sampleAlert().text,
      priority: 'P1',
      details: {
        'payments-api (prod)': `healthy → unhealthy since 2026-12-02T10:00:00.000Z; failing http-health: statusCode: expected 200, got 503; ${sampleAlert().systems[0]!.url}`,
      },
      source: 'vigil',
    });

    const alias = encodeURIComponent(sampleAlert().dedupKey);
    receiver.answer(`/v2/alerts/${alias}/close`, accepted);
    expect(await opsgenieChannel.send(settings, sampleRecovery(), context())).toMatchObject({ ok: true, status: 202 });
    const close = receiver.received.at(-1)!;
    expect(close).toMatchObject({ method: 'POST', path: `/v2/alerts/${alias}/close?identifierType=alias` });
    expect(close.headers).toMatchObject({ authorization: `GenieKey ${apiKey}` });
    expect(close.json).toEqual({ source: 'vigil', note: sampleRecovery().text });
  });

  it('picks the priority by severity unless one is set, cuts the message to 130 characters, and aliases a test message apart', async () => {
    const settings = opsgenieChannel.config.parse({ apiKey, baseUrl: receiver.url });
    await opsgenieChannel.send(settings, sampleAlert({ severity: 'warning', title: 'z'.repeat(200) }), context());
    expect(receiver.received.at(-1)!.json).toMatchObject({ priority: 'P3', message: `${'z'.repeat(129)}…` });
    await opsgenieChannel.send(settings, sampleAlert({ kind: 'test', severity: 'info', id: 'test-1' }), context());
    expect(receiver.received.at(-1)!.json).toMatchObject({ priority: 'P5', alias: 'vigil-test:test-1' });
    await opsgenieChannel.send({ ...settings, priority: 'P2' }, sampleAlert(), context());
    expect(receiver.received.at(-1)!.json).toMatchObject({ priority: 'P2' });
  });

  it('does not retry a refused key or request; retries when Opsgenie throttles or is down', async () => {
    const settings = opsgenieChannel.config.parse({ apiKey, baseUrl: receiver.url });
    receiver.answer(
      '/v2/alerts',
      { status: 422, body: '{"message":"Request body is not processable. Please check the errors.","errors":{"message":"Message can not be empty."},"took":0.001}' },
      { status: 401, body: '{"message":"Could not authenticate","took":0.0}' },
      { status: 429, headers: { 'retry-after': '2' } },
      { status: 503 },
    );
    expect(await opsgenieChannel.send(settings, sampleAlert(), context())).toMatchObject({ ok: false, retryable: false, status: 422, error: expect.stringContaining('Request body is not processable') });
    expect(await opsgenieChannel.send(settings, sampleAlert(), context())).toMatchObject({ ok: false, retryable: false, status: 401 });
    expect(await opsgenieChannel.send(settings, sampleAlert(), context())).toMatchObject({ ok: false, retryable: true, status: 429, retryAfterMs: 2_000 });
    expect(await opsgenieChannel.send(settings, sampleAlert(), context())).toMatchObject({ ok: false, retryable: true, status: 503 });
  });

  it('refuses a bad config naming the field', () => {
    const result = opsgenieChannel.config.safeParse({ apiKey: 'key with spaces', baseUrl: 'api.eu.opsgenie.com', priority: 'P0', team: 'ops' });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['apiKey', 'expected the API key of an Opsgenie API integration'],
      ['baseUrl', 'expected an http:// or https:// URL'],
      ['priority', 'expected one of P1, P2, P3, P4, P5'],
      ['', 'Unrecognized key: "team"'],
    ]);
    expect(opsgenieChannel.config.parse({ apiKey }).baseUrl).toBe('https://api.opsgenie.com');
  });
});
