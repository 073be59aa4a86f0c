import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleAlert, sampleRecovery } from '../../../../test/support/messages.ts';
import { startReceiver, type Receiver } from '../../../../test/targets/receiver.ts';
import { teamsChannel } from './index.ts';

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver.close());

const context = () => ({ signal: AbortSignal.timeout(5_000), timeoutMs: 5_000 });
const path = '/workflows/abc/triggers/manual/paths/invoke';
const settings = () => teamsChannel.config.parse({ webhookUrl: `${receiver.url}${path}?api-version=1&sig=secret` });
const url = 'https://vigil.example.test/systems/0b6b2f1c-1111-4c44-9a57-3f0f3c1b9e21';

describe('teams channel', () => {
  it('posts an Adaptive Card: the title in red, each system with its facts, a button to Vigil', async () => {
    receiver.answer(path, { status: 202 });
    expect(await teamsChannel.send(settings(), sampleAlert(), context())).toMatchObject({ ok: true, status: 202 });
    const request = receiver.received.at(-1)!;
    expect(request).toMatchObject({ method: 'POST', path: `${path}?api-version=1&sig=secret` });
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.json).toEqual({
      type: 'message',
      attachments: [
        {
          contentType: 'application/vnd.microsoft.card.adaptive',
          contentUrl: null,
          content: {
            type: 'AdaptiveCard',
            $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
            version: '1.4',
            msteams: { width: 'Full' },
            body: [
              { type: 'TextBlock', text: 'payments-api is unhealthy', size: 'Large', weight: 'Bolder', color: 'Attention', wrap: true },
              { type: 'TextBlock', text: 'payments-api', weight: 'Bolder', wrap: true, separator: true, spacing: 'Medium' },
              {
                type: 'FactSet',
                facts: [
                  { title: 'Status', value: 'healthy → unhealthy since 2026-12-02 10:00 UTC' },
                  { title: 'Environment', value: 'prod' },
                  { title: 'Failing: http-health', value: 'statusCode: expected 200, got 503' },
                ],
              },
            ],
            actions: [{ type: 'Action.OpenUrl', title: 'Open in Vigil', url }],
          },
        },
      ],
    });
  });

  it('shows a recovery in green with how long it was down', async () => {
    await teamsChannel.send(settings(), sampleRecovery(), context());
    const content = (receiver.received.at(-1)!.json as any).attachments[0].content;
    expect(content.body[0]).toMatchObject({ text: 'payments-api recovered', color: 'Good' });
    expect(content.body[2].facts).toEqual([
      { title: 'Status', value: 'unhealthy → healthy since 2026-12-02 10:12 UTC, down for 12 min' },
      { title: 'Environment', value: 'prod' },
    ]);
  });

  it('names each button after its system when several changed, and has no button without a link', async () => {
    const one = sampleAlert().systems[0]!;
    await teamsChannel.send(settings(), sampleAlert({ severity: 'warning', systems: [one, { ...one, name: 'ledger', environment: null, url: undefined }] }), context());
    const content = (receiver.received.at(-1)!.json as any).attachments[0].content;
    expect(content.body[0].color).toBe('Warning');
    expect(content.body[4].facts[1]).toEqual({ title: 'Environment', value: 'all environments' });
    expect(content.actions).toEqual([{ type: 'Action.OpenUrl', title: 'Open payments-api · prod', url }]);
  });

  it('sends a test message (no systems) as its text, with no button', async () => {
    await teamsChannel.send(settings(), sampleAlert({ kind: 'test', severity: 'info', title: 'Test from Vigil', text: 'If you can read this, <the channel> works.\nNothing to do.', systems: [] }), context());
    const content = (receiver.received.at(-1)!.json as any).attachments[0].content;
    expect(content.body[1]).toEqual({ type: 'TextBlock', text: 'If you can read this, <the channel> works.\nNothing to do.', wrap: true });
    expect(content.actions).toEqual([]);
  });

  it('retries a 500 or 429, not a 400 or 403', async () => {
    receiver.answer(path, { status: 500 }, { status: 429 }, { status: 400, body: 'Invalid request' }, { status: 403 });
    expect(await teamsChannel.send(settings(), sampleAlert(), context())).toMatchObject({ ok: false, retryable: true, status: 500 });
    expect(await teamsChannel.send(settings(), sampleAlert(), context())).toMatchObject({ ok: false, retryable: true, status: 429 });
    expect(await teamsChannel.send(settings(), sampleAlert(), context())).toMatchObject({ ok: false, retryable: false, status: 400, error: 'The receiver answered 400: Invalid request' });
    expect(await teamsChannel.send(settings(), sampleAlert(), context())).toMatchObject({ ok: false, retryable: false, status: 403 });
  });

  it('refuses a bad config naming the field', () => {
    const result = teamsChannel.config.safeParse({ webhookUrl: 'not a url' });
    expect(result.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['webhookUrl', 'expected the workflow webhook URL (http:// or https://)']]);
    expect(teamsChannel.config.safeParse({}).error!.issues[0]!.path).toEqual(['webhookUrl']);
    expect(teamsChannel.secretFields).toEqual(['webhookUrl']);
  });
});
