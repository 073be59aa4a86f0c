import { sql } from 'drizzle-orm';
import { bigserial, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
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
