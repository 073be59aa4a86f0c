import { z } from 'zod';
import { escapeMarkdown, summarizeSystem, truncate, type SystemSummary } from '../format.ts';
import { sendHttp } from '../http.ts';
import type { ChannelType, NotificationMessage } from '../types.ts';

/** A Discord webhook: one embed, coloured by severity, a field per system. */
const config = z
  .object({
    webhookUrl: z.url({ protocol: /^https?$/, message: 'expected the webhook URL (http:// or https://)' }).meta({ description: 'https://discord.com/api/webhooks/…' }),
    username: z
      .string()
      .trim()
      .min(1, 'expected a name')
      .max(80, 'expected at most 80 characters')
      .refine((name) => !/discord|clyde/i.test(name), 'Discord refuses webhook names containing "discord" or "clyde"')
      .optional()
      .meta({ description: 'The name the message is posted under (default Vigil)' }),
  })
  .strict();

const COLOR: Record<NotificationMessage['severity'], number> = { critical: 0xe5484d, warning: 0xf5a524, info: 0x2eb67d };

/** Discord's embed limits; a message over any of them is refused with a 400. */
const LIMIT = { title: 256, description: 4096, fields: 25, fieldName: 256, fieldValue: 1024, total: 6000 };
/** Room kept in the total for the description saying how many systems were left out. */
const NOTE_CHARS = 120;

function systemField(system: SystemSummary) {
  const link = system.url ? `\n[Open in Vigil](${system.url})` : '';
  const lines = [
    escapeMarkdown(system.change),
    ...system.checks.map((check) => `• **${escapeMarkdown(check.name)}** — ${escapeMarkdown(check.message)}`),
    ...(system.moreChecks ? [system.moreChecks] : []),
  ];
  return { name: truncate(system.heading, LIMIT.fieldName), value: truncate(lines.join('\n'), LIMIT.fieldValue - link.length) + link, inline: false };
}

function embed(message: NotificationMessage) {
  const title = truncate(message.title, LIMIT.title);
  if (message.systems.length === 0) return { title, description: truncate(escapeMarkdown(message.text), LIMIT.description) };
  const fields: ReturnType<typeof systemField>[] = [];
  let used = title.length + NOTE_CHARS;
  for (const system of message.systems) {
    const field = systemField(summarizeSystem(system));
    if (fields.length === LIMIT.fields || used + field.name.length + field.value.length > LIMIT.total) break;
    fields.push(field);
    used += field.name.length + field.value.length;
  }
  const count = message.systems.length;
  const changed = `${count} ${count === 1 ? 'system' : 'systems'} changed status.`;
  const description = fields.length < count ? `${changed} Showing ${fields.length}; the rest are in Vigil.` : changed;
  const single = count === 1 ? message.systems[0]!.url : undefined;
  return { title, ...(single ? { url: single } : {}), description, fields };
}

export const discordChannel: ChannelType<typeof config> = {
  type: 'discord',
  title: 'Discord',
  config,
  secretFields: ['webhookUrl'],
  async send(settings, message, context) {
    const body = JSON.stringify({
      username: settings.username ?? 'Vigil',
      // Nothing in a message may ping anyone, whatever a system or check is named.
      allowed_mentions: { parse: [] },
      embeds: [{ ...embed(message), color: COLOR[message.severity], timestamp: message.timestamp }],
    });
    return sendHttp(settings.webhookUrl, { headers: { 'content-type': 'application/json', 'user-agent': 'Vigil' }, body }, context);
  },
};
