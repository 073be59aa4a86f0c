import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { sendHttp } from '../http.ts';
import type { ChannelType } from '../types.ts';

/**
 * A JSON POST of the whole message to any URL. With a `secret`, the receiver can verify it came
 * from Vigil: `X-Vigil-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">` with the
 * Unix time in `X-Vigil-Timestamp` (reject old timestamps to stop replays). Every attempt of one
 * delivery carries the same `X-Vigil-Delivery` id, so a receiver can drop a repeat.
 */
const config = z
  .object({
    url: z.url({ protocol: /^https?$/, message: 'expected an http:// or https:// URL' }),
    headers: z.record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'expected a header name'), z.string().max(4096)).optional().meta({ description: 'Sent with every request (e.g. Authorization)' }),
    secret: z.string().min(16, 'expected at least 16 characters').max(512).optional().meta({ description: 'Signs each request (HMAC-SHA256)' }),
  })
  .strict();

export const webhookChannel: ChannelType<typeof config> = {
  type: 'webhook',
  title: 'Webhook (JSON)',
  config,
  secretFields: ['secret', 'headers'],
  async send(settings, message, context) {
    const body = JSON.stringify({
      id: message.id,
      kind: message.kind,
      severity: message.severity,
      title: message.title,
      text: message.text,
      systems: message.systems,
      dedupKey: message.dedupKey,
      timestamp: message.timestamp,
    });
    const headers: Record<string, string> = { ...settings.headers, 'content-type': 'application/json', 'user-agent': 'Vigil', 'x-vigil-delivery': message.id };
    if (settings.secret) {
      const timestamp = String(Math.floor(Date.now() / 1000));
      headers['x-vigil-timestamp'] = timestamp;
      headers['x-vigil-signature'] = `sha256=${createHmac('sha256', settings.secret).update(`${timestamp}.${body}`).digest('hex')}`;
    }
    return sendHttp(settings.url, { headers, body }, context);
  },
};
