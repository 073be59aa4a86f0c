import { z } from 'zod';
import { sendHttp } from '../http.ts';
import type { ChannelType, MessageSystem, NotificationMessage } from '../types.ts';
import { truncate } from '../format.ts';

/**
 * PagerDuty Events API v2: an alert triggers an incident and the recovery resolves it, both under
 * the message's dedup key, so one system's incident is one PagerDuty incident however often it is
 * re-sent. A test message triggers under a key of its own, never touching a real incident.
 */
const config = z
  .object({
    routingKey: z.string().regex(/^[A-Za-z0-9]{32}$/, 'expected the 32-character integration key of an Events API v2 integration'),
    baseUrl: z.url({ protocol: /^https?$/, message: 'expected an http:// or https:// URL' }).default('https://events.pagerduty.com'),
  })
  .strict();

export const pagerdutyChannel: ChannelType<typeof config> = {
  type: 'pagerduty',
  title: 'PagerDuty',
  config,
  groupable: false,
  secretFields: ['routingKey'],
  async send(settings, message, context) {
    const headers = { 'content-type': 'application/json', 'user-agent': 'Vigil' };
    return sendHttp(`${settings.baseUrl.replace(/\/+$/, '')}/v2/enqueue`, { headers, body: JSON.stringify(event(settings.routingKey, message)) }, context);
  },
};

function event(routingKey: string, message: NotificationMessage) {
  if (message.kind === 'recovery') return { routing_key: routingKey, event_action: 'resolve', dedup_key: message.dedupKey };
  return {
    routing_key: routingKey,
    event_action: 'trigger',
    dedup_key: message.kind === 'test' ? `vigil-test:${message.id}` : message.dedupKey,
    payload: {
      summary: truncate(message.title, 1024),
      source: 'vigil',
      severity: message.severity,
      timestamp: message.timestamp,
      custom_details: { text: message.text, systems: message.systems.map(details) },
    },
    links: message.systems.flatMap((system) => (system.url ? [{ href: system.url, text: `${system.name} in Vigil` }] : [])),
  };
}

function details(system: MessageSystem) {
  return {
    system: system.name,
    environment: system.environment?.name ?? 'all environments',
    change: `${system.previousStatus} → ${system.status}`,
    since: system.since,
    failing_checks: system.failingChecks.map((check) => `${check.name}: ${check.message}`),
  };
}

