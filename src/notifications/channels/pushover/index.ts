import { z } from 'zod';
import { sendHttp } from '../http.ts';
import type { ChannelType, SendOutcome } from '../types.ts';
import { truncate } from '../format.ts';

/**
 * Pushover: `POST <baseUrl>/1/messages.json` with the application's token and the user's (or
 * group's) key. Pushover refuses with `{"status":0,"errors":[…]}`; those errors become the
 * outcome's error, since they say which key is wrong.
 */
const Key = (what: string) => z.string().regex(/^[A-Za-z0-9]{30}$/, `expected the 30-character ${what} Pushover shows`);

const config = z
  .object({
    userKey: Key('user or group key'),
    appToken: Key('application API token'),
    baseUrl: z.url({ protocol: /^https?$/, message: 'expected an http:// or https:// URL' }).default('https://api.pushover.net'),
    device: z.string().regex(/^[A-Za-z0-9_-]{1,25}(,[A-Za-z0-9_-]{1,25})*$/, 'expected device names separated by commas').optional().meta({ description: 'Only these devices (default: all of the user’s)' }),
  })
  .strict();

const PRIORITY = { critical: 1, warning: 0, info: -1 } as const;

export const pushoverChannel: ChannelType<typeof config> = {
  type: 'pushover',
  title: 'Pushover',
  config,
  secretFields: ['userKey', 'appToken'],
  async send(settings, message, context) {
    const url = message.systems.find((system) => system.url)?.url;
    const body = JSON.stringify({
      token: settings.appToken,
      user: settings.userKey,
      ...(settings.device ? { device: settings.device } : {}),
      title: truncate(message.title, 250),
      message: truncate(message.text, 1024),
      priority: PRIORITY[message.severity],
      ...(url && url.length <= 512 ? { url, url_title: 'Open in Vigil' } : {}),
      timestamp: Math.floor(Date.parse(message.timestamp) / 1000),
    });
    const headers = { 'content-type': 'application/json', 'user-agent': 'Vigil' };
    return withPushoverErrors(await sendHttp(`${settings.baseUrl.replace(/\/+$/, '')}/1/messages.json`, { headers, body }, context));
  },
};

function withPushoverErrors(outcome: SendOutcome): SendOutcome {
  let answer: { status?: unknown; errors?: unknown } | undefined;
  try {
    answer = outcome.response ? JSON.parse(outcome.response) : undefined;
  } catch {
    answer = undefined;
  }
  if (answer?.status !== 0) return outcome;
  const errors = Array.isArray(answer.errors) ? answer.errors.map(String) : [];
  const error = `Pushover refused the message: ${errors.length ? errors.join('; ') : 'no reason given'}`;
  return outcome.ok ? { ok: false, retryable: false, status: outcome.status, response: outcome.response, error } : { ...outcome, error };
}

