import { jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { assignments } from '../checks/schema.ts';
import { createdAt } from '../db/columns.ts';
import type { SealedValue } from '../secrets/cipher.ts';

/**
 * One row per heartbeat assignment (SPEC §2.11): its ping token and what the lateness sweep
 * reads. The token is looked up by its sha256, so the table alone never yields a working URL; it
 * is also kept sealed under the secret key, so the assignment's answer can show its `pingUrl`.
 */
export const heartbeats = pgTable(
  'heartbeats',
  {
    assignmentId: uuid('assignment_id')
      .primaryKey()
      .references(() => assignments.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    tokenSealed: jsonb('token_sealed').$type<SealedValue>().notNull(),
    /** Set by /ping/<token>/start; the next success or failure takes its latency from it and clears it. */
    startedAt: timestamp('started_at', { withTimezone: true, mode: 'date' }),
    lastPingAt: timestamp('last_ping_at', { withTimezone: true, mode: 'date' }),
    /** The deadline of the newest "No ping" run recorded (its scheduledFor). */
    lastLateFor: timestamp('last_late_for', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('heartbeats_token_hash_key').on(t.tokenHash)],
);
