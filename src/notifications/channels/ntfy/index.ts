import { z } from 'zod';
import { joinUrl } from '../format.ts';
import { sendHttp } from '../http.ts';
import type { ChannelType, NotificationMessage } from '../types.ts';

/** A push to an ntfy topic (ntfy.sh or a self-hosted server): the text as the body, the rest as headers. */
const config = z
  .object({
    topic: z.string().regex(/^[-_A-Za-z0-9]{1,64}$/, 'expected a topic of 1–64 letters, digits, - or _'),
    baseUrl: z.url({ protocol: /^https?$/, message: 'expected an http:// or https:// URL' }).default('https://ntfy.sh').meta({ description: 'A self-hosted ntfy server' }),
    token: z.string().regex(/^[\x21-\x7e]+$/, 'expected an access token (printable characters, no spaces)').optional().meta({ description: 'For a protected topic (tk_…)' }),
  })
  .strict();

const PRIORITY: Record<NotificationMessage['severity'], string> = { critical: '5', warning: '4', info: '3' };
/** ntfy shows these tags as emoji before the title. */
const TAGS: Record<NotificationMessage['severity'], string> = { critical: 'rotating_light', warning: 'warning', info: 'white_check_mark' };
/** ntfy's default message limit; a longer body becomes an attachment, or is refused. */
const BODY_BYTES = 4096;

/** Header values are Latin-1 on the wire; ntfy decodes RFC 2047 for anything else (a system named "Zahlungsdienst-Süd"). */
function headerText(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return /^[\x20-\x7e]*$/.test(line) ? line : `=?UTF-8?B?${Buffer.from(line, 'utf8').toString('base64')}?=`;
}

function cutToBytes(text: string, max: number): string {
  if (Buffer.byteLength(text, 'utf8') <= max) return text;
  const { read } = new TextEncoder().encodeInto(text, new Uint8Array(max - Buffer.byteLength('…')));
  return `${text.slice(0, read)}…`;
}

export const ntfyChannel: ChannelType<typeof config> = {
  type: 'ntfy',
  title: 'ntfy',
  config,
  secretFields: ['token'],
  async send(settings, message, context) {
    const headers: Record<string, string> = {
      'content-type': 'text/plain; charset=utf-8',
      'user-agent': 'Vigil',
      title: headerText(message.title),
      priority: PRIORITY[message.severity],
      tags: TAGS[message.severity],
    };
    const link = message.systems.find((system) => system.url)?.url;
    if (link) headers.click = link;
    if (settings.token) headers.authorization = `Bearer ${settings.token}`;
    return sendHttp(joinUrl(settings.baseUrl, `/${settings.topic}`), { headers, body: cutToBytes(message.text, BODY_BYTES) }, context);
  },
};
