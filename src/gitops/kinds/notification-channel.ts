import type { z } from 'zod';
import { issueDetails, plainMessage } from '../../kernel/validation-messages.ts';
import { ChannelInput } from '../../notifications/model.ts';
import { CHANNEL_TYPES, channelType } from '../../notifications/channels/registry.ts';
import { isSettled, readSecretFields, secretReferences } from './secret-fields.ts';
import type { Kind } from './types.ts';

/**
 * A notification channel (SPEC §6.2): its config as its type defines it, except that its secret
 * fields (a token, a webhook URL with a key in it) hold `{{ secrets.NAME }}`, resolved from the
 * Secret documents when applied and then sealed like any channel secret; the value itself is
 * refused, as is a secret reference in a field that is not secret (it would be stored in clear).
 */
const spec = ChannelInput.omit({ name: true }).superRefine((channel, ctx) => {
  const type = channelType(channel.type);
  if (!type) {
    ctx.addIssue({ code: 'custom', path: ['type'], message: `Unknown channel type "${channel.type}". Available: ${CHANNEL_TYPES.map((known) => known.type).join(', ')}.` });
    return;
  }
  const fields = readSecretFields(channel.config, type.secretFields, true);
  for (const problem of fields.problems) ctx.addIssue({ code: 'custom', path: ['config', ...problem.path], message: problem.message });
  const parsed = type.config.safeParse(fields.config, { error: plainMessage });
  if (parsed.success) return;
  for (const detail of issueDetails(parsed.error.issues)) {
    const path = detail.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment));
    if (!isSettled(path, fields.settled)) ctx.addIssue({ code: 'custom', path: ['config', ...path], message: detail.message });
  }
});
type ChannelSpec = z.output<typeof spec>;

export const notificationChannelKind: Kind<ChannelSpec> = {
  kind: 'NotificationChannel',
  order: 60,
  spec,
  references: (channel) => secretReferences(channel.config, ['config']),
};
