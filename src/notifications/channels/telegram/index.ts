import { z } from 'zod';
import { escapeHtml, joinUrl, joinWithin, moreSystems, SEVERITY_MARK, summarizeSystem, type SystemSummary } from '../format.ts';
import { sendHttp } from '../http.ts';
import type { ChannelType, SendOutcome } from '../types.ts';

const CHAT_ID = 'expected a chat id (a number, e.g. -1001234567890) or a public channel’s @username';

/** The Telegram Bot API's sendMessage, as HTML (the parse mode whose escaping is unambiguous). */
const config = z
  .object({
    botToken: z.string().regex(/^\d+:[A-Za-z0-9_-]+$/, 'expected a bot token from @BotFather, like 123456:ABC-DEF…'),
    chatId: z.union([z.int(), z.string().regex(/^(-?\d+|@[A-Za-z][A-Za-z0-9_]{3,31})$/, CHAT_ID)], { error: CHAT_ID }),
    baseUrl: z.url({ protocol: /^https?$/, message: 'expected an http:// or https:// URL' }).default('https://api.telegram.org').meta({ description: 'A self-hosted Bot API server' }),
  })
  .strict();

/** Telegram refuses a text over 4096 characters (counted after parsing; the HTML is longer, so this is safe). */
const TEXT_CHARS = 4096;

function systemHtml(system: SystemSummary): string {
  return [
    `<b>${escapeHtml(system.name)}</b> · ${escapeHtml(system.environment)}`,
    escapeHtml(system.change),
    ...system.checks.map((check) => `• <b>${escapeHtml(check.name)}</b> — ${escapeHtml(check.message)}`),
    ...(system.moreChecks ? [system.moreChecks] : []),
    ...(system.url ? [`<a href="${escapeHtml(system.url)}">Open in Vigil</a>`] : []),
  ].join('\n');
}

/** Telegram answers `{"ok": false, "description": …}` when it refuses, sometimes with HTTP 200. */
function refusal(response: string | undefined): { description?: string; parameters?: { retry_after?: number } } | undefined {
  try {
    const answer = JSON.parse(response ?? '') as { ok?: unknown };
    return answer && answer.ok === false ? (answer as { description?: string; parameters?: { retry_after?: number } }) : undefined;
  } catch {
    return undefined;
  }
}

export const telegramChannel: ChannelType<typeof config> = {
  type: 'telegram',
  title: 'Telegram',
  config,
  secretFields: ['botToken'],
  async send(settings, message, context) {
    const header = `${SEVERITY_MARK[message.severity]} <b>${escapeHtml(message.title)}</b>`;
    const details = message.systems.length === 0 ? escapeHtml(message.text) : joinWithin(message.systems.map((system) => systemHtml(summarizeSystem(system))), '\n\n', TEXT_CHARS - header.length - 2, moreSystems);
    const body = JSON.stringify({ chat_id: settings.chatId, text: `${header}\n\n${details}`, parse_mode: 'HTML', disable_web_page_preview: true });
    const outcome = await sendHttp(joinUrl(settings.baseUrl, `/bot${settings.botToken}/sendMessage`), { headers: { 'content-type': 'application/json', 'user-agent': 'Vigil' }, body }, context);
    const refused = refusal(outcome.response);
    if (!refused) return outcome;
    const failed: SendOutcome = {
      ok: false,
      retryable: outcome.ok ? false : outcome.retryable,
      error: `Telegram refused the message${outcome.status === undefined ? '' : ` (${outcome.status})`}: ${refused.description ?? 'no reason given'}`,
      ...(outcome.status === undefined ? {} : { status: outcome.status }),
      ...(outcome.response === undefined ? {} : { response: outcome.response }),
    };
    const retryAfter = refused.parameters?.retry_after;
    if (typeof retryAfter === 'number') failed.retryAfterMs = retryAfter * 1000;
    else if (!outcome.ok && outcome.retryAfterMs !== undefined) failed.retryAfterMs = outcome.retryAfterMs;
    return failed;
  },
};
