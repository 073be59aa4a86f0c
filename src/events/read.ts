import { eq } from 'drizzle-orm';
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
