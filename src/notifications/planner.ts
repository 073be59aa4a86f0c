import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { groupIdsOfSystemSql, membershipSql, systemNameSql } from '../catalog/read.ts';
import { SYSTEM_HEALTH_CHANGED, type HealthChangePayload } from '../events/topics.ts';
import { failingChecks, lastLeftHealthySql } from '../health/read.ts';
import type { Logger } from '../kernel/log.ts';
import { buildMessage, wants } from './message.ts';

const CURSOR = 'deliveries';
/** Events are read again from this long before the cursor: a transaction that committed late is still seen. */
const OVERLAP_MS = 60_000;
const BATCH = 500;

interface SubscriptionRow {
  id: string;
  channel_id: string;
  on: string[];
  environment_ids: string[] | null;
}

/**
 * Turns status changes into deliveries, durably and once (issue 19): it reads the change events
 * the recorder wrote to the outbox in the transaction of each transition, finds the subscriptions
 * that want each one, and inserts one delivery per (event × subscription) — the unique key makes
 * a second reader, or a second pass over the same event, a no-op. One process plans at a time
 * (the cursor row's lock); any number may try.
 */
export class NotificationPlanner {
  constructor(
    private readonly pool: pg.Pool,
    private readonly options: { log: Logger; publicUrl?: string; /** Events read per query (default 500). */ batch?: number },
  ) {}

  /** Plans every event since the cursor; answers the deliveries created. */
  async plan(): Promise<number> {
    const client = await this.pool.connect();
    let created = 0;
    try {
      await client.query('BEGIN');
      await client.query(`INSERT INTO notification_cursor (name, until) VALUES ($1, now()) ON CONFLICT (name) DO NOTHING`, [CURSOR]);
      // NOWAIT-free but non-blocking: a second planner skips the pass rather than queueing behind the first.
      const { rows: cursor } = await client.query<{ until: Date }>(`SELECT until FROM notification_cursor WHERE name = $1 FOR UPDATE SKIP LOCKED`, [CURSOR]);
      if (!cursor.length) {
        await client.query('ROLLBACK');
        return 0;
      }
      const from = new Date(cursor[0]!.until.getTime() - OVERLAP_MS);
      const batch = this.options.batch ?? BATCH;
      // Pages by seq, so a burst larger than a page still moves on (a row committed meanwhile
      // behind the page is read by the next pass: it starts a minute back).
      let after = 0;
      for (;;) {
        const { rows: events } = await client.query<{ id: string; seq: string; payload: HealthChangePayload }>(
          `SELECT id, seq, payload FROM outbox WHERE topic = $1 AND created_at >= $2 AND seq > $3 ORDER BY seq LIMIT $4`,
          [SYSTEM_HEALTH_CHANGED, from, after, batch],
        );
        for (const event of events) created += await this.planEvent(client, event.id, event.payload);
        if (events.length < batch) break;
        after = Number(events.at(-1)!.seq);
      }
      const until = new Date(Math.max(cursor[0]!.until.getTime(), Date.now() - OVERLAP_MS));
      await client.query(`UPDATE notification_cursor SET until = greatest(until, $2) WHERE name = $1`, [CURSOR, until]);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    return created;
  }

  private async planEvent(client: pg.PoolClient, eventId: string, change: HealthChangePayload): Promise<number> {
    const status = change.newStatus ?? 'healthy';
    const environmentId = change.environmentId ?? null;
    const { rows: candidates } = await client.query<SubscriptionRow>(
      `SELECT id, channel_id, "on", environment_ids FROM subscriptions
        WHERE system_id = $1 OR group_id IN ${groupIdsOfSystemSql('$1')}`,
      [change.systemId],
    );
    const wanted = candidates.filter((s) => wants({ on: s.on, environmentIds: s.environment_ids }, { environmentId, status }));
    if (!wanted.length) return 0;
    // Already planned (a second pass over the same event): nothing more to read or write.
    const { rows: planned } = await client.query<{ subscription_id: string }>(`SELECT subscription_id FROM notification_deliveries WHERE event_id = $1`, [eventId]);
    const todo = wanted.filter((s) => !planned.some((p) => p.subscription_id === s.id));
    if (!todo.length) return 0;
    const { rows: facts } = await client.query<{ name: string | null; environments: { id: string; name: string }[]; down_since: Date | null }>(
      `SELECT ${systemNameSql('$1')} AS name, ${membershipSql('$1')} AS environments,
              ${lastLeftHealthySql('$1', '$2::uuid')} AS down_since`,
      [change.systemId, environmentId],
    );
    const environment = environmentId ? (facts[0]?.environments.find((e) => e.id === environmentId) ?? { id: environmentId, name: environmentId }) : null;
    const failing = status === 'healthy' ? [] : await failingChecks(this.pool, change.systemId, environmentId);
    let created = 0;
    for (const subscription of todo) {
      const id = randomUUID();
      const message = buildMessage({
        deliveryId: id,
        system: { id: change.systemId, name: facts[0]?.name ?? change.systemName },
        environment,
        previousStatus: change.previousStatus,
        status,
        at: change.timestamp,
        ...(facts[0]?.down_since ? { downSince: facts[0].down_since.toISOString() } : {}),
        failingChecks: failing.map((check) => ({ name: check.name, message: check.message })),
        ...(this.options.publicUrl ? { publicUrl: this.options.publicUrl } : {}),
      });
      const { rowCount } = await client.query(
        `INSERT INTO notification_deliveries (id, event_id, subscription_id, channel_id, system_id, topic, message, state)
         VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending') ON CONFLICT ON CONSTRAINT notification_deliveries_once_key DO NOTHING`,
        [id, eventId, subscription.id, subscription.channel_id, change.systemId, SYSTEM_HEALTH_CHANGED, message],
      );
      created += rowCount ?? 0;
    }
    return created;
  }
}
