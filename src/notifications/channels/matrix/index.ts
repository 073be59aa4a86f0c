import { z } from 'zod';
import { escapeHtml, joinUrl, SEVERITY_MARK, summarizeSystem, type SystemSummary } from '../format.ts';
import { sendHttp } from '../http.ts';
import type { ChannelType, NotificationMessage, SendOutcome } from '../types.ts';

/**
 * A Matrix room message through the client-server API. The transaction id is the message id, so a
 * retry after a lost answer is recognised by the homeserver and posted once.
 */
const config = z
  .object({
    homeserverUrl: z.url({ protocol: /^https?$/, message: 'expected the homeserver URL (http:// or https://)' }).meta({ description: 'e.g. https://matrix.example.org' }),
    accessToken: z.string().regex(/^[\x21-\x7e]+$/, 'expected an access token (printable characters, no spaces)').meta({ description: 'Of the account that posts; it must have joined the room' }),
    roomId: z.string().regex(/^![^\s]+$/, 'expected a room id like !abc123:example.org (an alias like #ops:example.org will not do)'),
  })
  .strict();

function systemHtml(system: SystemSummary): string {
  const checks = system.checks.map((check) => `<li><strong>${escapeHtml(check.name)}</strong> — ${escapeHtml(check.message)}</li>`);
  if (system.moreChecks) checks.push(`<li>${escapeHtml(system.moreChecks)}</li>`);
  return [
    `<p><strong>${escapeHtml(system.name)}</strong> · ${escapeHtml(system.environment)}<br>${escapeHtml(system.change)}</p>`,
    ...(checks.length ? [`<ul>${checks.join('')}</ul>`] : []),
    ...(system.url ? [`<p><a href="${escapeHtml(system.url)}">Open in Vigil</a></p>`] : []),
  ].join('');
}

function html(message: NotificationMessage): string {
  const title = `<p>${SEVERITY_MARK[message.severity]} <strong>${escapeHtml(message.title)}</strong></p>`;
  const details = message.systems.length === 0 ? `<p>${escapeHtml(message.text).replace(/\n/g, '<br>')}</p>` : message.systems.map((system) => systemHtml(summarizeSystem(system))).join('');
  return title + details;
}

/** Matrix errors are `{errcode, error}`; a rate limit says when to come back in `retry_after_ms`. */
function withMatrixError(outcome: SendOutcome): SendOutcome {
  if (outcome.ok) return outcome;
  let answer: { errcode?: unknown; error?: unknown; retry_after_ms?: unknown };
  try {
    answer = JSON.parse(outcome.response ?? '') as typeof answer;
  } catch {
    return outcome;
  }
  if (typeof answer?.errcode !== 'string') return outcome;
  const failed: SendOutcome = { ...outcome, error: `The homeserver answered ${outcome.status}: ${answer.errcode}${typeof answer.error === 'string' ? ` ${answer.error}` : ''}` };
  if (failed.retryAfterMs === undefined && typeof answer.retry_after_ms === 'number') failed.retryAfterMs = answer.retry_after_ms;
  return failed;
}

export const matrixChannel: ChannelType<typeof config> = {
  type: 'matrix',
  title: 'Matrix',
  config,
  secretFields: ['accessToken'],
  async send(settings, message, context) {
    const path = `/_matrix/client/v3/rooms/${encodeURIComponent(settings.roomId)}/send/m.room.message/${encodeURIComponent(message.id)}`;
    const body = JSON.stringify({ msgtype: 'm.text', body: message.text, format: 'org.matrix.custom.html', formatted_body: html(message) });
    const headers = { authorization: `Bearer ${settings.accessToken}`, 'content-type': 'application/json', 'user-agent': 'Vigil' };
    return withMatrixError(await sendHttp(joinUrl(settings.homeserverUrl, path), { method: 'PUT', headers, body }, context));
  },
};
