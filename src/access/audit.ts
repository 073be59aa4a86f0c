import { and, desc, eq, gte, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { ValidationError } from '../kernel/errors.ts';
import { ScopedStorage } from '../kernel/scoped-storage.ts';
import type { Caller } from './authorize.ts';
import { auditLog } from './schema.ts';

/**
 * The audit log (SPEC §8.1): every change by a user, a token or Vigil itself, written by the
 * service that makes the change, in the transaction that makes it. Who is acting comes from the
 * request (the access middleware runs each request as its caller) or from a job running as a
 * system actor; nothing passes it through every service signature.
 */

export interface Actor {
  kind: 'user' | 'token' | 'system';
  /** The user id (a token's owner for a token), or a system actor's name (`vigil`, `automation:<id>`). */
  id: string;
  label: string;
  tokenId?: string;
  ip?: string;
  /** Asked through an AI tool (MCP) rather than the API or the UI: recorded in the entry's label. */
  via?: 'mcp';
  /** Part of one change set (an apply of configuration documents): every entry carries its id. */
  changeSet?: string;
}

/** Changes no request asked for (start-up, jobs): Vigil itself. */
export const SYSTEM_ACTOR: Actor = { kind: 'system', id: 'vigil', label: 'Vigil' };

const actors = new ScopedStorage<Actor>();

/** Runs `work` (and everything it awaits) as `actor`. */
export function runAs<T>(actor: Actor, work: () => Promise<T>): Promise<T> {
  return actors.run(actor, work);
}

export function currentActor(): Actor {
  return actors.getStore() ?? SYSTEM_ACTOR;
}

export function actorOf(caller: Caller, ip?: string): Actor {
  return caller.kind === 'token'
    ? { kind: 'token', id: caller.userId, label: `${caller.email} (token ${caller.tokenName ?? ''})`, tokenId: caller.tokenId, ip }
    : { kind: 'user', id: caller.userId, label: caller.email, ip };
}

export interface Change {
  /** `system`, `configuration`, `secret`, `user`… */
  resourceType: string;
  resourceId: string;
  /** `create`, `update`, `delete`, or a verb of its own (`run`, `revoke`, `set_environments`). */
  action: string;
  before?: unknown;
  after?: unknown;
}

/** Writes one entry, as the current actor, with the transaction the change is made in. */
export function recordChange(tx: Pick<Db, 'insert'>, change: Change): Promise<void> {
  return recordChanges(tx, [change]);
}

/** Writes one entry per change in one statement (a change made to many resources at once). */
export async function recordChanges(tx: Pick<Db, 'insert'>, changes: readonly Change[]): Promise<void> {
  if (!changes.length) return;
  const actor = currentActor();
  await tx.insert(auditLog).values(
    changes.map((change) => ({
      actorKind: actor.kind,
      actorId: actor.id,
      actorLabel: actor.via ? `${actor.label} via ${actor.via}` : actor.label,
      tokenId: actor.tokenId ?? null,
      ip: actor.ip ?? null,
      resourceType: change.resourceType,
      resourceId: change.resourceId,
      action: change.action,
      before: change.before === undefined ? null : snapshot(change.before),
      after: change.after === undefined ? null : snapshot(change.after),
      changeSet: actor.changeSet ?? null,
    })),
  );
}

/** What an entry keeps of a resource: redacted, without the timestamps the entry has itself. */
function snapshot(value: unknown): unknown {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return redact(value);
  const { createdAt: _created, updatedAt: _updated, ...rest } = value as Record<string, unknown>;
  return redact(rest);
}

// ── redaction (pure) ───────────────────────────────────────────────────────

export const REDACTED = '[redacted]';

/** Field names that hold a credential wherever they appear (configs, headers, users). */
const SENSITIVE_KEY = /pass(word|phrase)?$|secret|token|api[-_]?key|private[-_]?key|credential|authorization|cookie|hash$/i;
/** A value that only refers to secrets (`{{ secrets.DB_PASSWORD }}`) names them without revealing them. */
const ONLY_SECRET_REFERENCES = /^(\s*\{\{\s*secrets\.[A-Za-z0-9_.-]+\s*\}\}\s*)+$/;

/** A copy with every credential-like field's value replaced, except pure secret references. */
export function redact(value: unknown, key?: string): unknown {
  if (key !== undefined && SENSITIVE_KEY.test(key)) {
    if (value === null || value === undefined || value === '') return value;
    if (typeof value === 'string' && ONLY_SECRET_REFERENCES.test(value)) return value;
    return REDACTED;
  }
  if (Array.isArray(value)) {
    // Header lists: [{name: 'Authorization', value: '…'}] name the sensitive field in a sibling.
    return value.map((item) => redact(item));
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    const named = entries.find(([k]) => k === 'name' || k === 'key');
    const namedSensitive = typeof named?.[1] === 'string' && SENSITIVE_KEY.test(named[1]);
    return Object.fromEntries(entries.map(([k, v]) => [k, namedSensitive && k === 'value' ? redact(v, named![1] as string) : redact(v, k)]));
  }
  return value;
}

// ── differences (pure) ─────────────────────────────────────────────────────

export interface Difference {
  path: string;
  before?: unknown;
  after?: unknown;
}

/** The leaves that differ between two JSON values, by dotted path (`config.url`, `groupIds`). */
export function differences(before: unknown, after: unknown, path = ''): Difference[] {
  // A created or deleted resource: every field is a difference.
  if (path === '' && before === undefined && isPlainObject(after)) return differences({}, after, path);
  if (path === '' && after === undefined && isPlainObject(before)) return differences(before, {}, path);
  if (isPlainObject(before) && isPlainObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    return keys.flatMap((key) => differences(before[key], after[key], path ? `${path}.${key}` : key));
  }
  if (JSON.stringify(before) === JSON.stringify(after)) return [];
  const difference: Difference = { path: path || '.' };
  if (before !== undefined) difference.before = before;
  if (after !== undefined) difference.after = after;
  return [difference];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

// ── reading (admin) ────────────────────────────────────────────────────────

export interface AuditFilter {
  resourceType?: string;
  resourceId?: string;
  /** A user id, a system actor's name, or an email (that user's changes, by session or by token). */
  actor?: string;
  from?: Date;
  to?: Date;
  /** Only the entries of one change set (an apply). */
  changeSet?: string;
}

export interface AuditEntry {
  seq: number;
  at: string;
  actor: { kind: Actor['kind']; id: string; label: string; tokenId: string | null };
  ip: string | null;
  resourceType: string;
  resourceId: string;
  action: string;
  before: unknown;
  after: unknown;
  changes: Difference[];
  changeSet: string | null;
}

/** Newest first, in cursor pages (the cursor is the last entry's sequence number). */
export async function listAudit(db: Db, filter: AuditFilter, page: { limit: number; cursor?: string }): Promise<{ items: AuditEntry[]; nextCursor: string | null }> {
  let after: number | undefined;
  if (page.cursor !== undefined) {
    after = /^\d{1,15}$/.test(page.cursor) ? Number(page.cursor) : undefined;
    if (after === undefined) throw new ValidationError([{ path: 'cursor', message: 'expected the nextCursor of a previous page' }]);
  }
  const conditions: (SQL | undefined)[] = [
    after === undefined ? undefined : lt(auditLog.seq, after),
    filter.resourceType ? eq(auditLog.resourceType, filter.resourceType) : undefined,
    filter.resourceId ? eq(auditLog.resourceId, filter.resourceId) : undefined,
    filter.actor
      ? or(eq(auditLog.actorId, filter.actor), eq(auditLog.actorLabel, filter.actor), sql`starts_with(${auditLog.actorLabel}, ${`${filter.actor} (token `})`)
      : undefined,
    filter.from ? gte(auditLog.at, filter.from) : undefined,
    filter.to ? lte(auditLog.at, filter.to) : undefined,
    filter.changeSet ? eq(auditLog.changeSet, filter.changeSet) : undefined,
  ];
  const rows = await db
    .select()
    .from(auditLog)
    .where(and(...conditions))
    .orderBy(desc(auditLog.seq))
    .limit(page.limit + 1);
  const items = rows.slice(0, page.limit).map(
    (row): AuditEntry => ({
      seq: row.seq,
      at: row.at.toISOString(),
      actor: { kind: row.actorKind, id: row.actorId, label: row.actorLabel, tokenId: row.tokenId },
      ip: row.ip,
      resourceType: row.resourceType,
      resourceId: row.resourceId,
      action: row.action,
      before: row.before,
      after: row.after,
      changes: differences(row.before ?? undefined, row.after ?? undefined),
      changeSet: row.changeSet,
    }),
  );
  return { items, nextCursor: rows.length > page.limit ? String(items.at(-1)!.seq) : null };
}
