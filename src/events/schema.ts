import { sql } from 'drizzle-orm';
import { bigserial, index, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id } from '../db/columns.ts';

/** Events written in the same transaction as the change they announce, published after commit (SPEC §4.4). */
export const outbox = pgTable(
  'outbox',
  {
    id: id(),
    /** Publication order: events of one transaction share created_at, and the directional one goes first. */
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    topic: text('topic').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    createdAt: createdAt(),
    deliveredAt: timestamp('delivered_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    index('outbox_pending_idx').on(t.seq).where(sql`delivered_at IS NULL`),
    // Durable consumers (notifications) read one topic's recent events.
    index('outbox_topic_created_idx').on(t.topic, t.createdAt),
  ],
);

/**
 * Which events a durable consumer (the notification planner, the automation runner) has handled:
 * each reads a minute back from its cursor, so that late commits are not missed, and leaves these
 * out in the query itself. Pruned after a day (the overlap is a minute).
 */
export const outboxConsumed = pgTable(
  'outbox_consumed',
  {
    consumer: text('consumer').notNull(),
    eventId: uuid('event_id').notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.consumer, t.eventId] }), index('outbox_consumed_at_idx').on(t.at)],
);
