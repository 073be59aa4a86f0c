import { emailChannel } from './email/index.ts';
import { gotifyChannel } from './gotify/index.ts';
import { opsgenieChannel } from './opsgenie/index.ts';
import { pagerdutyChannel } from './pagerduty/index.ts';
import { pushoverChannel } from './pushover/index.ts';
import type { AnyChannelType } from './types.ts';
import { webhookChannel } from './webhook/index.ts';

/** Every channel type; adding one is a folder and a line here. */
export const CHANNEL_TYPES: readonly AnyChannelType[] = [webhookChannel, emailChannel, gotifyChannel, pushoverChannel, pagerdutyChannel, opsgenieChannel];

export function channelType(type: string): AnyChannelType | undefined {
  return CHANNEL_TYPES.find((channel) => channel.type === type);
}
