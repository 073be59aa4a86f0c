import type { z } from 'zod';
import { issueDetails, plainMessage } from '../../kernel/validation-messages.ts';
import { ChannelInput } from '../../notifications/model.ts';
import { CHANNEL_TYPES, channelType } from '../../notifications/channels/registry.ts';
import { isSettled, readSecretFields, secretReferences } from './secret-fields.ts';
import type { Channel } from '../../notifications/model.ts';
import { everything } from '../services.ts';
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

const secretFieldsOf = (channel: ChannelSpec) => channelType(channel.type)?.secretFields ?? [];

export const notificationChannelKind: Kind<ChannelSpec, Channel & { opened: Record<string, unknown> }> = {
  kind: 'NotificationChannel',
  order: 60,
  spec,
  named: true,
  references: (channel) => secretReferences(channel.config, ['config']),
  secretPaths: (channel) => secretFieldsOf(channel).map((field) => `config.${field}`),
  async resolve(channel, secret) {
    const config = { ...channel.config };
    for (const field of secretFieldsOf(channel)) if (typeof config[field] === 'string') config[field] = await withSecrets(config[field], secret);
    return { ...channel, config };
  },
  // A secret value goes out as a reference to the Secret holding it (one is added when none does).
  toFile(channel, { name, secretName }) {
    const config = { ...channel.config };
    for (const field of secretFieldsOf(channel)) {
      const value = config[field];
      if (typeof value === 'string' && value !== '') config[field] = `{{ secrets.${secretName(value, `${name}-${field}`)} }}`;
    }
    return { spec: { ...channel, config } };
  },
  store: ({ notifications }) => ({
    async list() {
      const channels = await everything((page) => notifications.listChannels(page));
      // Secret fields are sealed and read "****" in the API: diff compares their values, on the server only.
      const opened = [];
      // One after the other: inside an apply these share the transaction's one connection.
      for (const channel of channels) opened.push({ id: channel.id, name: channel.name, resource: { ...channel, opened: (await notifications.openChannel(channel.id)).config } });
      return opened;
    },
    toSpec: (channel) => ({ type: channel.type, config: channel.opened, enabled: channel.enabled, groupWindowSeconds: channel.groupWindowSeconds }),
    create: async ({ name, spec: channel }) => (await notifications.createChannel({ name, ...channel })).id,
    update: async (id, { name, spec: channel }) => void (await notifications.updateChannel(id, { name, ...channel })),
    remove: (id) => notifications.deleteChannel(id),
  }),
};

/** A secret field's text with each `{{ secrets.NAME }}` replaced by the secret's value. */
async function withSecrets(text: string, secret: (name: string) => Promise<string>): Promise<string> {
  const pattern = /\{\{\s*secrets\.([A-Za-z0-9_-]+)\s*\}\}/g;
  const values = new Map<string, string>();
  for (const match of text.matchAll(pattern)) values.set(match[1]!, await secret(match[1]!));
  return text.replace(pattern, (_whole, name: string) => values.get(name)!);
}
