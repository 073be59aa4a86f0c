import type pg from 'pg';
import { userEmails } from '../access/read.ts';
import type { Db } from '../db/database.ts';
import type { Logger } from '../kernel/log.ts';
import { channelType } from './channels/registry.ts';
import type { AnyChannelType, NotificationMessage, SendOutcome } from './channels/types.ts';
import { groupMessages } from './message.ts';
import type { NotificationsService } from './service.ts';

/** Tries per delivery before it is marked failed. */
export const MAX_ATTEMPTS = 8;
const SEND_TIMEOUT_MS = 10_000;
/** A claimed delivery is a worker's until then; a crashed worker's is taken over after it. */
const LEASE_MS = SEND_TIMEOUT_MS + 20_000;
/** Most changes one grouped message carries (channels list the first ones and count the rest). */
const BATCH_LIMIT = 500;

/**
 * The wait before attempt `attempt + 1` (1-based attempts done): exponential from 2 s, at most
 * 10 minutes, with ±50 % jitter so a burst of failures does not retry in lockstep; a receiver's
 * Retry-After wins when it asks for longer.
 */
export function backoffMs(attempt: number, retryAfterMs?: number, random = Math.random): number {
  const base = Math.min(2_000 * 2 ** (attempt - 1), 600_000);
  const jittered = Math.round(base * (0.5 + random()));
  return retryAfterMs === undefined ? jittered : Math.max(jittered, Math.min(retryAfterMs, 3_600_000));
}

interface Claimed {
  id: string;
  channel_id: string | null;
  user_id: string | null;
  kind: string;
  message: NotificationMessage;
  attempts: number;
  batch_id: string | null;
  created_at: Date;
}

/** Where a delivery goes: a channel, or a user's own address through the platform's mail server. */
interface Recipient {
  type: AnyChannelType;
  config: Record<string, unknown>;
  /** Grouping window in ms; 0: never grouped. */
  windowMs: number;
}

export interface SenderOptions {
  log: Logger;
  /** Grouping window for channels that set none and for users (seconds; default 10). */
  groupWindowSeconds?: number;
  /** The platform's mail server for email to users (VIGIL_SMTP_URL, VIGIL_SMTP_FROM). */
  userMail?: { url: string; from: string };
}

/**
 * Sends due deliveries (issue 19): claims a few with a lease (SKIP LOCKED, so several workers
 * share the work without overlap), sends each through its channel type, and records the attempt:
 * delivered, retried later with backoff, or failed after MAX_ATTEMPTS or a permanent refusal.
 * Changes held for one recipient by grouping go out as one message: the first claimed is the
 * batch, its id the key every attempt carries, and the others follow its state.
 * At least once: a worker killed mid-send leaves its lease to expire and another sends again,
 * with the same idempotency key for the receiver to drop the repeat.
 */
export class NotificationSender {
  constructor(
    private readonly pool: pg.Pool,
    private readonly db: Db,
    private readonly notifications: Pick<NotificationsService, 'openChannel'>,
    private readonly options: SenderOptions,
  ) {}

  /** Sends what is due now, `limit` messages at most; answers how many were attempted. */
  async sendDue(limit = 20): Promise<number> {
    // Members of a batch are never claimed themselves: their batch is.
    const { rows } = await this.pool.query<Claimed>(
      `UPDATE notification_deliveries d SET state = 'sending', lease_until = now() + make_interval(secs => $2::float8 / 1000),
              -- An attempt counts when it starts: one whose worker died is in the log too, and counts toward the limit.
              attempts = d.attempts + 1,
              attempt_log = CASE WHEN d.state = 'sending'
                                 THEN d.attempt_log || jsonb_build_array(jsonb_build_object('at', d.lease_until, 'ok', false, 'error', 'the worker sending it stopped before it finished (its lease ran out)'))
                                 ELSE d.attempt_log END
        WHERE d.id IN (SELECT id FROM notification_deliveries
                        WHERE ((state = 'pending' AND next_attempt_at <= now()) OR (state = 'sending' AND lease_until < now()))
                          AND (batch_id IS NULL OR batch_id = id)
                        ORDER BY next_attempt_at, created_at, id LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING d.id, d.channel_id, d.user_id, d.kind, d.message, d.attempts, d.batch_id, d.created_at`,
      [limit, LEASE_MS],
    );
    // RETURNING keeps no order: oldest first, so one recipient's messages go out in the order they happened.
    rows.sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || a.id.localeCompare(b.id));
    // Recipients in parallel; one recipient's messages one after another, in the order they happened.
    const byRecipient = new Map<string, Claimed[]>();
    for (const row of rows) {
      const key = row.channel_id ?? (row.user_id ? `user:${row.user_id}` : `none:${row.id}`);
      byRecipient.set(key, [...(byRecipient.get(key) ?? []), row]);
    }
    await Promise.all([...byRecipient.values()].map((list) => this.deliverInOrder(list)));
    return rows.length;
  }

  /** A run of fresh changes goes as one batch (when the recipient groups); anything else alone, in turn. */
  private async deliverInOrder(list: Claimed[]): Promise<void> {
    // One recipient: its channel is opened (read and decrypted) once for the whole list.
    let opened: ReturnType<NotificationSender['recipient']> | undefined;
    const recipient = (row: Claimed) => (opened ??= this.recipient(row));
    for (let i = 0; i < list.length; i++) {
      const row = list[i]!;
      if (!isFresh(row)) {
        await this.deliver(row, [], recipient);
        continue;
      }
      let end = i + 1;
      while (end < list.length && isFresh(list[end]!)) end++;
      await this.deliver(row, list.slice(i + 1, end), recipient);
      i = end - 1;
    }
  }

  /** Sends one delivery (with the others claimed for its recipient, as one message when it groups) and records how it went. */
  private async deliver(row: Claimed, claimedWith: Claimed[] = [], recipientOf: (row: Claimed) => ReturnType<NotificationSender['recipient']> = (r) => this.recipient(r)): Promise<void> {
    const at = new Date();
    let outcome: SendOutcome;
    let alone: Claimed[] = [];
    try {
      // Attempts whose worker died count too: a message that brings its worker down is not tried for ever.
      if (row.attempts > MAX_ATTEMPTS) {
        if (claimedWith.length) await this.release(claimedWith);
        return await this.finish([row], 'failed', `gave up after ${row.attempts - 1} attempts`);
      }
      const recipient = await recipientOf(row);
      if ('cancelled' in recipient) return await this.finish([row, ...claimedWith], recipient.cancelled.state, recipient.cancelled.reason);
      if (recipient.windowMs <= 0) [alone, claimedWith] = [claimedWith, []];
      const message = await this.message(row, claimedWith, recipient);
      outcome = await recipient.type.send(recipient.config, message, { signal: AbortSignal.timeout(SEND_TIMEOUT_MS), timeoutMs: SEND_TIMEOUT_MS });
      // Not grouped: each claimed delivery is a message of its own, after this one and in order
      // (an alert and its recovery must not overtake each other).
      if (alone.length) {
        await this.deliverOutcome(row, at, outcome);
        for (const other of alone) await this.deliver(other, [], recipientOf);
        return;
      }
    } catch (error) {
      // A channel that cannot even be opened (key changed) or a bug in one: said, and retried like a refusal.
      outcome = { ok: false, retryable: true, error: (error as Error).message };
      // Claimed with it but not joined to a batch: each goes on its own.
      if (claimedWith.length || alone.length) await this.release([...claimedWith, ...alone]);
    }
    await this.deliverOutcome(row, at, outcome);
  }

  private async deliverOutcome(row: Claimed, at: Date, outcome: SendOutcome): Promise<void> {
    const attempts = row.attempts;
    const entry = { at: at.toISOString(), ok: outcome.ok, ...(outcome.status === undefined ? {} : { status: outcome.status }), ...(outcome.ok ? {} : { error: outcome.error }), ...(outcome.response ? { response: outcome.response.slice(0, 500) } : {}) };
    if (outcome.ok) {
      await this.record(row.id, attempts, entry, { state: 'delivered' });
    } else if (outcome.retryable && attempts < MAX_ATTEMPTS) {
      await this.record(row.id, attempts, entry, { state: 'pending', nextAttemptAt: new Date(Date.now() + backoffMs(attempts, outcome.retryAfterMs)) });
    } else {
      const reason = outcome.retryable ? `gave up after ${attempts} attempts: ${outcome.error}` : outcome.error;
      this.options.log.warn({ deliveryId: row.id, channelId: row.channel_id, reason }, 'A notification could not be delivered');
      await this.record(row.id, attempts, entry, { state: 'failed', reason });
    }
  }

  /**
   * The message to send: a delivery alone, or a batch — on the first attempt, the changes held
   * for the same recipient are joined to it (those claimed with it and any others due), on a
   * retry the same members again, so every attempt carries the same content under the same key.
   */
  private async message(row: Claimed, claimedWith: Claimed[], recipient: Recipient): Promise<NotificationMessage> {
    if (row.batch_id === row.id) return this.batchMessage(row.id);
    if (recipient.windowMs <= 0 || !isFresh(row)) return row.message;
    // The batch is named first, so members joined below are never without it.
    await this.pool.query(`UPDATE notification_deliveries SET batch_id = $1 WHERE id = $1 OR (id = ANY($2::uuid[]) AND state = 'sending')`, [row.id, claimedWith.map((other) => other.id)]);
    // Others held for this recipient and due, not claimed by anyone: taken into the batch.
    await this.pool.query(
      `UPDATE notification_deliveries d SET state = 'sending', batch_id = $1, lease_until = now() + make_interval(secs => $4::float8 / 1000)
        WHERE d.id IN (SELECT id FROM notification_deliveries
                        WHERE ${row.channel_id ? 'channel_id = $2' : 'user_id = $2'} AND state = 'pending' AND attempts = 0 AND batch_id IS NULL
                          AND kind <> 'incident' AND next_attempt_at <= now()
                        ORDER BY created_at LIMIT $3 FOR UPDATE SKIP LOCKED)`,
      [row.id, row.channel_id ?? row.user_id, Math.max(0, BATCH_LIMIT - 1 - claimedWith.length), LEASE_MS],
    );
    return this.batchMessage(row.id);
  }

  private async batchMessage(batchId: string): Promise<NotificationMessage> {
    const { rows } = await this.pool.query<{ message: NotificationMessage }>(`SELECT message FROM notification_deliveries WHERE batch_id = $1 ORDER BY created_at, id`, [batchId]);
    return groupMessages(batchId, rows.map((member) => member.message));
  }

  private async recipient(row: Claimed): Promise<Recipient | { cancelled: { state: 'cancelled' | 'suppressed' | 'failed'; reason: string } }> {
    const fallbackMs = (this.options.groupWindowSeconds ?? 10) * 1000;
    if (row.channel_id) {
      const channel = await this.notifications.openChannel(row.channel_id);
      if (!channel.enabled) return { cancelled: { state: 'suppressed', reason: `channel ${channel.name} is disabled` } };
      const windowMs = channel.type.groupable === false ? 0 : channel.groupWindowSeconds === null ? fallbackMs : channel.groupWindowSeconds * 1000;
      return { type: channel.type, config: channel.config, windowMs };
    }
    if (!row.user_id) return { cancelled: { state: 'cancelled', reason: 'the channel was deleted' } };
    const email = (await userEmails(this.db, [row.user_id])).get(row.user_id);
    if (!email) return { cancelled: { state: 'cancelled', reason: 'the user was deleted or disabled' } };
    if (!this.options.userMail) return { cancelled: { state: 'failed', reason: 'VIGIL_SMTP_URL is not set: Vigil has no mail server to email users through' } };
    const type = channelType('email')!;
    return { type, config: type.config.parse(mailConfig(this.options.userMail, email)) as Record<string, unknown>, windowMs: fallbackMs };
  }

  /** Claimed together but sent apart: back to pending, due at once. */
  private async release(rows: Claimed[]): Promise<void> {
    await this.pool.query(`UPDATE notification_deliveries SET state = 'pending', lease_until = NULL WHERE id = ANY($1::uuid[]) AND state = 'sending' AND batch_id IS NULL`, [rows.map((r) => r.id)]);
  }

  private async record(id: string, attempts: number, entry: Record<string, unknown>, next: { state: 'delivered' | 'pending' | 'failed'; nextAttemptAt?: Date; reason?: string }): Promise<void> {
    // Only while still ours in `sending`: a delivery cancelled meanwhile (its channel deleted) stays
    // cancelled. A batch's members follow it, attempts and all.
    await this.pool.query(
      `WITH lead AS (
         UPDATE notification_deliveries SET state = $2, attempts = $3, attempt_log = attempt_log || $4::jsonb, lease_until = NULL,
                next_attempt_at = coalesce($5, next_attempt_at), reason = $6, finished_at = CASE WHEN $2 = 'pending' THEN NULL ELSE now() END
          WHERE id = $1 AND state = 'sending' RETURNING id)
       UPDATE notification_deliveries SET state = $2, attempts = $3, attempt_log = attempt_log || $4::jsonb, lease_until = NULL,
              next_attempt_at = coalesce($5, next_attempt_at), reason = $6, finished_at = CASE WHEN $2 = 'pending' THEN NULL ELSE now() END
        WHERE batch_id = $1 AND id <> $1 AND state IN ('pending', 'sending') AND EXISTS (SELECT 1 FROM lead)`,
      [id, next.state, attempts, JSON.stringify([entry]), next.nextAttemptAt ?? null, next.reason ?? null],
    );
  }

  private async finish(rows: Claimed[], state: 'cancelled' | 'suppressed' | 'failed', reason: string): Promise<void> {
    await this.pool.query(
      `UPDATE notification_deliveries SET state = $2, reason = $3, lease_until = NULL, finished_at = now()
        WHERE (id = ANY($1::uuid[]) OR batch_id = ANY($1::uuid[])) AND state IN ('pending', 'sending')`,
      [rows.map((row) => row.id), state, reason],
    );
  }
}

/** On its first attempt (this one) and in no batch: may be joined with others. Incidents always go alone. */
function isFresh(row: Claimed): boolean {
  return row.attempts === 1 && row.batch_id === null && row.kind !== 'incident';
}

/** The email channel's config for one user, from the platform's smtp:// URL. */
export function mailConfig(mail: { url: string; from: string }, to: string): Record<string, unknown> {
  const url = new URL(mail.url);
  const secure = url.protocol === 'smtps:';
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : secure ? 465 : 587,
    secure,
    startTls: 'opportunistic',
    ...(url.username ? { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) } : {}),
    from: mail.from,
    to: [to],
  };
}
