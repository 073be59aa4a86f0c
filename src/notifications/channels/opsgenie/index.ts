import { z } from 'zod';
import { sendHttp } from '../http.ts';
import type { ChannelType, MessageSystem } from '../types.ts';
import { truncate } from '../format.ts';

/**
 * Opsgenie Alert API: an alert creates an Opsgenie alert whose alias is the message's dedup key,
 * and the recovery closes it by that alias. Opsgenie keeps one open alert per alias, so a re-sent
 * alert adds to the same one. EU accounts set baseUrl to https://api.eu.opsgenie.com.
 */
const config = z
  .object({
    apiKey: z.string().regex(/^[A-Za-z0-9-]{1,128}$/, 'expected the API key of an Opsgenie API integration'),
    baseUrl: z.url({ protocol: /^https?$/, message: 'expected an http:// or https:// URL' }).default('https://api.opsgenie.com').meta({ description: 'https://api.eu.opsgenie.com for an EU account' }),
    priority: z.enum(['P1', 'P2', 'P3', 'P4', 'P5'], { message: 'expected one of P1, P2, P3, P4, P5' }).optional().meta({ description: 'For every alert created, instead of P1 critical, P3 warning, P5 test' }),
  })
  .strict();

const PRIORITY = { critical: 'P1', warning: 'P3', info: 'P5' } as const;

export const opsgenieChannel: ChannelType<typeof config> = {
  type: 'opsgenie',
  title: 'Opsgenie',
  config,
  groupable: false,
  secretFields: ['apiKey'],
  async send(settings, message, context) {
    const headers = { 'content-type': 'application/json', 'user-agent': 'Vigil', authorization: `GenieKey ${settings.apiKey}` };
    const base = settings.baseUrl.replace(/\/+$/, '');
    if (message.kind === 'recovery') {
      const body = JSON.stringify({ source: 'vigil', note: truncate(message.text, 25_000) });
      return sendHttp(`${base}/v2/alerts/${encodeURIComponent(truncate(message.dedupKey, 512))}/close?identifierType=alias`, { headers, body }, context);
    }
    const body = JSON.stringify({
      message: truncate(message.title, 130),
      alias: truncate(message.kind === 'test' ? `vigil-test:${message.id}` : message.dedupKey, 512),
      description: truncate(message.text, 15_000),
      priority: settings.priority ?? PRIORITY[message.severity],
      details: Object.fromEntries(message.systems.map(detail)),
      source: 'vigil',
    });
    return sendHttp(`${base}/v2/alerts`, { headers, body }, context);
  },
};

/** Opsgenie details are string to string: one entry per system, its change in a line. */
function detail(system: MessageSystem): [string, string] {
  const failing = system.failingChecks.map((check) => `${check.name}: ${check.message}`).join('; ');
  const change = `${system.previousStatus} → ${system.status} since ${system.since}${failing ? `; failing ${failing}` : ''}${system.url ? `; ${system.url}` : ''}`;
  return [`${system.name} (${system.environment?.name ?? 'all environments'})`, change];
}

