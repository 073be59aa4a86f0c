import { randomUUID } from 'node:crypto';
import { and, asc, desc, eq, gt, inArray, lt, or, sql, type SQL } from 'drizzle-orm';
import { recordChange } from '../access/audit.ts';
import { missingUsers } from '../access/read.ts';
import { MASK, maskSecrets, secretValuesAt } from '../definitions/mask.ts';
import { groupsOfSystems, missingEnvironments, missingSystems } from '../catalog/read.ts';
import type { Db } from '../db/database.ts';
import { translateDbError } from '../db/errors.ts';
import { cursorKey, toPage, type Page, type PageRequest } from '../db/pagination.ts';
import { missingReferences } from '../db/references.ts';
import { NotFoundError, ValidationError, formatPath, type ErrorDetail } from '../kernel/errors.ts';
import type { SecretCipher } from '../secrets/cipher.ts';
import { CHANNEL_TYPES, channelType } from './channels/registry.ts';
import type { AnyChannelType, NotificationMessage } from './channels/types.ts';
import type { Channel, ChannelInput, ChannelPatch, Delivery, Subscription, SubscriptionInput, SubscriptionPatch, TestOutcome } from './model.ts';
import { notificationChannels, notificationDeliveries, subscriptions } from './schema.ts';

const TEST_TIMEOUT_MS = 10_000;

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];

/**
 * Notification channels and subscriptions (issue 19). A channel's secret fields are sealed with
 * the secret key and never answered (they read "****"); the delivery log is read here too.
 */
export class NotificationsService {
  constructor(
    private readonly db: Db,
    private readonly cipher: SecretCipher,
    private readonly groupExists: (tx: Pick<Db, 'select'>, ids: string[], field: string) => Promise<ErrorDetail[]>,
  ) {}

  // ── channels ─────────────────────────────────────────────────────────────

  async listChannels(page: PageRequest): Promise<Page<Channel>> {
    const key = cursorKey(page);
    const rows = await this.db
      .select()
      .from(notificationChannels)
      .where(key === undefined ? undefined : gt(sql`lower(${notificationChannels.name})`, key))
      .orderBy(asc(sql`lower(${notificationChannels.name})`))
      .limit(page.limit + 1);
    return toPage(rows, page, (r) => r.name.toLowerCase(), toChannel);
  }

  async getChannel(id: string, db: Pick<Db, 'select'> = this.db): Promise<Channel> {
    return toChannel(await this.channelRow(id, db));
  }

  private async channelRow(id: string, db: Pick<Db, 'select'> = this.db) {
    const [row] = await db.select().from(notificationChannels).where(eq(notificationChannels.id, id));
    if (!row) throw new NotFoundError('Notification channel', id);
    return row;
  }

  async createChannel(input: ChannelInput): Promise<Channel> {
    const type = requireType(input.type);
    const config = parseConfig(type, input.config);
    const id = randomUUID();
    return this.db
      .transaction(async (tx) => {
        const [row] = await tx
          .insert(notificationChannels)
          .values({ id, name: input.name, type: type.type, enabled: input.enabled, groupWindowSeconds: input.groupWindowSeconds, ...this.split(type, config, id) })
          .returning();
        const channel = toChannel(row!);
        await recordChange(tx, { resourceType: 'notification_channel', resourceId: id, action: 'create', after: channel });
        return channel;
      })
      .catch(translateDbError);
  }

  async updateChannel(id: string, patch: ChannelPatch): Promise<Channel> {
    return this.db
      .transaction(async (tx) => {
        const [current] = await tx.select().from(notificationChannels).where(eq(notificationChannels.id, id)).for('update');
        if (!current) throw new NotFoundError('Notification channel', id);
        const type = requireType(current.type);
        const set: Partial<typeof notificationChannels.$inferInsert> = { updatedAt: new Date() };
        if (patch.name !== undefined) set.name = patch.name;
        if (patch.enabled !== undefined) set.enabled = patch.enabled;
        if (patch.groupWindowSeconds !== undefined) set.groupWindowSeconds = patch.groupWindowSeconds;
        if (patch.config !== undefined) {
          const stored = this.fullConfig(current);
          // A secret left out or sent back masked keeps its stored value.
          const given = Object.fromEntries(Object.entries(patch.config).filter(([key, value]) => !(type.secretFields.includes(key) && value === MASK)));
          Object.assign(set, this.split(type, parseConfig(type, { ...stored, ...given }), id));
        }
        const [row] = await tx.update(notificationChannels).set(set).where(eq(notificationChannels.id, id)).returning();
        const channel = toChannel(row!);
        await recordChange(tx, { resourceType: 'notification_channel', resourceId: id, action: 'update', before: toChannel(current), after: channel });
        return channel;
      })
      .catch(translateDbError);
  }

  /** Deletes the channel; its pending deliveries are cancelled (kept in the log), its subscriptions go with it. */
  async deleteChannel(id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const current = await this.channelRow(id, tx);
      await tx
        .update(notificationDeliveries)
        .set({ state: 'cancelled', reason: 'the channel was deleted', finishedAt: new Date(), leaseUntil: null })
        .where(and(eq(notificationDeliveries.channelId, id), sql`${notificationDeliveries.state} IN ('pending', 'sending')`));
      await tx.delete(notificationChannels).where(eq(notificationChannels.id, id));
      await recordChange(tx, { resourceType: 'notification_channel', resourceId: id, action: 'delete', before: toChannel(current) });
    });
  }

  /** Sends a test message now, answering how the receiver took it (secret values masked in its answer). */
  async testChannel(id: string): Promise<TestOutcome> {
    const { type, config } = await this.openChannel(id);
    const now = new Date().toISOString();
    const message: NotificationMessage = {
      id: randomUUID(),
      kind: 'test',
      severity: 'info',
      title: 'Vigil test notification',
      text: `This is a test of this notification channel, sent ${now}. Nothing is wrong.`,
      systems: [],
      dedupKey: `vigil:test:${id}`,
      timestamp: now,
    };
    const outcome = await type.send(config, message, { signal: AbortSignal.timeout(TEST_TIMEOUT_MS), timeoutMs: TEST_TIMEOUT_MS });
    const mask = masker(type, config);
    return outcome.ok
      ? { ok: true, ...(outcome.status === undefined ? {} : { status: outcome.status }), ...(outcome.response ? { response: mask(outcome.response) } : {}) }
      : { ok: false, ...(outcome.status === undefined ? {} : { status: outcome.status }), error: mask(outcome.error), ...(outcome.response ? { response: mask(outcome.response) } : {}) };
  }

  /**
   * Sends one message to a channel now, outside any subscription (automations' notify action):
   * `key` is its idempotency key. The receiver's answer comes back with secrets masked.
   */
  async sendNow(channelId: string, message: { key: string; title: string; text: string; severity: NotificationMessage['severity'] }): Promise<{ ok: true } | { ok: false; retryable: boolean; error: string }> {
    const { type, config, enabled, name } = await this.openChannel(channelId);
    if (!enabled) return { ok: false, retryable: false, error: `channel ${name} is disabled` };
    const outcome = await type.send(
      config,
      { id: message.key, kind: 'alert', severity: message.severity, title: message.title, text: message.text, systems: [], dedupKey: `vigil:automation:${message.key}`, timestamp: new Date().toISOString() },
      { signal: AbortSignal.timeout(TEST_TIMEOUT_MS), timeoutMs: TEST_TIMEOUT_MS },
    );
    return outcome.ok ? { ok: true } : { ok: false, retryable: outcome.retryable, error: masker(type, config)(outcome.error) };
  }

  /** The channels subscribed to a system's rollup, directly or through its groups. */
  async channelsSubscribedTo(systemId: string): Promise<string[]> {
    // An automation's templated input may be anything: only a system id can have subscribers.
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(systemId)) return [];
    const groupIds = (await groupsOfSystems(this.db, [systemId])).get(systemId) ?? [];
    return this.rollupChannels(groupIds.length ? or(eq(subscriptions.systemId, systemId), inArray(subscriptions.groupId, groupIds))! : eq(subscriptions.systemId, systemId));
  }

  /** The channels subscribed to a group's rollup. */
  channelsSubscribedToGroup(groupId: string): Promise<string[]> {
    return this.rollupChannels(eq(subscriptions.groupId, groupId));
  }

  /** The channels of the rollup subscriptions (not per-environment, not to users) matching `where`. */
  private async rollupChannels(where: SQL): Promise<string[]> {
    const rows = await this.db
      .selectDistinct({ channelId: subscriptions.channelId })
      .from(subscriptions)
      .where(and(where, sql`${subscriptions.channelId} IS NOT NULL`, sql`${subscriptions.environmentIds} IS NULL`));
    return rows.map((row) => row.channelId!);
  }

  /** The channel's type and its whole config, secrets included: for sending only. */
  async openChannel(id: string): Promise<{ type: AnyChannelType; config: Record<string, unknown>; enabled: boolean; name: string; groupWindowSeconds: number | null }> {
    const row = await this.channelRow(id);
    return { type: requireType(row.type), config: this.fullConfig(row), enabled: row.enabled, name: row.name, groupWindowSeconds: row.groupWindowSeconds };
  }

  private fullConfig(row: typeof notificationChannels.$inferSelect): Record<string, unknown> {
    const secrets = row.sealed ? (JSON.parse(this.cipher.open(row.sealed, `notification_channel:${row.id}`)) as Record<string, unknown>) : {};
    return { ...row.config, ...secrets };
  }

  /** The readable part of a config and the sealed secret part. */
  private split(type: AnyChannelType, config: Record<string, unknown>, id: string) {
    const secrets = Object.fromEntries(Object.entries(config).filter(([key]) => type.secretFields.includes(key)));
    const open = Object.fromEntries(Object.entries(config).filter(([key]) => !type.secretFields.includes(key)));
    const sealedFields = Object.keys(secrets).filter((key) => secrets[key] !== undefined);
    return { config: open, sealedFields, sealed: sealedFields.length ? this.cipher.seal(JSON.stringify(secrets), `notification_channel:${id}`) : null };
  }

  // ── subscriptions ────────────────────────────────────────────────────────

  async listSubscriptions(page: PageRequest, filter: { systemId?: string; channelId?: string } = {}): Promise<Page<Subscription>> {
    const key = cursorKey(page);
    const rows = await this.db
      .select()
      .from(subscriptions)
      .where(
        and(
          key === undefined ? undefined : gt(subscriptions.id, key),
          filter.systemId ? eq(subscriptions.systemId, filter.systemId) : undefined,
          filter.channelId ? eq(subscriptions.channelId, filter.channelId) : undefined,
        ),
      )
      .orderBy(asc(subscriptions.id))
      .limit(page.limit + 1);
    return toPage(rows, page, (r) => r.id, toSubscription);
  }

  async getSubscription(id: string): Promise<Subscription> {
    const [row] = await this.db.select().from(subscriptions).where(eq(subscriptions.id, id));
    if (!row) throw new NotFoundError('Subscription', id);
    return toSubscription(row);
  }

  async createSubscription(input: SubscriptionInput): Promise<Subscription> {
    return this.db.transaction(async (tx) => {
      const missing = [
        ...(input.systemId ? await missingSystems(tx, [input.systemId], 'systemId') : []),
        ...(input.groupId ? await this.groupExists(tx, [input.groupId], 'groupId') : []),
        ...(input.channelId ? await missingReferences(tx, notificationChannels, [input.channelId], 'channelId', 'notification channel') : []),
        ...(input.userId ? await missingUsers(tx, [input.userId], 'userId') : []),
        ...(await missingEnvironments(tx, input.environmentIds ?? [], 'environmentIds')),
      ];
      if (missing.length) throw new ValidationError(missing);
      const [row] = await tx.insert(subscriptions).values({ ...input, on: [...new Set(input.on)] }).returning();
      const subscription = toSubscription(row!);
      await recordChange(tx, { resourceType: 'subscription', resourceId: subscription.id, action: 'create', after: subscription });
      return subscription;
    });
  }

  async updateSubscription(id: string, patch: SubscriptionPatch): Promise<Subscription> {
    return this.db.transaction(async (tx: Tx) => {
      const [current] = await tx.select().from(subscriptions).where(eq(subscriptions.id, id)).for('update');
      if (!current) throw new NotFoundError('Subscription', id);
      const missing = await missingEnvironments(tx, patch.environmentIds ?? [], 'environmentIds');
      if (missing.length) throw new ValidationError(missing);
      const [row] = await tx
        .update(subscriptions)
        .set({ ...patch, ...(patch.on ? { on: [...new Set(patch.on)] } : {}), updatedAt: new Date() })
        .where(eq(subscriptions.id, id))
        .returning();
      const subscription = toSubscription(row!);
      await recordChange(tx, { resourceType: 'subscription', resourceId: id, action: 'update', before: toSubscription(current), after: subscription });
      return subscription;
    });
  }

  async deleteSubscription(id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const [row] = await tx.delete(subscriptions).where(eq(subscriptions.id, id)).returning();
      if (!row) throw new NotFoundError('Subscription', id);
      await recordChange(tx, { resourceType: 'subscription', resourceId: id, action: 'delete', before: toSubscription(row) });
    });
  }

  // ── the delivery log ─────────────────────────────────────────────────────

  /** Newest first; the cursor is the last entry's creation time and id. */
  async listDeliveries(page: PageRequest, filter: { channelId?: string; systemId?: string; state?: Delivery['state'] }): Promise<Page<Delivery>> {
    const key = cursorKey(page);
    const conditions: (SQL | undefined)[] = [
      filter.channelId ? eq(notificationDeliveries.channelId, filter.channelId) : undefined,
      filter.systemId ? eq(notificationDeliveries.systemId, filter.systemId) : undefined,
      filter.state ? eq(notificationDeliveries.state, filter.state) : undefined,
    ];
    if (key !== undefined) {
      const [at, id] = key.split('|');
      conditions.push(or(lt(notificationDeliveries.createdAt, new Date(at!)), and(eq(notificationDeliveries.createdAt, new Date(at!)), lt(notificationDeliveries.id, id!))));
    }
    const rows = await this.db
      .select()
      .from(notificationDeliveries)
      .where(and(...conditions))
      .orderBy(desc(notificationDeliveries.createdAt), desc(notificationDeliveries.id))
      .limit(page.limit + 1);
    return toPage(rows, page, (r) => `${r.createdAt.toISOString()}|${r.id}`, toDelivery);
  }
}

/** Re-seals every channel's secret fields under a new key (`vigil secrets rotate-key`, in its transaction). */
export async function resealChannels(tx: Pick<Db, 'select' | 'update'>, current: SecretCipher, next: SecretCipher): Promise<number> {
  const rows = await tx.select().from(notificationChannels).where(sql`${notificationChannels.sealed} IS NOT NULL`).for('update');
  for (const row of rows) {
    const boundTo = `notification_channel:${row.id}`;
    let value: string;
    try {
      value = current.open(row.sealed!, boundTo);
    } catch (error) {
      throw new Error(`notification channel '${row.name}' cannot be decrypted: ${(error as Error).message}`, { cause: error });
    }
    await tx.update(notificationChannels).set({ sealed: next.seal(value, boundTo) }).where(eq(notificationChannels.id, row.id));
  }
  return rows.length;
}

/** The channel types a person can choose, with their config schemas (for forms and tools). */
export function channelTypes() {
  return CHANNEL_TYPES.map((type) => ({ type: type.type, title: type.title, secretFields: [...type.secretFields] }));
}

function requireType(type: string): AnyChannelType {
  const found = channelType(type);
  if (!found) throw new ValidationError([{ path: 'type', message: `Unknown channel type "${type}". Available: ${CHANNEL_TYPES.map((t) => t.type).join(', ')}.` }]);
  return found;
}

function parseConfig(type: AnyChannelType, config: unknown): Record<string, unknown> {
  const result = type.config.safeParse(config);
  if (!result.success) {
    const issues = result.error.issues as { path: PropertyKey[]; message: string }[];
    throw new ValidationError(issues.map((issue) => ({ path: formatPath(['config', ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))]), message: issue.message })));
  }
  return result.data as Record<string, unknown>;
}

/** Masks the channel's secret values (a field, or each value of a map field) in every form a receiver may echo them. */
function masker(type: AnyChannelType, config: Record<string, unknown>): (text: string) => string {
  const values = secretValuesAt(config, type.secretFields.flatMap((field) => [field, `${field}.*`]));
  return (text) => maskSecrets(text, values);
}

function toChannel(row: typeof notificationChannels.$inferSelect): Channel {
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    config: { ...row.config, ...Object.fromEntries(row.sealedFields.map((field) => [field, MASK])) },
    enabled: row.enabled,
    groupWindowSeconds: row.groupWindowSeconds,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function toSubscription(row: typeof subscriptions.$inferSelect): Subscription {
  return {
    id: row.id,
    systemId: row.systemId,
    groupId: row.groupId,
    channelId: row.channelId,
    userId: row.userId,
    on: row.on as Subscription['on'],
    environmentIds: row.environmentIds ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function toDelivery(row: typeof notificationDeliveries.$inferSelect): Delivery {
  return {
    id: row.id,
    eventId: row.eventId,
    subscriptionId: row.subscriptionId,
    channelId: row.channelId,
    systemId: row.systemId,
    topic: row.topic,
    title: String(row.message.title ?? ''),
    state: row.state,
    reason: row.reason,
    attempts: row.attempts,
    attemptLog: row.attemptLog as Delivery['attemptLog'],
    nextAttemptAt: row.state === 'pending' ? row.nextAttemptAt.toISOString() : null,
    createdAt: row.createdAt.toISOString(),
    finishedAt: row.finishedAt?.toISOString() ?? null,
  };
}
