import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleAlert, sampleRecovery } from '../../../../test/support/messages.ts';
import { startReceiver, type Receiver } from '../../../../test/targets/receiver.ts';
import { matrixChannel } from './index.ts';

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver.close());

const context = () => ({ signal: AbortSignal.timeout(5_000), timeoutMs: 5_000 });
const settings = () => matrixChannel.config.parse({ homeserverUrl: `${receiver.url}/`, accessToken: 'syt_dmlnaWw_secret', roomId: '!ops:example.org' });
const pathFor = (id: string) => `/_matrix/client/v3/rooms/!ops%3Aexample.org/send/m.room.message/${id}`;
const url = 'https://vigil.example.test/systems/0b6b2f1c-1111-4c44-9a57-3f0f3c1b9e21';

describe('matrix channel', () => {
  it('PUTs an m.text event with the message id as transaction id, plain and HTML bodies, as the token’s user', async () => {
    const alert = sampleAlert();
    receiver.answer(pathFor(alert.id), { status: 200, body: '{"event_id":"$abc"}' });
    expect(await matrixChannel.send(settings(), alert, context())).toMatchObject({ ok: true, status: 200, response: '{"event_id":"$abc"}' });
    const request = receiver.received.at(-1)!;
    expect(request).toMatchObject({ method: 'PUT', path: pathFor(alert.id) });
    expect(request.headers).toMatchObject({ authorization: 'Bearer syt_dmlnaWw_secret', 'content-type': 'application/json' });
    expect(request.json).toEqual({
      msgtype: 'm.text',
      body: alert.text,
      format: 'org.matrix.custom.html',
      formatted_body:
        '<p>🔴 <strong>payments-api is unhealthy</strong></p>' +
        '<p><strong>payments-api</strong> · prod<br>healthy → unhealthy since 2026-12-02 10:00 UTC</p>' +
        '<ul><li><strong>http-health</strong> — statusCode: expected 200, got 503</li></ul>' +
        `<p><a href="${url}">Open in Vigil</a></p>`,
    });
  });

  it('sends a retry of one message under the same transaction id, and a recovery under its own', async () => {
    await matrixChannel.send(settings(), sampleAlert(), context());
    await matrixChannel.send(settings(), sampleAlert(), context());
    await matrixChannel.send(settings(), sampleRecovery(), context());
    const [first, retry, recovery] = receiver.received.slice(-3);
    expect(retry!.path).toBe(first!.path);
    expect(recovery!.path).toBe(pathFor(sampleRecovery().id));
    expect((recovery!.json as any).formatted_body).toContain('unhealthy → healthy since 2026-12-02 10:12 UTC, down for 12 min');
  });

  it('escapes HTML in names and check messages', async () => {
    const one = sampleAlert().systems[0]!;
    await matrixChannel.send(settings(), sampleAlert({ systems: [{ ...one, name: '<img src=x>', environment: null, failingChecks: [{ name: 'a&b', message: '"<script>"' }] }] }), context());
    const html = (receiver.received.at(-1)!.json as any).formatted_body as string;
    expect(html).toContain('<p><strong>&lt;img src=x&gt;</strong> · all environments<br>');
    expect(html).toContain('<li><strong>a&amp;b</strong> — &quot;&lt;script&gt;&quot;</li>');
  });

  it('sends a test message (no systems) as its text, line breaks kept in the HTML', async () => {
    await matrixChannel.send(settings(), sampleAlert({ kind: 'test', severity: 'info', title: 'Test from Vigil', text: 'If you can read this, <the channel> works.\nNothing to do.', systems: [] }), context());
    expect((receiver.received.at(-1)!.json as any).formatted_body).toBe('<p>🟢 <strong>Test from Vigil</strong></p><p>If you can read this, &lt;the channel&gt; works.<br>Nothing to do.</p>');
  });

  it('reports the homeserver’s error code: 401/403 are final, 429 waits retry_after_ms, 500 is retried', async () => {
    const path = pathFor(sampleAlert().id);
    receiver.answer(
      path,
      { status: 401, body: '{"errcode":"M_UNKNOWN_TOKEN","error":"Invalid access token passed."}' },
      { status: 403, body: '{"errcode":"M_FORBIDDEN","error":"User @vigil:example.org not in room !ops:example.org"}' },
      { status: 429, body: '{"errcode":"M_LIMIT_EXCEEDED","error":"Too many requests","retry_after_ms":2000}' },
      { status: 500 },
    );
    expect(await matrixChannel.send(settings(), sampleAlert(), context())).toMatchObject({ ok: false, retryable: false, status: 401, error: 'The homeserver answered 401: M_UNKNOWN_TOKEN Invalid access token passed.' });
    expect(await matrixChannel.send(settings(), sampleAlert(), context())).toMatchObject({ ok: false, retryable: false, status: 403, error: expect.stringContaining('M_FORBIDDEN User @vigil:example.org not in room') });
    expect(await matrixChannel.send(settings(), sampleAlert(), context())).toMatchObject({ ok: false, retryable: true, status: 429, retryAfterMs: 2_000 });
    expect(await matrixChannel.send(settings(), sampleAlert(), context())).toMatchObject({ ok: false, retryable: true, status: 500 });
  });

  it('refuses a bad config naming the field', () => {
    const result = matrixChannel.config.safeParse({ homeserverUrl: 'matrix.example.org', accessToken: 'has space', roomId: '#ops:example.org' });
    expect(result.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['homeserverUrl', 'expected the homeserver URL (http:// or https://)'],
      ['accessToken', 'expected an access token (printable characters, no spaces)'],
      ['roomId', 'expected a room id like !abc123:example.org (an alias like #ops:example.org will not do)'],
    ]);
    expect(matrixChannel.secretFields).toEqual(['accessToken']);
  });
});
