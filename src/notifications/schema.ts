import { sql } from 'drizzle-orm';
import { boolean, check, index, integer, jsonb, pgTable, text, timestamp, unique, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from '../access/schema.ts';
import { groups, systems } from '../catalog/schema.ts';
import { createdAt, id, updatedAt } from '../db/columns.ts';
import type { SealedValue } from '../secrets/cipher.ts';

/**
 * Where notifications go (issue 19). `config` holds the fields anyone may read; the secret fields
 * (tokens, passwords, webhook URLs with keys) are sealed together in `sealed` with the secret key
 * (bound to the channel id), write-only through the API.
 */
export const notificationChannels = pgTable(
  'notification_channels',
  {
    id: id(),
    name: text('name').notNull(),
    type: text('type').notNull(),
    config: jsonb('config').$type<Record<string, unknown>>().notNull(),
    sealed: jsonb('sealed').$type<SealedValue | null>(),
    /** Which secret fields are set (their values are in `sealed`): they read "****". */
    sealedFields: text('sealed_fields').array().notNull().default([]),
    enabled: boolean('enabled').notNull().default(true),
    /** Changes reaching this channel within this many seconds go out as one message; null: the platform default (10), 0: off. */
    groupWindowSeconds: integer('group_window_seconds'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('notification_channels_name_key').on(sql`lower(${t.name})`)],
);

/** Who hears about which system's (or group's) changes, on which channel. */
export const subscriptions = pgTable(
  'subscriptions',
  {
    id: id(),
    systemId: uuid('system_id').references(() => systems.id, { onDelete: 'cascade' }),
    groupId: uuid('group_id').references(() => groups.id, { onDelete: 'cascade' }),
    /** Exactly one of a channel and a user (who gets email at their own address). */
    channelId: uuid('channel_id').references(() => notificationChannels.id, { onDelete: 'cascade' }),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
    /** `degraded`, `unhealthy`, `recovered`, or `any`. */
    on: text('on').array().notNull(),
    /** null: the system as a whole (its rollup); a list: changes of those environments. */
    environmentIds: jsonb('environment_ids').$type<string[] | null>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    index('subscriptions_system_idx').on(t.systemId),
    index('subscriptions_group_idx').on(t.groupId),
    check('subscriptions_one_target', sql`(${t.systemId} IS NULL) <> (${t.groupId} IS NULL)`),
    check('subscriptions_one_recipient', sql`(${t.channelId} IS NULL) <> (${t.userId} IS NULL)`),
  ],
);

/**
 * One message to one channel for one event and subscription: its id is the idempotency key every
 * attempt carries. Kept after the channel is deleted (cancelled), as the delivery log.
 */
export const notificationDeliveries = pgTable(
  'notification_deliveries',
  {
    id: id(),
    /** The outbox event this message announces. */
    eventId: uuid('event_id').notNull(),
    subscriptionId: uuid('subscription_id'),
    channelId: uuid('channel_id').references(() => notificationChannels.id, { onDelete: 'set null' }),
    /** A user's own email (a subscription with `userId`), instead of a channel. */
    userId: uuid('user_id'),
    systemId: uuid('system_id'),
    /** The view the change is about: null for the rollup. */
    environmentId: text('environment_id'),
    /** alert, recovery, reminder (re-notify), incident; test sends are not stored. */
    kind: text('kind').$type<'alert' | 'recovery' | 'reminder' | 'incident'>().notNull().default('alert'),
    /** The view's status the message announces (null for incidents). */
    status: text('status'),
    topic: text('topic').notNull(),
    message: jsonb('message').$type<Record<string, unknown>>().notNull(),
    /** pending → sending → delivered | failed; or suppressed / cancelled, with `reason`. */
    state: text('state').$type<'pending' | 'sending' | 'delivered' | 'failed' | 'suppressed' | 'cancelled'>().notNull(),
    reason: text('reason'),
    attempts: integer('attempts').notNull().default(0),
    /** Each attempt: when, HTTP status or error, the receiver's answer (cut). */
    attemptLog: jsonb('attempt_log').$type<Record<string, unknown>[]>().notNull().default([]),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /** When grouping planned its first attempt: at once, or held to the end of its channel's window. */
    plannedFor: timestamp('planned_for', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    /** A worker holds a delivery it is sending until then; past it, another may take it (a crashed worker's). */
    leaseUntil: timestamp('lease_until', { withTimezone: true, mode: 'date' }),
    /**
     * Grouping: the delivery whose message carried this one (itself for the one that was sent).
     * The members follow its state; the sent message's idempotency key is that delivery's id.
     */
    batchId: uuid('batch_id'),
    /** A delivery suppressed because a parent was unhealthy, sent later when the parent recovered: when. */
    releasedAt: timestamp('released_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    unique('notification_deliveries_once_key').on(t.eventId, t.subscriptionId),
    index('notification_deliveries_due_idx').on(t.nextAttemptAt).where(sql`state IN ('pending', 'sending')`),
    index('notification_deliveries_channel_idx').on(t.channelId, t.createdAt),
    index('notification_deliveries_system_idx').on(t.systemId, t.createdAt),
    index('notification_deliveries_batch_idx').on(t.batchId),
    index('notification_deliveries_user_idx').on(t.userId, t.createdAt).where(sql`user_id IS NOT NULL`),
  ],
);

/**
 * How far the planner has read the outbox: every event created before `until` has its deliveries.
 * It reads again from a minute before, so a transaction that committed late is not missed (the
 * deliveries' unique key makes reading an event twice harmless).
 */
export const notificationCursor = pgTable('notification_cursor', {
  name: text('name').primaryKey(),
  until: timestamp('until', { withTimezone: true, mode: 'date' }).notNull(),
});
