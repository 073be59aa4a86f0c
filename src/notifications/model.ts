import { z } from 'zod';

const Uuid = z.uuid({ message: 'expected a UUID' });
const Timestamp = z.string().meta({ format: 'date-time' });
const Name = z.string().trim().min(1, 'expected a name').max(200, 'expected at most 200 characters');

export const Channel = z
  .object({
    id: z.string(),
    name: z.string(),
    type: z.string(),
    config: z.record(z.string(), z.unknown()).meta({ description: 'Secret fields read "****" when set: they are write-only' }),
    enabled: z.boolean(),
    groupWindowSeconds: z.number().nullable().meta({ description: 'Changes within this many seconds go out as one message; null: the platform default (VIGIL_NOTIFICATION_GROUP_SECONDS, 10); 0: off. PagerDuty and Opsgenie are never grouped.' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'NotificationChannel' });

export const ChannelInput = z
  .object({
    name: Name,
    type: z.string().min(1, 'expected a channel type'),
    config: z.record(z.string(), z.unknown()).meta({ description: 'As the channel type defines it (GET /notification-channel-types)' }),
    enabled: z.boolean().default(true),
    groupWindowSeconds: z.number().int('expected a whole number of seconds').min(0, 'expected 0 (off) or more seconds').max(3600, 'expected at most 3600 seconds').nullable().default(null),
  })
  .strict()
  .meta({ id: 'NotificationChannelInput' });

export const ChannelPatch = z
  .object({
    name: Name,
    config: z.record(z.string(), z.unknown()).meta({ description: 'Merged over the stored config; a secret field left out, or sent as "****", keeps its value' }),
    enabled: z.boolean(),
    groupWindowSeconds: z.number().int('expected a whole number of seconds').min(0, 'expected 0 (off) or more seconds').max(3600, 'expected at most 3600 seconds').nullable(),
  })
  .partial()
  .strict()
  .meta({ id: 'NotificationChannelPatch' });

export const TestOutcome = z
  .object({ ok: z.boolean(), status: z.number().optional(), error: z.string().optional(), response: z.string().optional().meta({ description: "The receiver's answer, secrets masked" }) })
  .meta({ id: 'ChannelTestOutcome' });

const Trigger = z.enum(['degraded', 'unhealthy', 'recovered', 'any'], { message: 'expected degraded, unhealthy, recovered or any' });

const subscriptionFields = {
  systemId: Uuid.nullable().meta({ description: 'This system… (exactly one of systemId and groupId)' }),
  groupId: Uuid.nullable().meta({ description: '…or every system of this group' }),
  channelId: Uuid.nullable().meta({ description: 'Sent to this channel… (exactly one of channelId and userId)' }),
  userId: Uuid.nullable().meta({ description: "…or by email to this user's own address (VIGIL_SMTP_URL must be set)" }),
  on: z.array(Trigger).min(1, 'expected at least one of degraded, unhealthy, recovered, any'),
  environmentIds: z.array(Uuid).nullable().meta({ description: "null: the system's rollup (all environments); a list: changes of these environments" }),
};

export const Subscription = z
  .object({ id: z.string(), ...subscriptionFields, createdAt: Timestamp, updatedAt: Timestamp })
  .meta({ id: 'Subscription' });

export const SubscriptionInput = z
  .object({
    ...subscriptionFields,
    systemId: subscriptionFields.systemId.default(null),
    groupId: subscriptionFields.groupId.default(null),
    channelId: subscriptionFields.channelId.default(null),
    userId: subscriptionFields.userId.default(null),
    environmentIds: subscriptionFields.environmentIds.default(null),
  })
  .strict()
  .refine((s) => (s.systemId === null) !== (s.groupId === null), { message: 'expected exactly one of systemId and groupId', path: ['systemId'] })
  .refine((s) => (s.channelId === null) !== (s.userId === null), { message: 'expected exactly one of channelId and userId', path: ['channelId'] })
  .meta({ id: 'SubscriptionInput' });

export const SubscriptionPatch = z.object({ on: subscriptionFields.on, environmentIds: subscriptionFields.environmentIds }).partial().strict().meta({ id: 'SubscriptionPatch' });

export const Delivery = z
  .object({
    id: z.string().meta({ description: 'Also the idempotency key every attempt sends' }),
    eventId: z.string(),
    subscriptionId: z.string().nullable(),
    channelId: z.string().nullable(),
    systemId: z.string().nullable(),
    topic: z.string(),
    title: z.string(),
    state: z.enum(['pending', 'sending', 'delivered', 'failed', 'suppressed', 'cancelled']),
    reason: z.string().nullable(),
    attempts: z.number().int(),
    attemptLog: z.array(z.object({ at: Timestamp, ok: z.boolean(), status: z.number().optional(), error: z.string().optional(), response: z.string().optional() })),
    nextAttemptAt: Timestamp.nullable(),
    createdAt: Timestamp,
    finishedAt: Timestamp.nullable(),
  })
  .meta({ id: 'NotificationDelivery' });

export type Channel = z.infer<typeof Channel>;
export type ChannelInput = z.output<typeof ChannelInput>;
export type ChannelPatch = z.output<typeof ChannelPatch>;
export type Subscription = z.infer<typeof Subscription>;
export type SubscriptionInput = z.output<typeof SubscriptionInput>;
export type SubscriptionPatch = z.output<typeof SubscriptionPatch>;
export type Delivery = z.infer<typeof Delivery>;
export type TestOutcome = z.infer<typeof TestOutcome>;
