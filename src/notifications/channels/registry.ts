import type { AnyChannelType } from './types.ts';
import { discordChannel } from './discord/index.ts';
import { matrixChannel } from './matrix/index.ts';
import { ntfyChannel } from './ntfy/index.ts';
import { slackChannel } from './slack/index.ts';
import { teamsChannel } from './teams/index.ts';
import { telegramChannel } from './telegram/index.ts';
import { webhookChannel } from './webhook/index.ts';

/** Every channel type; adding one is a folder and a line here. */
export const CHANNEL_TYPES: readonly AnyChannelType[] = [webhookChannel, slackChannel, discordChannel, teamsChannel, telegramChannel, matrixChannel, ntfyChannel];

export function channelType(type: string): AnyChannelType | undefined {
  return CHANNEL_TYPES.find((channel) => channel.type === type);
}
