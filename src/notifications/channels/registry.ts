import { discordChannel } from './discord/index.ts';
import { emailChannel } from './email/index.ts';
import { gotifyChannel } from './gotify/index.ts';
import { matrixChannel } from './matrix/index.ts';
import { ntfyChannel } from './ntfy/index.ts';
import { opsgenieChannel } from './opsgenie/index.ts';
import { pagerdutyChannel } from './pagerduty/index.ts';
import { pushoverChannel } from './pushover/index.ts';
import { slackChannel } from './slack/index.ts';
import { teamsChannel } from './teams/index.ts';
import { telegramChannel } from './telegram/index.ts';
import type { AnyChannelType } from './types.ts';
import { webhookChannel } from './webhook/index.ts';

/** Every channel type; adding one is a folder and a line here. */
export const CHANNEL_TYPES: readonly AnyChannelType[] = [
  webhookChannel,
  emailChannel,
  slackChannel,
  discordChannel,
  teamsChannel,
  telegramChannel,
  matrixChannel,
  ntfyChannel,
  gotifyChannel,
  pushoverChannel,
  pagerdutyChannel,
  opsgenieChannel,
];

export function channelType(type: string): AnyChannelType | undefined {
  return CHANNEL_TYPES.find((channel) => channel.type === type);
}
