import type pg from 'pg';
import { inTransaction } from '../db/transaction.ts';
import type { Logger } from '../kernel/log.ts';
import { markConsumed, notConsumedSql } from './read.ts';

/**
 * One page of a durable outbox consumer (the notification planner, the automation runner), the
 * part they share: under the consumer's cursor (its own table's row, locked SKIP LOCKED so one
 * process reads at a time), the events of its topics from a minute before the cursor — a late
 * commit is still seen — that it has not handled yet, each handled in a savepoint. One that throws
 * is rolled back alone, said, and tried again next pass; the cursor waits behind it. Handled
 * events are marked consumed in the same transaction as what they did.
 */

/** Events are read again from this long before the cursor: a transaction that committed late is still seen. */
const OVERLAP_MS = 60_000;

export interface OutboxEvent {
  id: string;
  seq: string;
  topic: string;
  payload: Record<string, unknown>;
  created_at: Date;
}

/** Where a pass is: past which outbox seq, and the oldest event it could not handle. */
export interface ConsumerState {
  after: number;
  stuckSince?: Date;
}

export interface ConsumerPage<Context> {
  /** Its name in outbox_consumed. */
  consumer: string;
  topics: readonly string[];
  batch: number;
  /** The consumer's own cursor row: locked (undefined when another process holds it) and saved. */
  cursor: { lock(client: pg.PoolClient): Promise<Date | undefined>; save(client: pg.PoolClient, until: Date): Promise<void> };
  /** What the page's events share (the rules, say); undefined: nothing to do, nothing is read. */
  prepare(client: pg.PoolClient): Promise<Context | undefined>;
  /** Handles one event: how much it did, and whether it is done (not done: kept, but tried again next pass). */
  handle(client: pg.PoolClient, event: OutboxEvent, context: Context): Promise<{ count: number; done: boolean }>;
  log: Logger;
  /** Said when an event throws. */
  failure: string;
}

/** One page; undefined when another process holds the cursor. */
export async function consumePage<Context>(pool: pg.Pool, page: ConsumerPage<Context>, state: ConsumerState): Promise<{ count: number; more: boolean } | undefined> {
  const started = Date.now();
  return inTransaction(pool, async (client) => {
    const until = await page.cursor.lock(client);
    if (!until) return undefined;
    const context = await page.prepare(client);
    const { rows: events } =
      context === undefined
        ? { rows: [] as OutboxEvent[] }
        : await client.query<OutboxEvent>(
            `SELECT id, seq, topic, payload, created_at FROM outbox o
              WHERE topic = ANY($1) AND created_at >= $2 AND seq > $3 AND ${notConsumedSql(page.consumer, 'o.id')} ORDER BY seq LIMIT $4`,
            [page.topics, new Date(until.getTime() - OVERLAP_MS), state.after, page.batch],
          );
    let count = 0;
    const consumed: string[] = [];
    for (const event of events) {
      await client.query('SAVEPOINT event');
      try {
        const handled = await page.handle(client, event, context as Context);
        await client.query('RELEASE SAVEPOINT event');
        count += handled.count;
        if (handled.done) consumed.push(event.id);
        else state.stuckSince ??= event.created_at;
      } catch (error) {
        await client.query('ROLLBACK TO SAVEPOINT event');
        page.log.error({ err: error, eventId: event.id, topic: event.topic }, page.failure);
        state.stuckSince ??= event.created_at;
      }
    }
    await markConsumed(client, page.consumer, consumed);
    if (events.length) state.after = Number(events.at(-1)!.seq);
    const more = events.length === page.batch;
    // To when this pass began once the backlog is read (never a simulated clock); behind an event that could not be handled.
    const next = state.stuckSince ? Math.min(until.getTime(), state.stuckSince.getTime()) : more ? until.getTime() : Math.max(until.getTime(), started);
    await page.cursor.save(client, new Date(next));
    return { count, more };
  });
}

/** A cursor kept in a consumer's own table `(name, until)`: created at first use, locked without waiting. */
export function cursorRow(table: string, name: string): ConsumerPage<unknown>['cursor'] {
  if (!/^[a-z_]+$/.test(table)) throw new Error(`cursor tables are lower-case names: ${table}`);
  return {
    async lock(client) {
      await client.query(`INSERT INTO ${table} (name, until) VALUES ($1, now()) ON CONFLICT (name) DO NOTHING`, [name]);
      const { rows } = await client.query<{ until: Date }>(`SELECT until FROM ${table} WHERE name = $1 FOR UPDATE SKIP LOCKED`, [name]);
      return rows[0]?.until;
    },
    async save(client, until) {
      await client.query(`UPDATE ${table} SET until = $2 WHERE name = $1`, [name, until]);
    },
  };
}
