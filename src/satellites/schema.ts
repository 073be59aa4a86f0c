import { sql } from 'drizzle-orm';
import { boolean, integer, jsonb, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { createdAt, id, updatedAt } from '../db/columns.ts';

/**
 * Remote agents that run assigned checks from elsewhere and push their runs (SPEC §1). Only the
 * sha256 of a satellite's token is kept: the table alone never yields a working credential.
 * `online` moves with heartbeats; the conditional update that flips it announces the change once.
 */
export const satellites = pgTable(
  'satellites',
  {
    id: id(),
    name: text('name').notNull(),
    location: text('location'),
    labels: jsonb('labels').$type<Record<string, string>>().notNull().default({}),
    tokenHash: text('token_hash').notNull(),
    online: boolean('online').notNull().default(false),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true, mode: 'date' }),
    /** What the agent said in its last heartbeat: its version, the runs waiting in its buffer, the runs its bound dropped. */
    version: text('version'),
    backlog: integer('backlog').notNull().default(0),
    dropped: integer('dropped').notNull().default(0),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('satellites_name_key').on(sql`lower(${t.name})`), uniqueIndex('satellites_token_hash_key').on(t.tokenHash)],
);
