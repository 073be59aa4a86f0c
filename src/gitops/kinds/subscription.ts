import { z } from 'zod';
import { SubscriptionInput } from '../../notifications/model.ts';
import { Ref, refList } from './names.ts';
import type { Kind, Reference } from './types.ts';

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

export const subscriptionKind: Kind<SubscriptionSpec> = {
  kind: 'Subscription',
  order: 70,
  spec,
  references: (subscription) => {
    const references: Reference[] = [];
    if (subscription.system !== null) references.push({ kind: 'System', name: subscription.system, path: ['system'] });
    if (subscription.group !== null) references.push({ kind: 'Group', name: subscription.group, path: ['group'] });
    if (subscription.channel !== null) references.push({ kind: 'NotificationChannel', name: subscription.channel, path: ['channel'] });
    (subscription.environments ?? []).forEach((name, index) => references.push({ kind: 'Environment', name, path: ['environments', index] }));
    return references;
  },
};
