import { createHash, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { childrenSql, groupIdsOfSystemSql, membershipSql, parentsSql, systemNameSql } from '../catalog/read.ts';
import { notificationPolicies } from '../checks/read.ts';
import { consumePage, cursorRow, type ConsumerState } from '../events/consumer.ts';
import { INCIDENT_CREATED, INCIDENT_UPDATED, MAINTENANCE_ENDED, SYSTEM_HEALTH_CHANGED, type HealthChangePayload, type Payload } from '../events/topics.ts';
import { failingChecks, lastLeftHealthySql, rollupStatusSql, viewState } from '../health/read.ts';
import { inTransaction } from '../db/transaction.ts';
import type { Logger } from '../kernel/log.ts';
import type { NotificationMessage, Status } from './channels/types.ts';
import { channelType } from './channels/registry.ts';
import { buildIncidentMessage, buildMessage, wants } from './message.ts';
import { decide, plannedSend, policyForChange, reminderDue, transitionOf, type Decision, type PolicyFields } from './policy.ts';

const CURSOR = 'deliveries';
/** Its name in outbox_consumed. */
const CONSUMER = 'notifications';
/** Pages one plan() reads at most (a page is BATCH events). */
const MAX_PAGES = 50;
/** Suppressions that hold an alert until they end (policy.ts `decide`); a muted de-escalation is not held. */
const HELD_REASONS_SQL = `d.reason LIKE 'parent % is unhealthy' OR d.reason LIKE 'maintenance % is active' OR d.reason LIKE 'incident % is open'`;
const BATCH = 200;
/** Re-notification is looked for at most this often (each pass may run every second). */
const REMINDER_EVERY_MS = 30_000;
/** Reminders look back this far for the last message about a view. */
const REMINDER_HORIZON = '7 days';

/** What suppresses notifications, read from other domains; app.ts wires maintenance and incidents in. */
export interface SuppressionLookups {
  /** Systems in an active maintenance window that suppresses notifications at `at`. */
  maintenance(systemIds: readonly string[], at: Date): Promise<Map<string, { title: string; suppressNotifications: boolean }>>;
  /** Systems with an open incident that suppresses notifications. */
  incidents(systemIds: readonly string[]): Promise<Map<string, { title: string }>>;
}

export interface PlannerOptions {
  log: Logger;
  publicUrl?: string;
  /** Events read per query (default 500). */
  batch?: number;
  /** The platform's notification policy, under each assignment's (SPEC §6.2). */
  platformPolicy?: PolicyFields;
  /** Grouping window for channels that set none, and for email to users (default 10; 0 = off). */
  groupWindowSeconds?: number;
  lookups?: Partial<SuppressionLookups>;
}

interface SubscriptionRow {
  id: string;
  channel_id: string | null;
  user_id: string | null;
  on: string[];
  environment_ids: string[] | null;
}

interface Recipient {
  channelId: string | null;
  userId: string | null;
}

interface NewDelivery extends Recipient {
  eventId: string;
  subscriptionId: string;
  systemId: string | null;
  environmentId: string | null;
  kind: 'alert' | 'recovery' | 'reminder' | 'incident';
  status: Status | null;
  topic: string;
  message: (id: string) => NotificationMessage;
  decision: Decision;
  /** Grouped with others to the same recipient (status changes); incidents go at once. */
  groupable: boolean;
}

/** A stable UUID-shaped id from parts: a released alert or a reminder has the same key on every planner. */
export function derivedId(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${((parseInt(hex.slice(16, 18), 16) & 0x3f) | 0x80).toString(16)}${hex.slice(18, 20)}-${hex.slice(20, 32)}`;
}

/**
 * Turns status changes and incidents into deliveries, durably and once (issue 19): it reads the
 * events the recorder (or the incident service) wrote to the outbox in the transaction of each
 * change, finds the subscriptions that want each one, decides whether each is sent or suppressed
 * (policy.ts) and when (grouping), and inserts one delivery per (event × subscription) — the
 * unique key makes a second reader, or a second pass over the same event, a no-op. One process
 * plans at a time (the cursor row's lock); any number may try. It also sends the alerts a parent's
 * outage held back once the parent recovers, and reminders while a view stays unhealthy.
 */
export class NotificationPlanner {
  private lastReminderPass = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: PlannerOptions,
  ) {}

  /**
   * Plans every event since the cursor, one page per transaction (what a page planned can be sent
   * while the next is planned), then reminders when due; answers the deliveries created.
   */
  async plan(now = new Date()): Promise<number> {
    let created = 0;
    const state: PlanState = { after: 0 };
    for (let page = 0; page < MAX_PAGES; page++) {
      const result = await this.planPage(now, state);
      if (!result) return created; // another planner holds the cursor
      created += result.created;
      if (!result.more) break;
    }
    return created + (await this.remindIfDue(now));
  }

  /**
   * One page of events: each planned in a savepoint (one that fails is said and tried again next
   * pass, the cursor waiting for it, never holding back the others), marked consumed with its
   * deliveries. Undefined when another planner holds the cursor. `state` carries the page position
   * and any stuck event from page to page.
   */
  async planPage(now: Date, state: PlanState): Promise<{ created: number; more: boolean } | undefined> {
    const page = await consumePage(
      this.pool,
      {
        consumer: CONSUMER,
        topics: [SYSTEM_HEALTH_CHANGED, INCIDENT_CREATED, INCIDENT_UPDATED, MAINTENANCE_ENDED],
        batch: this.options.batch ?? BATCH,
        cursor: cursorRow('notification_cursor', CURSOR),
        prepare: async (client) => new Pass(client, this.pool, this.options, now),
        handle: async (_client, event, pass) => {
          let count: number;
          if (event.topic === SYSTEM_HEALTH_CHANGED) count = await pass.change(event.id, event.payload as HealthChangePayload);
          else if (event.topic === MAINTENANCE_ENDED) count = await pass.releaseHeld(event.id, (event.payload as Payload<'maintenance.ended'>).systemIds);
          else count = await pass.incident(event.id, event.payload as Payload<'incident.created'>, event.topic === INCIDENT_CREATED);
          return { count, done: true };
        },
        log: this.options.log,
        failure: 'Could not plan the notifications of an event; it is tried again next pass',
      },
      state,
    );
    return page && { created: page.count, more: page.more };
  }

  /** Reminders (re-notify), at most every half minute per process; answers the deliveries created. */
  async remindIfDue(now = new Date()): Promise<number> {
    if (now.getTime() - this.lastReminderPass < REMINDER_EVERY_MS) return 0;
    this.lastReminderPass = now.getTime();
    try {
      return await inTransaction(this.pool, async (client) => {
        // Under the cursor's lock, so two planners never remind at once.
        const { rows } = await client.query(`SELECT 1 FROM notification_cursor WHERE name = $1 FOR UPDATE SKIP LOCKED`, [CURSOR]);
        return rows.length ? new Pass(client, this.pool, this.options, now).reminders() : 0;
      });
    } catch (error) {
      this.options.log.error({ err: error }, 'Could not plan reminders; they are tried again in half a minute');
      return 0;
    }
  }
}

/** Where a pass is (events/consumer.ts). */
export type PlanState = ConsumerState;

/** One planning pass, inside the cursor's transaction: caches what several events share. */
class Pass {
  private readonly windows = new Map<string, number>();

  constructor(
    private readonly client: pg.PoolClient,
    private readonly pool: pg.Pool,
    private readonly options: PlannerOptions,
    private readonly now: Date,
  ) {}

  /** A status change of a view: its subscribers' deliveries, and the alerts its recovery releases. */
  async change(eventId: string, change: HealthChangePayload): Promise<number> {
    const status = change.newStatus ?? 'healthy';
    const environmentId = change.environmentId ?? null;
    let created = 0;
    const todo = await this.unplanned(eventId, await this.wanting(change.systemId, environmentId, status));
    if (todo.length) {
      const failing = status === 'healthy' ? [] : await failingChecks(this.pool, change.systemId, environmentId);
      const policy = await this.policy(change.systemId, failing);
      const decision = await this.decision(change.systemId, transitionOf(change.previousStatus, status), policy, new Date(change.timestamp));
      const message = await this.changeMessage(change.systemId, environmentId, change.previousStatus, status, change.timestamp, change.systemName, failing);
      created += await this.insert(
        todo.map((subscription) => ({
          eventId,
          subscriptionId: subscription.id,
          channelId: subscription.channel_id,
          userId: subscription.user_id,
          systemId: change.systemId,
          environmentId,
          kind: status === 'healthy' ? 'recovery' : 'alert',
          status,
          topic: SYSTEM_HEALTH_CHANGED,
          message,
          decision,
          groupable: true,
        })),
      );
    }
    if (status === 'healthy' && environmentId === null) {
      const { rows: children } = await this.client.query<{ id: string }>(`SELECT id FROM ${childrenSql('$1')} c`, [change.systemId]);
      created += await this.releaseHeld(eventId, children.map((child) => child.id));
    }
    return created;
  }

  /**
   * Something that held alerts back is over — a parent's rollup recovered (SPEC §3.7), a
   * maintenance window ended, an incident was resolved: each of `systemIds` whose alert was held
   * and that is still not healthy, with nothing else holding it now, is told, once (the held rows
   * are marked released). One still held by something else waits for that to end.
   */
  async releaseHeld(eventId: string, systemIds: readonly string[]): Promise<number> {
    if (!systemIds.length) return 0;
    const { rows: held } = await this.client.query<{ id: string; subscription_id: string; channel_id: string | null; user_id: string | null; system_id: string; environment_id: string | null; on: string[] }>(
      `SELECT DISTINCT ON (d.subscription_id, d.system_id, d.environment_id) d.id, d.subscription_id, d.channel_id, d.user_id, d.system_id, d.environment_id, s."on"
         FROM notification_deliveries d JOIN subscriptions s ON s.id = d.subscription_id
        WHERE d.system_id = ANY($1::uuid[]) AND d.state = 'suppressed' AND d.released_at IS NULL AND (${HELD_REASONS_SQL})
        ORDER BY d.subscription_id, d.system_id, d.environment_id, d.created_at DESC`,
      [systemIds],
    );
    let created = 0;
    for (const row of held) {
      const state = await viewState(this.client, row.system_id, row.environment_id);
      const decision = state && state.status !== 'healthy' ? await this.decision(row.system_id, 'escalation', await this.policy(row.system_id, []), this.now) : undefined;
      if (decision && !decision.send) continue;
      await this.client.query(
        `UPDATE notification_deliveries d SET released_at = $4 WHERE system_id = $1 AND subscription_id = $2 AND environment_id IS NOT DISTINCT FROM $3
            AND state = 'suppressed' AND released_at IS NULL AND (${HELD_REASONS_SQL})`,
        [row.system_id, row.subscription_id, row.environment_id, this.now],
      );
      // Recovered meanwhile (its recovery was sent), or now in a status the subscriber does not ask for.
      if (!state || !decision || !wants({ on: row.on, environmentIds: null }, { environmentId: null, status: state.status })) continue;
      const failing = await failingChecks(this.pool, row.system_id, row.environment_id);
      const message = await this.changeMessage(row.system_id, row.environment_id, 'healthy', state.status, state.since.toISOString(), '', failing);
      created += await this.insert([
        {
          eventId: derivedId(eventId, 'released', row.id),
          subscriptionId: row.subscription_id,
          channelId: row.channel_id,
          userId: row.user_id,
          systemId: row.system_id,
          environmentId: row.environment_id,
          kind: 'alert',
          status: state.status,
          topic: SYSTEM_HEALTH_CHANGED,
          message,
          decision,
          groupable: true,
        },
      ]);
    }
    return created;
  }

  /** An incident opened or updated: every subscriber of its systems (their rollup subscriptions) is told, at once. */
  async incident(eventId: string, incident: Payload<'incident.created'>, created: boolean): Promise<number> {
    const bySubscription = new Map<string, SubscriptionRow & { systemId: string }>();
    for (const systemId of incident.systemIds) {
      for (const subscription of await this.subscriptionsOf(systemId)) {
        if (subscription.environment_ids === null && !bySubscription.has(subscription.id)) bySubscription.set(subscription.id, { ...subscription, systemId });
      }
    }
    // A resolved incident no longer holds its systems' alerts: those still failing are told after it.
    const release = () => (incident.status === 'resolved' ? this.releaseHeld(eventId, incident.systemIds) : Promise.resolve(0));
    const todo = await this.unplanned(eventId, [...bySubscription.values()]);
    if (!todo.length) return release();
    const { rows: names } = await this.client.query<{ id: string; name: string | null }>(`SELECT u.id, ${systemNameSql('u.id')} AS name FROM unnest($1::uuid[]) AS u(id)`, [incident.systemIds]);
    const systems = names.map((row) => ({ id: row.id, name: row.name ?? row.id }));
    const told = await this.insert(
      todo.map((subscription) => ({
        eventId,
        subscriptionId: subscription.id,
        channelId: subscription.channel_id,
        userId: subscription.user_id,
        systemId: (subscription as SubscriptionRow & { systemId: string }).systemId,
        environmentId: null,
        kind: 'incident',
        status: null,
        topic: created ? INCIDENT_CREATED : INCIDENT_UPDATED,
        message: (id) =>
          buildIncidentMessage({
            deliveryId: id,
            incident: { id: incident.incidentId, title: incident.title, severity: incident.severity, status: incident.status },
            message: incident.message,
            created,
            systems,
            at: incident.timestamp,
            ...(this.options.publicUrl ? { publicUrl: this.options.publicUrl } : {}),
          }),
        decision: { send: true },
        groupable: false,
      })),
    );
    return told + (await release());
  }

  /**
   * Re-notification (SPEC §6.2, `renotifyMinutes`): for each view whose last message to a
   * subscriber was an alert or a reminder that is now old enough, and that is still not healthy,
   * a reminder. Its id is derived from the message it follows, so it is planned once.
   */
  async reminders(): Promise<number> {
    const { rows: last } = await this.client.query<{ id: string; subscription_id: string; channel_id: string | null; user_id: string | null; system_id: string; environment_id: string | null; kind: string; state: string; created_at: Date; on: string[] }>(
      `SELECT l.*, s."on" FROM (
         SELECT DISTINCT ON (subscription_id, system_id, environment_id) id, subscription_id, channel_id, user_id, system_id, environment_id, kind, state, greatest(created_at, planned_for) AS created_at
           FROM notification_deliveries
          WHERE subscription_id IS NOT NULL AND kind IN ('alert', 'recovery', 'reminder') AND created_at > now() - interval '${REMINDER_HORIZON}'
          ORDER BY subscription_id, system_id, environment_id, created_at DESC) l
         JOIN subscriptions s ON s.id = l.subscription_id
        WHERE l.kind IN ('alert', 'reminder') AND l.state NOT IN ('suppressed', 'cancelled')`,
    );
    let created = 0;
    for (const row of last) {
      const state = await viewState(this.client, row.system_id, row.environment_id);
      if (!state || state.status === 'healthy' || !wants({ on: row.on, environmentIds: row.environment_id === null ? null : [row.environment_id] }, { environmentId: row.environment_id, status: state.status })) continue;
      const failing = await failingChecks(this.pool, row.system_id, row.environment_id);
      const policy = await this.policy(row.system_id, failing);
      if (!reminderDue({ status: state.status, renotifyMinutes: policy.renotifyMinutes, lastToldAt: row.created_at.getTime(), now: this.now.getTime() })) continue;
      const decision = await this.decision(row.system_id, 'escalation', policy, this.now);
      const base = await this.changeMessage(row.system_id, row.environment_id, 'healthy', state.status, state.since.toISOString(), '', failing, { now: this.now.toISOString() });
      created += await this.insert([
        {
          eventId: derivedId(row.id, 'reminder'),
          subscriptionId: row.subscription_id,
          channelId: row.channel_id,
          userId: row.user_id,
          systemId: row.system_id,
          environmentId: row.environment_id,
          kind: 'reminder',
          status: state.status,
          topic: SYSTEM_HEALTH_CHANGED,
          message: base,
          decision,
          groupable: true,
        },
      ]);
    }
    return created;
  }

  /**
   * The policy for a change: that of the checks whose newest run fails, or — when none does (a
   * window-mode check turns degraded with a healthy newest run) — of all the system's checks.
   */
  private async policy(systemId: string, failing: { configurationId: string }[]) {
    const policies = await notificationPolicies(this.pool, systemId, failing.length ? failing.map((check) => check.configurationId) : null);
    return policyForChange(policies, this.options.platformPolicy);
  }

  private subscriptionsOf(systemId: string): Promise<SubscriptionRow[]> {
    return this.client
      .query<SubscriptionRow>(`SELECT id, channel_id, user_id, "on", environment_ids FROM subscriptions WHERE system_id = $1 OR group_id IN ${groupIdsOfSystemSql('$1')} ORDER BY created_at, id`, [systemId])
      .then((result) => result.rows);
  }

  /** The subscriptions that want this change, one per recipient (a system and a group subscription to one channel send once). */
  private async wanting(systemId: string, environmentId: string | null, status: Status): Promise<SubscriptionRow[]> {
    const recipients = new Set<string>();
    return (await this.subscriptionsOf(systemId)).filter((subscription) => {
      if (!wants({ on: subscription.on, environmentIds: subscription.environment_ids }, { environmentId, status })) return false;
      const key = subscription.channel_id ?? `user:${subscription.user_id}`;
      if (recipients.has(key)) return false;
      recipients.add(key);
      return true;
    });
  }

  /** Those not planned yet for this event (a second pass over the same event plans nothing). */
  private async unplanned<T extends SubscriptionRow>(eventId: string, wanted: T[]): Promise<T[]> {
    if (!wanted.length) return [];
    const { rows } = await this.client.query<{ subscription_id: string }>(`SELECT subscription_id FROM notification_deliveries WHERE event_id = $1`, [eventId]);
    const planned = new Set(rows.map((row) => row.subscription_id));
    return wanted.filter((subscription) => !planned.has(subscription.id));
  }

  /** Reads what suppresses a system's notifications and decides; a lookup that fails suppresses nothing (fail open, logged). */
  private async decision(systemId: string, transition: ReturnType<typeof transitionOf>, policy: ReturnType<typeof policyForChange>, at: Date): Promise<Decision> {
    const lookups = this.options.lookups ?? {};
    const [maintenance, incident] = await Promise.all([
      this.lookup('maintenance', systemId, () => lookups.maintenance?.([systemId], at)),
      this.lookup('incident', systemId, () => lookups.incidents?.([systemId])),
    ]);
    const { rows: parents } = await this.client.query<{ name: string }>(
      `SELECT p.name FROM ${parentsSql('$1')} p WHERE ${rollupStatusSql('p.id')} = 'unhealthy' ORDER BY lower(p.name)`,
      [systemId],
    );
    const window = maintenance?.suppressNotifications ? maintenance : undefined;
    return decide({ transition, policy, maintenance: window, incident, unhealthyParents: parents.map((p) => p.name) });
  }

  private async lookup<T>(what: string, systemId: string, read: () => Promise<Map<string, T>> | undefined): Promise<T | undefined> {
    try {
      return (await read())?.get(systemId);
    } catch (error) {
      this.options.log.warn({ err: error, systemId }, `Could not read the ${what} of a system; its notification is sent (fail open)`);
      return undefined;
    }
  }

  /** The message about a view's change, as a function of its delivery id (the idempotency key it carries). */
  private async changeMessage(
    systemId: string,
    environmentId: string | null,
    previousStatus: Status,
    status: Status,
    at: string,
    fallbackName: string,
    failing: { name: string; message: string }[],
    reminder?: { now: string },
  ): Promise<(id: string) => NotificationMessage> {
    const { rows } = await this.client.query<{ name: string | null; environments: { id: string; name: string }[]; down_since: Date | null }>(
      `SELECT ${systemNameSql('$1')} AS name, ${membershipSql('$1')} AS environments, ${lastLeftHealthySql('$1', '$2::uuid')} AS down_since`,
      [systemId, environmentId],
    );
    const facts = rows[0];
    const environment = environmentId ? (facts?.environments.find((e) => e.id === environmentId) ?? { id: environmentId, name: environmentId }) : null;
    return (id) =>
      buildMessage({
        deliveryId: id,
        system: { id: systemId, name: facts?.name ?? (fallbackName || systemId) },
        environment,
        previousStatus,
        status,
        at,
        ...(facts?.down_since && status === 'healthy' ? { downSince: facts.down_since.toISOString() } : {}),
        failingChecks: failing.map((check) => ({ name: check.name, message: check.message })),
        ...(this.options.publicUrl ? { publicUrl: this.options.publicUrl } : {}),
        ...(reminder ? { reminder } : {}),
      });
  }

  /** Inserts the deliveries: suppressed ones finished with their reason, the rest pending at the time grouping plans. */
  private async insert(deliveries: NewDelivery[]): Promise<number> {
    let created = 0;
    for (const delivery of deliveries) {
      const id = randomUUID();
      const message = delivery.message(id);
      const sent = delivery.decision.send;
      const at = sent ? await this.plannedFor(delivery) : this.now;
      const { rowCount } = await this.client.query(
        `INSERT INTO notification_deliveries (id, event_id, subscription_id, channel_id, user_id, system_id, environment_id, kind, status, topic, message,
                                              state, reason, finished_at, next_attempt_at, planned_for, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, clock_timestamp()) ON CONFLICT ON CONSTRAINT notification_deliveries_once_key DO NOTHING`,
        [
          id, delivery.eventId, delivery.subscriptionId, delivery.channelId, delivery.userId, delivery.systemId, delivery.environmentId, delivery.kind,
          delivery.status, delivery.topic, message, sent ? 'pending' : 'suppressed', sent ? null : (delivery.decision as { reason: string }).reason,
          sent ? null : this.now, at,
        ],
      );
      created += rowCount ?? 0;
    }
    return created;
  }

  /** When grouping sends this one: at once on a quiet recipient, else with those held (policy.ts `plannedSend`). */
  private async plannedFor(delivery: NewDelivery): Promise<Date> {
    const windowMs = delivery.groupable ? await this.windowMs(delivery) : 0;
    if (windowMs <= 0) return this.now;
    const { rows } = await this.client.query<{ last: Date | null }>(
      `SELECT max(planned_for) AS last FROM notification_deliveries
        WHERE ${delivery.channelId ? 'channel_id = $1' : 'user_id = $1'} AND kind <> 'incident' AND state NOT IN ('suppressed', 'cancelled')
          AND created_at > $2::timestamptz - make_interval(secs => $3::float8 / 1000)`,
      [delivery.channelId ?? delivery.userId, this.now, windowMs],
    );
    return new Date(plannedSend(this.now.getTime(), windowMs, rows[0]?.last?.getTime() ?? null));
  }

  private async windowMs(recipient: Recipient): Promise<number> {
    const fallback = (this.options.groupWindowSeconds ?? 10) * 1000;
    if (!recipient.channelId) return fallback;
    let window = this.windows.get(recipient.channelId);
    if (window === undefined) {
      const { rows } = await this.client.query<{ type: string; group_window_seconds: number | null }>(`SELECT type, group_window_seconds FROM notification_channels WHERE id = $1`, [recipient.channelId]);
      const row = rows[0];
      window = !row || channelType(row.type)?.groupable === false ? 0 : row.group_window_seconds === null ? fallback : row.group_window_seconds * 1000;
      this.windows.set(recipient.channelId, window);
    }
    return window;
  }
}
