import { z } from 'zod';
import { escapeSlack, moreSystems, SEVERITY_MARK, summarizeSystem, truncate, type SystemSummary } from '../format.ts';
import { sendHttp } from '../http.ts';
import type { ChannelType } from '../types.ts';

/**
 * A Slack incoming webhook (also accepted by Mattermost and Rocket.Chat): a header with the title,
 * then one section per system. Links are mrkdwn, not buttons: a button in a message from an app
 * without interactivity shows a warning when clicked.
 */
const config = z
  .object({
    webhookUrl: z.url({ protocol: /^https?$/, message: 'expected the incoming webhook URL (http:// or https://)' }).meta({ description: 'https://hooks.slack.com/services/…' }),
  })
  .strict();

/** Slack's limits: 50 blocks a message, 150 characters in a header, 3000 in a section. */
const BLOCKS = 50;
const HEADER_CHARS = 150;
const SECTION_CHARS = 3000;

function systemSection(system: SystemSummary) {
  const link = system.url ? `\n<${system.url}|Open in Vigil>` : '';
  const lines = [
    `*${escapeSlack(system.name)}* · ${escapeSlack(system.environment)}`,
    escapeSlack(system.change),
    ...system.checks.map((check) => `• *${escapeSlack(check.name)}* — ${escapeSlack(check.message)}`),
    ...(system.moreChecks ? [system.moreChecks] : []),
  ];
  return { type: 'section', text: { type: 'mrkdwn', text: truncate(lines.join('\n'), SECTION_CHARS - link.length) + link } };
}

export const slackChannel: ChannelType<typeof config> = {
  type: 'slack',
  title: 'Slack',
  config,
  secretFields: ['webhookUrl'],
  async send(settings, message, context) {
    const header = { type: 'header', text: { type: 'plain_text', text: truncate(`${SEVERITY_MARK[message.severity]} ${message.title}`, HEADER_CHARS), emoji: true } };
    const shown = message.systems.length <= BLOCKS - 1 ? message.systems : message.systems.slice(0, BLOCKS - 2);
    const sections =
      message.systems.length === 0
        ? [{ type: 'section', text: { type: 'mrkdwn', text: truncate(escapeSlack(message.text), SECTION_CHARS) } }]
        : shown.map((system) => systemSection(summarizeSystem(system)));
    const more = message.systems.length > shown.length ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: moreSystems(message.systems.length - shown.length) }] }] : [];
    // `text` is what notifications and screen readers show; the blocks are what the channel shows.
    const body = JSON.stringify({ text: escapeSlack(message.title), blocks: [header, ...sections, ...more] });
    return sendHttp(settings.webhookUrl, { headers: { 'content-type': 'application/json', 'user-agent': 'Vigil' }, body }, context);
  },
};
