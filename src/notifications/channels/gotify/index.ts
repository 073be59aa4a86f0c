import { z } from 'zod';
import { sendHttp } from '../http.ts';
import type { ChannelType, NotificationMessage } from '../types.ts';

/**
 * Gotify (self-hosted push): `POST <server>/message` with an application token. The text goes as
 * Markdown so the clients keep its lines; a tap on the notification opens the first system's page.
 */
const config = z
  .object({
    serverUrl: z.url({ protocol: /^https?$/, message: 'expected an http:// or https:// URL' }).meta({ description: 'The Gotify server, e.g. https://push.example.com' }),
    appToken: z.string().regex(/^[A-Za-z0-9._-]{1,256}$/, 'expected the token of a Gotify application'),
    priority: z.number().int().min(0, 'expected a priority from 0 to 10').max(10, 'expected a priority from 0 to 10').optional().meta({ description: 'Used for every message instead of 8 critical, 5 warning, 2 info' }),
  })
  .strict();

const PRIORITY = { critical: 8, warning: 5, info: 2 } as const;

export const gotifyChannel: ChannelType<typeof config> = {
  type: 'gotify',
  title: 'Gotify',
  config,
  secretFields: ['appToken'],
  async send(settings, message, context) {
    const url = message.systems.find((system) => system.url)?.url;
    const body = JSON.stringify({
      title: message.title,
      message: markdownLines(message),
      priority: settings.priority ?? PRIORITY[message.severity],
      extras: {
        'client::display': { contentType: 'text/markdown' },
        ...(url ? { 'client::notification': { click: { url } } } : {}),
      },
    });
    const headers = { 'content-type': 'application/json', 'user-agent': 'Vigil', 'x-gotify-key': settings.appToken };
    return sendHttp(`${settings.serverUrl.replace(/\/+$/, '')}/message`, { headers, body }, context);
  },
};

/** The plain text as Markdown: characters that would format escaped, each line kept (a hard break). */
function markdownLines(message: NotificationMessage): string {
  return message.text
    .split('\n')
    .map((line) => line.replace(/[\\`*_[\]<>#|~]/g, '\\$&'))
    .join('  \n');
}
