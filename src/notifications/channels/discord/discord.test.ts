import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleAlert, sampleRecovery } from '../../../../test/support/messages.ts';
import { startReceiver, type Receiver } from '../../../../test/targets/receiver.ts';
import { discordChannel } from './index.ts';

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver.close());

const context = () => ({ signal: AbortSignal.timeout(5_000), timeoutMs: 5_000 });
const path = '/api/webhooks/123/token';
const settings = (extra: object = {}) => discordChannel.config.parse({ webhookUrl: `${receiver.url}${path}`, ...extra });
const url = 'https://vigil.example.test/systems/0b6b2f1c-1111-4c44-9a57-3f0f3c1b9e21';

describe('discord channel', () => {
  it('posts one red embed with a field per system, its link and the time', async () => {
    receiver.answer(path, { status: 204 });
    expect(await discordChannel.send(settings(), sampleAlert(), context())).toMatchObject({ ok: true, status: 204 });
    const request = receiver.received.at(-1)!;
    expect(request).toMatchObject({ method: 'POST', path });
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.json).toEqual({
      username: 'Vigil',
      allowed_mentions: { parse: [] },
      embeds: [
        {
          title: 'payments-api is unhealthy',
          url,
          description: '1 system changed status.',
          fields: [{ name: 'payments-api · prod', value: `healthy → unhealthy since 2026-12-02 10:00 UTC\n• **http-health** — statusCode: expected 200, got 503\n[Open in Vigil](${url})`, inline: false }],
          color: 0xe5484d,
          timestamp: '2026-12-02T10:00:05.000Z',
        },
      ],
    });
  });

  it('colours a recovery green and says how long it was down, under the configured name', async () => {
    await discordChannel.send(settings({ username: 'Ops bot' }), sampleRecovery(), context());
    const json = receiver.received.at(-1)!.json as any;
    expect(json.username).toBe('Ops bot');
    expect(json.embeds[0]).toMatchObject({ title: 'payments-api recovered', color: 0x2eb67d });
    expect(json.embeds[0].fields[0].value).toBe(`unhealthy → healthy since 2026-12-02 10:12 UTC, down for 12 min\n[Open in Vigil](${url})`);
    await discordChannel.send(settings(), sampleAlert({ severity: 'warning' }), context());
    expect((receiver.received.at(-1)!.json as any).embeds[0].color).toBe(0xf5a524);
  });

  it('stays within Discord limits: title 256, 25 fields, 6000 characters, and says how many are left out', async () => {
    const one = sampleAlert().systems[0]!;
    const few = Array.from({ length: 30 }, (_, i) => ({ ...one, name: `svc-${i}`, url: undefined }));
    await discordChannel.send(settings(), sampleAlert({ title: 'x'.repeat(300), systems: few }), context());
    let embed = (receiver.received.at(-1)!.json as any).embeds[0];
    expect(embed.title).toBe(`${'x'.repeat(255)}…`);
    expect(embed.fields).toHaveLength(25);
    expect(embed.description).toBe('30 systems changed status. Showing 25; the rest are in Vigil.');
    const wordy = few.map((system) => ({ ...system, failingChecks: Array.from({ length: 5 }, (_, i) => ({ name: `check-${i}`, message: 'y'.repeat(300) })) }));
    await discordChannel.send(settings(), sampleAlert({ systems: wordy }), context());
    embed = (receiver.received.at(-1)!.json as any).embeds[0];
    const total = embed.title.length + embed.description.length + embed.fields.reduce((sum: number, f: any) => sum + f.name.length + f.value.length, 0);
    expect(total).toBeLessThanOrEqual(6000);
    expect(embed.fields.every((f: any) => f.value.length <= 1024)).toBe(true);
    expect(embed.description).toBe(`30 systems changed status. Showing ${embed.fields.length}; the rest are in Vigil.`);
  });

  it('escapes markdown in names and check messages', async () => {
    const one = sampleAlert().systems[0]!;
    await discordChannel.send(settings(), sampleAlert({ systems: [{ ...one, failingChecks: [{ name: '__init__', message: 'got *nothing*' }] }] }), context());
    expect((receiver.received.at(-1)!.json as any).embeds[0].fields[0].value).toContain('• **\\_\\_init\\_\\_** — got \\*nothing\\*');
  });

  it('sends a test message (no systems) as its text', async () => {
    await discordChannel.send(settings(), sampleAlert({ kind: 'test', severity: 'info', title: 'Test from Vigil', text: 'If you can read this, <the channel> works.\nNothing to do.', systems: [] }), context());
    expect((receiver.received.at(-1)!.json as any).embeds[0]).toEqual({ title: 'Test from Vigil', description: 'If you can read this, <the channel\\> works.\nNothing to do.', color: 0x2eb67d, timestamp: '2026-12-02T10:00:05.000Z' });
  });

  it('retries a 500 or 429, not a 401 or 404 (a deleted webhook)', async () => {
    receiver.answer(path, { status: 500 }, { status: 429, headers: { 'retry-after': '2' } }, { status: 401 }, { status: 404, body: '{"message": "Unknown Webhook", "code": 10015}' });
    expect(await discordChannel.send(settings(), sampleAlert(), context())).toMatchObject({ ok: false, retryable: true, status: 500 });
    expect(await discordChannel.send(settings(), sampleAlert(), context())).toMatchObject({ ok: false, retryable: true, status: 429, retryAfterMs: 2_000 });
    expect(await discordChannel.send(settings(), sampleAlert(), context())).toMatchObject({ ok: false, retryable: false, status: 401 });
    expect(await discordChannel.send(settings(), sampleAlert(), context())).toMatchObject({ ok: false, retryable: false, status: 404, error: expect.stringContaining('Unknown Webhook') });
  });

  it('refuses a bad config naming the field', () => {
    const result = discordChannel.config.safeParse({ webhookUrl: 'ftp://discord.com/x', username: 'Discord alerts' });
    expect(result.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['webhookUrl', 'expected the webhook URL (http:// or https://)'],
      ['username', 'Discord refuses webhook names containing "discord" or "clyde"'],
    ]);
    expect(discordChannel.secretFields).toEqual(['webhookUrl']);
  });
});
