import { z } from 'zod';
import { moreSystems, summarizeSystem, type SystemSummary } from '../format.ts';
import { sendHttp } from '../http.ts';
import type { ChannelType, NotificationMessage } from '../types.ts';

/**
 * A Microsoft Teams workflow webhook ("Post to a channel when a webhook request is received"),
 * which takes an Adaptive Card: the title in the severity's colour, then per system a heading and
 * a fact set, and a button to each system in Vigil.
 */
const config = z
  .object({
    webhookUrl: z.url({ protocol: /^https?$/, message: 'expected the workflow webhook URL (http:// or https://)' }).meta({ description: 'The URL of the workflow’s “When a Teams webhook request is received” trigger' }),
  })
  .strict();

const COLOR: Record<NotificationMessage['severity'], string> = { critical: 'Attention', warning: 'Warning', info: 'Good' };
/** Teams shows at most six actions on a card; a card is refused past about 28 KB, so systems are capped too. */
const ACTIONS = 6;
const SYSTEMS = 30;

function systemBlocks(system: SystemSummary) {
  const facts = [
    { title: 'Status', value: system.change },
    { title: 'Environment', value: system.environment },
    ...system.checks.map((check) => ({ title: `Failing: ${check.name}`, value: check.message })),
  ];
  return [
    { type: 'TextBlock', text: system.name, weight: 'Bolder', wrap: true, separator: true, spacing: 'Medium' },
    { type: 'FactSet', facts },
    ...(system.moreChecks ? [{ type: 'TextBlock', text: system.moreChecks, isSubtle: true, wrap: true }] : []),
  ];
}

function card(message: NotificationMessage) {
  const summaries = message.systems.slice(0, SYSTEMS).map(summarizeSystem);
  const title = { type: 'TextBlock', text: message.title, size: 'Large', weight: 'Bolder', color: COLOR[message.severity], wrap: true };
  const left = message.systems.length - summaries.length;
  const body =
    message.systems.length === 0
      ? [title, { type: 'TextBlock', text: message.text, wrap: true }]
      : [title, ...summaries.flatMap(systemBlocks), ...(left > 0 ? [{ type: 'TextBlock', text: moreSystems(left), isSubtle: true, wrap: true }] : [])];
  const linked = summaries.filter((system) => system.url).slice(0, ACTIONS);
  const actions = linked.map((system) => ({ type: 'Action.OpenUrl', title: message.systems.length === 1 ? 'Open in Vigil' : `Open ${system.heading}`, url: system.url }));
  return { type: 'AdaptiveCard', $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', version: '1.4', msteams: { width: 'Full' }, body, actions };
}

export const teamsChannel: ChannelType<typeof config> = {
  type: 'teams',
  title: 'Microsoft Teams',
  config,
  secretFields: ['webhookUrl'],
  async send(settings, message, context) {
    const body = JSON.stringify({ type: 'message', attachments: [{ contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card(message) }] });
    return sendHttp(settings.webhookUrl, { headers: { 'content-type': 'application/json', 'user-agent': 'Vigil' }, body }, context);
  },
};
