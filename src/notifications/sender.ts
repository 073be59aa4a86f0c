import type pg from 'pg';
import type { Logger } from '../kernel/log.ts';
import type { NotificationMessage, SendOutcome } from './channels/types.ts';
import type { NotificationsService } from './service.ts';

/** Tries per delivery before it is marked failed. */
export const MAX_ATTEMPTS = 8;
const SEND_TIMEOUT_MS = 10_000;
/** A claimed delivery is a worker's until then; a crashed worker's is taken over after it. */
const LEASE_MS = SEND_TIMEOUT_MS + 20_000;

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
  message: NotificationMessage;
  attempts: number;
}

/**
 * Sends due deliveries (issue 19): claims a few with a lease (SKIP LOCKED, so several workers
 * share the work without overlap), sends each through its channel type, and records the attempt:
 * delivered, retried later with backoff, or failed after MAX_ATTEMPTS or a permanent refusal.
 * At least once: a worker killed mid-send leaves its lease to expire and another sends again,
 * with the same idempotency key (the delivery id) for the receiver to drop the repeat.
 */
export class NotificationSender {
  constructor(
    private readonly pool: pg.Pool,
    private readonly notifications: Pick<NotificationsService, 'openChannel'>,
    private readonly log: Logger,
  ) {}

  /** Sends what is due now, `limit` at most; answers how many were attempted. */
  async sendDue(limit = 20): Promise<number> {
    const { rows } = await this.pool.query<Claimed>(
      `UPDATE notification_deliveries d SET state = 'sending', lease_until = now() + make_interval(secs => $2::float8 / 1000)
        WHERE d.id IN (SELECT id FROM notification_deliveries
                        WHERE (state = 'pending' AND next_attempt_at <= now()) OR (state = 'sending' AND lease_until < now())
                        ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
        RETURNING d.id, d.channel_id, d.message, d.attempts`,
      [limit, LEASE_MS],
    );
    await Promise.all(rows.map((row) => this.deliver(row)));
    return rows.length;
  }

  private async deliver(row: Claimed): Promise<void> {
    const at = new Date();
    let outcome: SendOutcome;
    try {
      if (!row.channel_id) return await this.finish(row.id, 'cancelled', 'the channel was deleted');
      const channel = await this.notifications.openChannel(row.channel_id);
      if (!channel.enabled) return await this.finish(row.id, 'suppressed', `channel ${channel.name} is disabled`);
      outcome = await channel.type.send(channel.config, row.message, { signal: AbortSignal.timeout(SEND_TIMEOUT_MS), timeoutMs: SEND_TIMEOUT_MS });
    } catch (error) {
      // A channel that cannot even be opened (key changed) or a bug in one: said, and retried like a refusal.
      outcome = { ok: false, retryable: true, error: (error as Error).message };
    }
    const attempts = row.attempts + 1;
    const entry = { at: at.toISOString(), ok: outcome.ok, ...(outcome.status === undefined ? {} : { status: outcome.status }), ...(outcome.ok ? {} : { error: outcome.error }), ...(outcome.response ? { response: outcome.response.slice(0, 500) } : {}) };
    if (outcome.ok) {
      await this.record(row.id, attempts, entry, { state: 'delivered' });
    } else if (outcome.retryable && attempts < MAX_ATTEMPTS) {
      await this.record(row.id, attempts, entry, { state: 'pending', nextAttemptAt: new Date(Date.now() + backoffMs(attempts, outcome.retryAfterMs)) });
    } else {
      const reason = outcome.retryable ? `gave up after ${attempts} attempts: ${outcome.error}` : outcome.error;
      this.log.warn({ deliveryId: row.id, channelId: row.channel_id, reason }, 'A notification could not be delivered');
      await this.record(row.id, attempts, entry, { state: 'failed', reason });
    }
  }

  private async record(id: string, attempts: number, entry: Record<string, unknown>, next: { state: 'delivered' | 'pending' | 'failed'; nextAttemptAt?: Date; reason?: string }): Promise<void> {
    // Only while still ours in `sending`: a delivery cancelled meanwhile (its channel deleted) stays cancelled.
    await this.pool.query(
      `UPDATE notification_deliveries SET state = $2, attempts = $3, attempt_log = attempt_log || $4::jsonb, lease_until = NULL,
              next_attempt_at = coalesce($5, next_attempt_at), reason = $6, finished_at = CASE WHEN $2 = 'pending' THEN NULL ELSE now() END
        WHERE id = $1 AND state = 'sending'`,
      [id, next.state, attempts, JSON.stringify([entry]), next.nextAttemptAt ?? null, next.reason ?? null],
    );
  }

  private async finish(id: string, state: 'cancelled' | 'suppressed', reason: string): Promise<void> {
    await this.pool.query(`UPDATE notification_deliveries SET state = $2, reason = $3, lease_until = NULL, finished_at = now() WHERE id = $1 AND state = 'sending'`, [id, state, reason]);
  }
}
