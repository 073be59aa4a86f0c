import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleAlert, sampleRecovery } from '../../../../test/support/messages.ts';
import { startReceiver, type Receiver } from '../../../../test/targets/receiver.ts';
import { slackChannel } from './index.ts';

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver.close());

const context = () => ({ signal: AbortSignal.timeout(5_000), timeoutMs: 5_000 });
const settings = () => slackChannel.config.parse({ webhookUrl: `${receiver.url}/services/T000/B000/secret` });

describe('slack channel', () => {
  it('posts a header and a section per system: its change, environment, failing checks and link', async () => {
    expect(await slackChannel.send(settings(), sampleAlert(), context())).toMatchObject({ ok: true, status: 200 });
    const request = receiver.received.at(-1)!;
    expect(request).toMatchObject({ method: 'POST', path: '/services/T000/B000/secret' });
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.json).toEqual({
      text: 'payments-api is unhealthy',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: '🔴 payments-api is unhealthy', emoji: true } },
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: '*payments-api* · prod\nhealthy → unhealthy since 2026-12-02 10:00 UTC\n• *http-health* — statusCode: expected 200, got 503\n<https://vigil.example.test/systems/0b6b2f1c-1111-4c44-9a57-3f0f3c1b9e21|Open in Vigil>',
          },
        },
      ],
    });
  });

  it('says how long a recovered system was down, and "all environments" for a whole system', async () => {
    const recovery = sampleRecovery();
    recovery.systems[0]!.environment = null;
    await slackChannel.send(settings(), recovery, context());
    const blocks = (receiver.received.at(-1)!.json as any).blocks;
    expect(blocks[0].text.text).toBe('🟢 payments-api recovered');
    expect(blocks[1].text.text).toBe('*payments-api* · all environments\nunhealthy → healthy since 2026-12-02 10:12 UTC, down for 12 min\n<https://vigil.example.test/systems/0b6b2f1c-1111-4c44-9a57-3f0f3c1b9e21|Open in Vigil>');
  });

  it('escapes what Slack would read as a mention or link, and stays within 50 blocks', async () => {
    const one = sampleAlert().systems[0]!;
    const systems = Array.from({ length: 60 }, (_, i) => ({ ...one, name: `svc-${i}`, failingChecks: [{ name: 'body', message: 'got <!channel> & <b>' }] }));
    await slackChannel.send(settings(), sampleAlert({ systems }), context());
    const blocks = (receiver.received.at(-1)!.json as any).blocks;
    expect(blocks).toHaveLength(50);
    expect(blocks[1].text.text).toContain('• *body* — got &lt;!channel&gt; &amp; &lt;b&gt;');
    expect(blocks.at(-1)).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: '…and 12 more systems' }] });
  });

  it('sends a test message (no systems) as its text', async () => {
    await slackChannel.send(settings(), sampleAlert({ kind: 'test', severity: 'info', title: 'Test from Vigil', text: 'If you can read this, <the channel> works.\nNothing to do.', systems: [] }), context());
    expect((receiver.received.at(-1)!.json as any).blocks).toEqual([
      { type: 'header', text: { type: 'plain_text', text: '🟢 Test from Vigil', emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: 'If you can read this, &lt;the channel&gt; works.\nNothing to do.' } },
    ]);
  });

  it('retries a 500 or 429, not a 404 (a deleted or revoked webhook)', async () => {
    receiver.answer('/services/T000/B000/secret', { status: 500 }, { status: 429, headers: { 'retry-after': '30' } }, { status: 404, body: 'no_service' });
    expect(await slackChannel.send(settings(), sampleAlert(), context())).toMatchObject({ ok: false, retryable: true, status: 500 });
    expect(await slackChannel.send(settings(), sampleAlert(), context())).toMatchObject({ ok: false, retryable: true, status: 429, retryAfterMs: 30_000 });
    expect(await slackChannel.send(settings(), sampleAlert(), context())).toMatchObject({ ok: false, retryable: false, status: 404, error: 'The receiver answered 404: no_service' });
  });

  it('refuses a bad config naming the field, and keeps the webhook URL secret', () => {
    const result = slackChannel.config.safeParse({ webhookUrl: 'hooks.slack.com/services/x', channel: '#ops' });
    expect(result.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['webhookUrl', 'expected the incoming webhook URL (http:// or https://)'],
      ['', 'Unrecognized key: "channel"'],
    ]);
    expect(slackChannel.secretFields).toEqual(['webhookUrl']);
  });
});
