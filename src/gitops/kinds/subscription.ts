import { z } from 'zod';
import { ValidationError } from '../../kernel/errors.ts';
import { SubscriptionInput, type Subscription } from '../../notifications/model.ts';
import { everything, type GitopsServices } from '../services.ts';
import { Ref, refList } from './names.ts';
import { appliedName, type Kind, type Names, type Reference } from './types.ts';

/**
 * Who hears about what (SPEC §6.2): a System or every system of a Group, to a NotificationChannel
 * or by email to a Vigil user (users are not documents: named by their email address, looked up
 * when applied).
 */
const spec = z
  .object(SubscriptionInput.shape)
  .omit({ systemId: true, groupId: true, channelId: true, userId: true, environmentIds: true })
  .extend({
    system: Ref.nullable().default(null).meta({ description: 'This system… (exactly one of system and group)' }),
    group: Ref.nullable().default(null).meta({ description: '…or every system of this group' }),
    channel: Ref.nullable().default(null).meta({ description: 'Sent to this channel… (exactly one of channel and user)' }),
    user: z.email('expected the email address of a Vigil user').nullable().default(null).meta({ description: "…or by email to this user's own address" }),
    environments: refList(500).nullable().default(null).meta({ description: "null: the system's rollup (all environments); a list: changes of these environments" }),
  })
  .strict()
  .refine((s) => (s.system === null) !== (s.group === null), { message: 'expected exactly one of system and group', path: ['system'] })
  .refine((s) => (s.channel === null) !== (s.user === null), { message: 'expected exactly one of channel and user', path: ['channel'] });
type SubscriptionSpec = z.output<typeof spec>;

export const subscriptionKind: Kind<SubscriptionSpec, Subscription & { email: string | null }> = {
  kind: 'Subscription',
  order: 70,
  spec,
  named: false,
  references: (subscription) => {
    const references: Reference[] = [];
    if (subscription.system !== null) references.push({ kind: 'System', name: subscription.system, path: ['system'] });
    if (subscription.group !== null) references.push({ kind: 'Group', name: subscription.group, path: ['group'] });
    if (subscription.channel !== null) references.push({ kind: 'NotificationChannel', name: subscription.channel, path: ['channel'] });
    (subscription.environments ?? []).forEach((name, index) => references.push({ kind: 'Environment', name, path: ['environments', index] }));
    return references;
  },
  store: ({ notifications, users, appliedNames }) => ({
    async list() {
      // One after the other: inside an apply these share the transaction's one connection.
      const subscriptions = await everything((page) => notifications.listSubscriptions(page));
      const applied = await appliedNames('Subscription');
      const emails = await users.emails(subscriptions.flatMap((subscription) => (subscription.userId ? [subscription.userId] : [])));
      return subscriptions.map((subscription) => ({
        id: subscription.id,
        name: appliedName('subscription', subscription.id, applied),
        resource: { ...subscription, email: subscription.userId ? (emails.get(subscription.userId) ?? null) : null },
      }));
    },
    toSpec: (subscription, names) => ({
      system: subscription.systemId && names.name('System', subscription.systemId),
      group: subscription.groupId && names.name('Group', subscription.groupId),
      channel: subscription.channelId && names.name('NotificationChannel', subscription.channelId),
      user: subscription.email,
      on: subscription.on,
      environments: subscription.environmentIds && subscription.environmentIds.map((id) => names.name('Environment', id)),
    }),
    create: async ({ spec: subscription }, { names }) => (await notifications.createSubscription(await input(subscription, names, users))).id,
    async update(id, { spec: subscription, current }, { names }) {
      const wanted = await input(subscription, names, users);
      // Only what it reacts to changes in place; another system, group or recipient is another subscription.
      if (wanted.systemId === current.systemId && wanted.groupId === current.groupId && wanted.channelId === current.channelId && wanted.userId === current.userId) {
        await notifications.updateSubscription(id, { on: wanted.on, environmentIds: wanted.environmentIds });
        return;
      }
      await notifications.deleteSubscription(id);
      return (await notifications.createSubscription(wanted)).id;
    },
    remove: (id) => notifications.deleteSubscription(id),
  }),
};

/** A subscription's spec as the API takes it. */
async function input(subscription: SubscriptionSpec, names: Names, users: GitopsServices['users']) {
  const userId = subscription.user === null ? null : (await users.idsByEmail([subscription.user])).get(subscription.user.toLowerCase());
  if (userId === undefined) throw new ValidationError([{ path: 'user', message: `expected the email address of a Vigil user; there is none with ${subscription.user}` }]);
  return {
    systemId: subscription.system === null ? null : names.id('System', subscription.system),
    groupId: subscription.group === null ? null : names.id('Group', subscription.group),
    channelId: subscription.channel === null ? null : names.id('NotificationChannel', subscription.channel),
    userId,
    on: subscription.on,
    environmentIds: subscription.environments === null ? null : subscription.environments.map((environment) => names.id('Environment', environment)),
  };
}
