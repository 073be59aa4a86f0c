import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleAlert, sampleRecovery } from '../../../../test/support/messages.ts';
import { startReceiver, type Receiver } from '../../../../test/targets/receiver.ts';
import { telegramChannel } from './index.ts';

let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(() => receiver.close());

const context = () => ({ signal: AbortSignal.timeout(5_000), timeoutMs: 5_000 });
const token = '123456:ABC-def_ghi';
const path = `/bot${token}/sendMessage`;
const settings = (chatId: string | number = -1001234567890) => telegramChannel.config.parse({ botToken: token, chatId, baseUrl: `${receiver.url}/` });
const url = 'https://vigil.example.test/systems/0b6b2f1c-1111-4c44-9a57-3f0f3c1b9e21';

describe('telegram channel', () => {
  it('calls sendMessage with HTML: the title, the change, the failing check and the link', async () => {
    receiver.answer(path, { status: 200, body: '{"ok":true,"result":{"message_id":42}}' });
    expect(await telegramChannel.send(settings(), sampleAlert(), context())).toMatchObject({ ok: true, status: 200 });
    const request = receiver.received.at(-1)!;
    expect(request).toMatchObject({ method: 'POST', path });
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.json).toEqual({
      chat_id: -1001234567890,
      text: `🔴 <b>payments-api is unhealthy</b>\n\n<b>payments-api</b> · prod\nhealthy → unhealthy since 2026-12-02 10:00 UTC\n• <b>http-health</b> — statusCode: expected 200, got 503\n<a href="${url}">Open in Vigil</a>`,
      parse_mode: 'HTML',
      disable_web_page_preview: true,
    });
  });

  it('says how long a recovered system was down, to a channel by @username', async () => {
    await telegramChannel.send(settings('@vigil_alerts'), sampleRecovery(), context());
    expect(receiver.received.at(-1)!.json).toMatchObject({
      chat_id: '@vigil_alerts',
      text: `🟢 <b>payments-api recovered</b>\n\n<b>payments-api</b> · prod\nunhealthy → healthy since 2026-12-02 10:12 UTC, down for 12 min\n<a href="${url}">Open in Vigil</a>`,
    });
  });

  it('escapes HTML in titles, names and check messages, and stays under 4096 characters', async () => {
    const one = sampleAlert().systems[0]!;
    const systems = Array.from({ length: 40 }, (_, i) => ({ ...one, name: `<svc-${i}>`, failingChecks: [{ name: 'body & "tags"', message: `expected <ok/>, got ${'x'.repeat(200)}` }] }));
    await telegramChannel.send(settings(), sampleAlert({ title: '40 systems are <unhealthy>', systems }), context());
    const text = (receiver.received.at(-1)!.json as any).text as string;
    expect(text.startsWith('🔴 <b>40 systems are &lt;unhealthy&gt;</b>\n\n<b>&lt;svc-0&gt;</b> · prod\n')).toBe(true);
    expect(text).toContain('• <b>body &amp; &quot;tags&quot;</b> — expected &lt;ok/&gt;, got x');
    expect(text.length).toBeLessThanOrEqual(4096);
    expect(text).toMatch(/\n\n…and \d+ more systems$/);
  });

  it('sends a test message (no systems) as its escaped text', async () => {
    await telegramChannel.send(settings(), sampleAlert({ kind: 'test', severity: 'info', title: 'Test from Vigil', text: 'If you can read this, <the channel> works.\nNothing to do.', systems: [] }), context());
    expect((receiver.received.at(-1)!.json as any).text).toBe('🟢 <b>Test from Vigil</b>\n\nIf you can read this, &lt;the channel&gt; works.\nNothing to do.');
  });

  it('reports Telegram’s refusal with its description: a 400 or 403 is final, a 429 waits as told, a 500 is retried', async () => {
    receiver.answer(
      path,
      { status: 400, body: '{"ok":false,"error_code":400,"description":"Bad Request: chat not found"}' },
      { status: 403, body: '{"ok":false,"error_code":403,"description":"Forbidden: bot was kicked from the group chat"}' },
      { status: 429, body: '{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 9","parameters":{"retry_after":9}}' },
      { status: 200, body: '{"ok":false,"description":"Bad Request: message text is empty"}' },
      { status: 502, body: 'Bad Gateway' },
    );
    expect(await telegramChannel.send(settings(), sampleAlert(), context())).toMatchObject({ ok: false, retryable: false, status: 400, error: 'Telegram refused the message (400): Bad Request: chat not found' });
    expect(await telegramChannel.send(settings(), sampleAlert(), context())).toMatchObject({ ok: false, retryable: false, status: 403, error: 'Telegram refused the message (403): Forbidden: bot was kicked from the group chat' });
    expect(await telegramChannel.send(settings(), sampleAlert(), context())).toMatchObject({ ok: false, retryable: true, status: 429, retryAfterMs: 9_000 });
    expect(await telegramChannel.send(settings(), sampleAlert(), context())).toMatchObject({ ok: false, retryable: false, status: 200, error: 'Telegram refused the message (200): Bad Request: message text is empty' });
    expect(await telegramChannel.send(settings(), sampleAlert(), context())).toMatchObject({ ok: false, retryable: true, status: 502 });
  });

  it('never puts the bot token in an error', async () => {
    const closed = await startReceiver();
    await closed.close();
    const outcome = await telegramChannel.send(telegramChannel.config.parse({ botToken: token, chatId: 1, baseUrl: closed.url }), sampleAlert(), context());
    expect(outcome).toMatchObject({ ok: false, retryable: true });
    expect(JSON.stringify(outcome)).not.toContain(token);
  });

  it('refuses a bad config naming the field, with api.telegram.org by default', () => {
    const result = telegramChannel.config.safeParse({ botToken: 'not-a-token', chatId: 'general', baseUrl: 'ftp://x' });
    expect(result.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['botToken', 'expected a bot token from @BotFather, like 123456:ABC-DEF…'],
      ['chatId', 'expected a chat id (a number, e.g. -1001234567890) or a public channel’s @username'],
      ['baseUrl', 'expected an http:// or https:// URL'],
    ]);
    expect(telegramChannel.config.parse({ botToken: token, chatId: '-100123' }).baseUrl).toBe('https://api.telegram.org');
    expect(telegramChannel.secretFields).toEqual(['botToken']);
  });
});
