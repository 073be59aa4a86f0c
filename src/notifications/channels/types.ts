import type { z } from 'zod';

/**
 * The one contract every notification channel implements (SPEC §6.2; issue 19), one folder per
 * type under channels/, none special-cased elsewhere: a config schema (with its secret fields
 * named, stored encrypted and never shown again), and `send`, which turns a message into the
 * receiver's request and says how it went. Channels format; deciding who gets what is the
 * dispatcher's job.
 */

export type Status = 'healthy' | 'degraded' | 'unhealthy';

/** One system's change in a message (a grouped message lists several). */
export interface MessageSystem {
  id: string;
  name: string;
  /** The environment the change is about; null: the system as a whole (every environment). */
  environment: { id: string; name: string } | null;
  previousStatus: Status;
  status: Status;
  /** When it entered `status`. */
  since: string;
  /** For a recovery: how long it was not healthy. */
  downForMs?: number;
  /** The checks failing now, with what they said. */
  failingChecks: { name: string; message: string }[];
  /** A link to the system in Vigil, when a public URL is set. */
  url?: string;
}

export interface NotificationMessage {
  /** The delivery's idempotency key: the same for every attempt, different for every message × channel. */
  id: string;
  /** A status change (an alert, or a recovery), an incident opened or updated (a resolved one is a recovery), or a test. */
  kind: 'alert' | 'recovery' | 'incident' | 'test';
  /** Worst first: critical (unhealthy), warning (degraded), info (recovery, test). */
  severity: 'critical' | 'warning' | 'info';
  /** One line: "payments-api is unhealthy", "3 systems are unhealthy: a, b, c". */
  title: string;
  /** Plain text a person can act on: every system, its change, why, since when, the link. */
  text: string;
  systems: MessageSystem[];
  /** A key that stays the same for one system's incident across alert and recovery (PagerDuty dedup_key, Opsgenie alias). */
  dedupKey: string;
  timestamp: string;
}

/** How a send went. Retryable failures (5xx, 429, timeouts, refused connections) are tried again with backoff. */
export type SendOutcome =
  | { ok: true; status?: number; response?: string }
  | { ok: false; retryable: boolean; error: string; status?: number; response?: string; retryAfterMs?: number };

export interface SendContext {
  /** Aborts the send when the delivery's time is up. */
  signal: AbortSignal;
  timeoutMs: number;
}

export interface ChannelType<Config extends z.ZodType = z.ZodType> {
  /** The `type` of a channel, e.g. `webhook`; also its folder's name. */
  type: string;
  title: string;
  /** Strict; URLs validated; every receiver URL overridable (self-hosted servers, tests). */
  config: Config;
  /** Dot paths of the config fields that are secrets (tokens, passwords, webhook URLs that embed a key). */
  secretFields: readonly string[];
  /**
   * False for receivers that keep one incident per system (PagerDuty, Opsgenie): their messages
   * are never grouped, so each system's alert and recovery keep their own dedup key.
   */
  groupable?: boolean;
  send(config: z.output<Config>, message: NotificationMessage, context: SendContext): Promise<SendOutcome>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a registry holds channel types of every config
export type AnyChannelType = ChannelType<any>;
