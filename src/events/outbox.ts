import type pg from 'pg';
import type { Logger } from '../kernel/log.ts';
import type { EventBus } from './bus.ts';
import { isTopic, type BusEvent } from './topics.ts';

/**
 * Publishes events written to the outbox in the same transaction as the change they announce
 * (SPEC §4.4). A publish failure never undoes the change: the row stays pending and a later sweep
 * (on any process, after a crash or restart too) delivers it. At-least-once; consumers dedupe by id.
 */
export class OutboxRelay {
  private timer?: NodeJS.Timeout;
  private sweeping?: Promise<void>;

  constructor(
    private readonly pool: pg.Pool,
    private readonly bus: EventBus,
    private readonly log: Logger,
    private readonly sweepMs = 2_000,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.sweep(), this.sweepMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.sweeping;
  }

  /** Delivers the given just-committed events now (the fast path after a change). */
  async deliver(ids: string[]): Promise<void> {
    if (ids.length) await this.publishPending('id = ANY($1::uuid[])', [ids]);
  }

  /** Delivers whatever is still pending, oldest first. */
  sweep(): Promise<void> {
    this.sweeping ??= this.publishPending('true', []).finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async publishPending(where: string, params: unknown[]): Promise<void> {
    let client: pg.PoolClient | undefined;
    try {
      client = await this.pool.connect();
      await client.query('BEGIN');
      // SKIP LOCKED: two processes sweeping at once each take different rows.
      const { rows } = await client.query<{ id: string; topic: string; payload: Record<string, unknown> }>(
        `SELECT id, topic, payload FROM outbox WHERE delivered_at IS NULL AND ${where}
         ORDER BY seq LIMIT 500 FOR UPDATE SKIP LOCKED`,
        params,
      );
      const delivered: string[] = [];
      for (const row of rows) {
        // Rows were written by typed code in this process's transaction; a topic this version does
        // not know (written by a newer one, say) is marked delivered and said once.
        if (isTopic(row.topic)) await this.bus.publish({ id: row.id, topic: row.topic, payload: row.payload } as BusEvent);
        else this.log.warn({ id: row.id, topic: row.topic }, 'Dropped an outbox event of an unknown topic');
        delivered.push(row.id);
      }
      if (delivered.length) await client.query('UPDATE outbox SET delivered_at = now() WHERE id = ANY($1::uuid[])', [delivered]);
      await client.query('COMMIT');
    } catch (error) {
      await client?.query('ROLLBACK').catch(() => undefined);
      this.log.warn({ err: error }, 'Could not publish pending events; will retry');
    } finally {
      client?.release();
    }
  }
}

/**
 * Writes events to the outbox with the client of the transaction making the change they announce;
 * answers their ids for OutboxRelay.deliver after commit.
 */
export async function writeOutbox(client: Pick<pg.PoolClient, 'query'>, events: Omit<BusEvent, 'id'>[]): Promise<string[]> {
  if (!events.length) return [];
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO outbox (topic, payload) SELECT e->>'topic', e->'payload' FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(e, n) ORDER BY n RETURNING id`,
    [JSON.stringify(events)],
  );
  return rows.map((row) => row.id);
}

/**
 * Deletes delivered events older than `olderThan`, `batch` at a time; answers how many went. The
 * outbox is a queue, not a history: durable consumers (notifications) read at most minutes back.
 * Events never delivered stay, whatever their age.
 */
export async function pruneOutbox(pool: pg.Pool, olderThan: Date, batch = 5_000): Promise<number> {
  let total = 0;
  for (;;) {
    const { rowCount } = await pool.query(
      `DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE delivered_at IS NOT NULL AND created_at < $1 LIMIT $2)`,
      [olderThan, batch],
    );
    total += rowCount ?? 0;
    if ((rowCount ?? 0) < batch) return total;
  }
}
