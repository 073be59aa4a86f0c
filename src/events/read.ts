import { eq } from 'drizzle-orm';
import type pg from 'pg';
import type { Db } from '../db/database.ts';
import { outbox } from './schema.ts';

/**
 * The outbox as other domains may read it: the automation dry run replays a past event. The outbox
 * keeps events for a while after delivery (pruneOutbox), so an old one may be gone.
 */

export interface StoredEvent {
  id: string;
  topic: string;
  payload: Record<string, unknown>;
  createdAt: Date;
}

/** One event by its id, or undefined when there is none (never written, or pruned). */
export async function outboxEvent(db: Pick<Db, 'select'>, id: string): Promise<StoredEvent | undefined> {
  const [row] = await db.select({ id: outbox.id, topic: outbox.topic, payload: outbox.payload, createdAt: outbox.createdAt }).from(outbox).where(eq(outbox.id, id));
  return row;
}

/** Whether `consumer` has not handled the event yet (an SQL condition; the event id an SQL expression). */
export function notConsumedSql(consumer: string, eventId: string): string {
  if (!/^[a-z-]+$/.test(consumer)) throw new Error(`consumer names are lower-case words: ${consumer}`);
  return `NOT EXISTS (SELECT 1 FROM outbox_consumed c WHERE c.consumer = '${consumer}' AND c.event_id = ${eventId})`;
}

/** Marks events handled by `consumer`, in the transaction that handled them. */
export async function markConsumed(client: Pick<pg.PoolClient, 'query'>, consumer: string, eventIds: readonly string[]): Promise<void> {
  if (eventIds.length) await client.query(`INSERT INTO outbox_consumed (consumer, event_id) SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING`, [consumer, eventIds]);
}

/** Forgets what was handled more than a day ago (consumers look back a minute). */
export async function pruneConsumed(pool: Pick<pg.Pool, 'query'>): Promise<void> {
  await pool.query(`DELETE FROM outbox_consumed WHERE at < now() - interval '1 day'`);
}
