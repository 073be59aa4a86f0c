import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { and, asc, eq, gt, lt, sql } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { translateDbError } from '../db/errors.ts';
import { ConflictError, ForbiddenError, NotFoundError, UnauthorizedError, ValidationError } from '../kernel/errors.ts';
import type { Logger } from '../kernel/log.ts';
import { listAudit, recordChange, type AuditEntry, type AuditFilter } from './audit.ts';
import type { Caller } from './authorize.ts';
import type { ApiToken, CreatedToken, TokenInput, User, UserInput, UserPatch } from './model.ts';
import { atLeast, capGrants, highestRole, lesser, type Grant } from './roles.ts';
import { apiTokens, sessions, setupTokens, users } from './schema.ts';

/**
 * Users, sessions, API tokens and the first admin (SPEC §8.1). Credentials are random and only
 * their SHA-256 is stored; passwords are argon2id. Every failure to sign in reads the same, so no
 * answer tells whether an account exists.
 */

const ARGON2ID = 2;
const TOKEN_PREFIX = 'vgl_';
const SIGN_IN_FAILED = 'Wrong email or password';
/** Touching last-seen on every request would be a write per request; once a minute is plenty. */
const TOUCH_EVERY_MS = 60_000;

export interface AccessOptions {
  /** A session unused this long ends (default 7 days). */
  sessionIdleMs: number;
  /**
   * Told after a user's credentials changed (role, disabled, password, deleted, a token revoked, a
   * session ended), so every process drops what it cached about that user (see forget()).
   */
  announce?: (userId: string) => void;
  /** Which of these group ids name no group (grants must name real groups); unchecked when absent. */
  missingGroups?: (groupIds: string[]) => Promise<string[]>;
  /** For what is worth a warning (single sign-on trying to demote the last admin). */
  log?: Pick<Logger, 'warn'>;
}

/** How long a resolved credential is believed without asking the database again. */
const CACHE_MS = 10_000;
const CACHE_LIMIT = 10_000;

interface Cached {
  caller: Caller;
  until: number;
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const randomSecret = () => randomBytes(32).toString('base64url');

export class AccessService {
  // Verifying against a real hash when the account does not exist keeps both answers equally slow
  // (made on the first sign-in, not at start: worker processes never need it).
  private dummyHash?: Promise<string>;
  /** Resolved credentials by their hash: most requests then need no database round trip. */
  private readonly cache = new Map<string, Cached>();

  constructor(
    private readonly db: Db,
    private readonly options: AccessOptions,
  ) {}

  get sessionIdleMs(): number {
    return this.options.sessionIdleMs;
  }

  async hasUsers(): Promise<boolean> {
    const [row] = await this.db.select({ id: users.id }).from(users).limit(1);
    return row !== undefined;
  }

  // ── first admin ──────────────────────────────────────────────────────────

  /** A new one-time setup token (replacing any earlier one), or undefined when a user exists. */
  async createSetupToken(ttlMs = 3_600_000): Promise<string | undefined> {
    if (await this.hasUsers()) return undefined;
    const token = randomSecret();
    await this.db.transaction(async (tx) => {
      await tx.delete(setupTokens);
      await tx.insert(setupTokens).values({ tokenHash: sha256(token), expiresAt: new Date(Date.now() + ttlMs) });
    });
    return token;
  }

  /** Creates the first admin with the setup token; single use, and only while there is no user. */
  async setup(token: string, email: string, password: string): Promise<User> {
    checkPassword(password, email);
    const passwordHash = await hash(password, { algorithm: ARGON2ID });
    return this.db.transaction(async (tx) => {
      await tx.execute(sql`LOCK TABLE setup_tokens IN EXCLUSIVE MODE`);
      const [valid] = await tx
        .delete(setupTokens)
        .where(and(eq(setupTokens.tokenHash, sha256(token)), gt(setupTokens.expiresAt, new Date())))
        .returning();
      const [existing] = await tx.select({ id: users.id }).from(users).limit(1);
      if (!valid || existing) throw new UnauthorizedError('This setup link is not valid (used, expired, or an admin exists already)');
      await tx.delete(setupTokens);
      const [row] = await tx.insert(users).values({ email, passwordHash, role: 'admin' }).returning();
      const user = toUser(row!);
      await recordChange(tx, { resourceType: 'user', resourceId: user.id, action: 'create', after: user });
      return user;
    });
  }

  /** `VIGIL_ADMIN_EMAIL` + `VIGIL_ADMIN_PASSWORD`: creates that admin unless the email exists. Idempotent. */
  async ensureAdmin(email: string, password: string): Promise<'created' | 'exists'> {
    const [found] = await this.db.select({ id: users.id }).from(users).where(sql`lower(${users.email}) = ${email.toLowerCase()}`);
    if (found) return 'exists';
    checkPassword(password, email);
    const passwordHash = await hash(password, { algorithm: ARGON2ID });
    await this.db.transaction(async (tx) => {
      const [row] = await tx.insert(users).values({ email, passwordHash, role: 'admin' }).onConflictDoNothing().returning();
      if (row) await recordChange(tx, { resourceType: 'user', resourceId: row.id, action: 'create', after: toUser(row) });
      await tx.delete(setupTokens);
    });
    return 'created';
  }

  // ── sessions ─────────────────────────────────────────────────────────────

  /** A new session id for these credentials, or an UnauthorizedError that says nothing more. */
  async login(email: string, password: string): Promise<{ sessionId: string; user: User }> {
    const [row] = await this.db.select().from(users).where(sql`lower(${users.email}) = ${email.toLowerCase()}`);
    const ok = await verify(row?.passwordHash ?? (await (this.dummyHash ??= hash(randomSecret(), { algorithm: ARGON2ID }))), password).catch(() => false);
    if (!row || !row.passwordHash || !ok || row.disabled) throw new UnauthorizedError(SIGN_IN_FAILED);
    const sessionId = randomSecret();
    await this.db.insert(sessions).values({ idHash: sha256(sessionId), userId: row.id });
    return { sessionId, user: toUser(row) };
  }

  async logout(sessionId: string): Promise<void> {
    const [ended] = await this.db.delete(sessions).where(eq(sessions.idHash, sha256(sessionId))).returning({ userId: sessions.userId });
    if (ended) this.changed(ended.userId);
  }

  /** Drops every cached credential of the user (called here, and by every process on the bus). */
  forget(userId: string): void {
    for (const [key, entry] of this.cache) if (entry.caller.userId === userId) this.cache.delete(key);
  }

  private changed(userId: string): void {
    this.forget(userId);
    this.options.announce?.(userId);
  }

  private cached(key: string, now: Date): Caller | undefined {
    const entry = this.cache.get(key);
    if (entry && entry.until > now.getTime()) return entry.caller;
    if (entry) this.cache.delete(key);
    return undefined;
  }

  private remember(key: string, caller: Caller, now: Date, expiresAt?: Date | null): Caller {
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    const until = Math.min(now.getTime() + CACHE_MS, expiresAt ? expiresAt.getTime() : Number.POSITIVE_INFINITY);
    this.cache.set(key, { caller, until });
    return caller;
  }

  /** The caller a session cookie names, or undefined (unknown, idle too long, or user disabled). */
  async callerOfSession(sessionId: string, now = new Date()): Promise<Caller | undefined> {
    const idHash = sha256(sessionId);
    const key = `session:${idHash}`;
    const known = this.cached(key, now);
    if (known) return known;
    const [row] = await this.db
      .select({ userId: users.id, email: users.email, role: users.role, grants: users.grants, disabled: users.disabled, lastSeenAt: sessions.lastSeenAt })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(eq(sessions.idHash, idHash));
    if (!row || row.disabled) return undefined;
    if (now.getTime() - row.lastSeenAt.getTime() > this.options.sessionIdleMs) {
      await this.db.delete(sessions).where(eq(sessions.idHash, idHash));
      return undefined;
    }
    if (now.getTime() - row.lastSeenAt.getTime() > TOUCH_EVERY_MS) {
      await this.db.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.idHash, idHash));
    }
    // Idle time is measured to the last touch, at most a minute plus the cache time stale.
    return this.remember(key, { kind: 'user', userId: row.userId, email: row.email, role: row.role, grants: row.grants }, now);
  }

  /** The caller a bearer token names, or undefined; its role is never above its owner's current role. */
  async callerOfToken(token: string, now = new Date()): Promise<Caller | undefined> {
    if (!token.startsWith(TOKEN_PREFIX)) return undefined;
    const tokenHash = sha256(token);
    const key = `token:${tokenHash}`;
    const known = this.cached(key, now);
    if (known) return known;
    const [row] = await this.db
      .select({
        id: apiTokens.id,
        name: apiTokens.name,
        hash: apiTokens.tokenHash,
        role: apiTokens.role,
        expiresAt: apiTokens.expiresAt,
        lastUsedAt: apiTokens.lastUsedAt,
        userId: users.id,
        email: users.email,
        userRole: users.role,
        grants: users.grants,
        disabled: users.disabled,
      })
      .from(apiTokens)
      .innerJoin(users, eq(users.id, apiTokens.userId))
      .where(eq(apiTokens.tokenHash, tokenHash));
    // The lookup is by hash; comparing the hashes again in constant time costs nothing and closes the question.
    if (!row || !timingSafeEqual(Buffer.from(row.hash), Buffer.from(tokenHash)) || row.disabled) return undefined;
    if (row.expiresAt && row.expiresAt <= now) return undefined;
    if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > TOUCH_EVERY_MS) {
      await this.db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.id));
    }
    const caller: Caller = {
      kind: 'token',
      userId: row.userId,
      email: row.email,
      role: lesser(row.role, row.userRole),
      grants: capGrants(row.grants, row.role),
      tokenId: row.id,
      tokenName: row.name,
    };
    return this.remember(key, caller, now, row.expiresAt);
  }

  async me(caller: Caller): Promise<User> {
    return this.getUser(caller.userId);
  }

  /** Changes the caller's own password; every session of theirs ends. */
  async changePassword(caller: Caller, current: string, next: string): Promise<void> {
    const [row] = await this.db.select().from(users).where(eq(users.id, caller.userId));
    if (!row?.passwordHash || !(await verify(row.passwordHash, current).catch(() => false))) {
      throw new ValidationError([{ path: 'current', message: 'is not your current password' }]);
    }
    checkPassword(next, row.email, 'new');
    const passwordHash = await hash(next, { algorithm: ARGON2ID });
    await this.db.transaction(async (tx) => {
      await tx.update(users).set({ passwordHash, updatedAt: new Date() }).where(eq(users.id, row.id));
      await tx.delete(sessions).where(eq(sessions.userId, row.id));
      await recordChange(tx, { resourceType: 'user', resourceId: row.id, action: 'change_password' });
    });
    this.changed(row.id);
  }

  // ── API tokens ───────────────────────────────────────────────────────────

  async createToken(caller: Caller, input: TokenInput): Promise<CreatedToken> {
    const highest = highestRole(caller);
    if (!highest) throw new ForbiddenError('You have no role, so a token of yours could do nothing');
    const role = input.role ?? highest;
    if (!atLeast(highest, role)) throw new ForbiddenError(`A token cannot have more than your role (${highest})`, [{ path: 'role', message: `expected at most ${highest}` }]);
    if (input.expiresAt && new Date(input.expiresAt) <= new Date()) throw new ValidationError([{ path: 'expiresAt', message: 'expected a time in the future' }]);
    const token = `${TOKEN_PREFIX}${randomSecret()}`;
    const created = await this.db.transaction(async (tx) => {
      const [row] = await tx
        .insert(apiTokens)
        .values({ userId: caller.userId, name: input.name, role, tokenHash: sha256(token), expiresAt: input.expiresAt ? new Date(input.expiresAt) : null })
        .returning();
      const made = toToken(row!);
      await recordChange(tx, { resourceType: 'token', resourceId: made.id, action: 'create', after: { ...made, userId: caller.userId } });
      return made;
    });
    return { ...created, token };
  }

  /** The caller's own tokens, newest first; never the token itself. */
  async listTokens(caller: Caller): Promise<ApiToken[]> {
    const rows = await this.db.select().from(apiTokens).where(eq(apiTokens.userId, caller.userId)).orderBy(asc(apiTokens.createdAt));
    return rows.map(toToken);
  }

  /** Revokes at once. Callers revoke their own tokens; admins anyone's. */
  async revokeToken(caller: Caller, id: string): Promise<void> {
    const own = eq(apiTokens.userId, caller.userId);
    const deleted = await this.db.transaction(async (tx) => {
      const [row] = await tx
        .delete(apiTokens)
        .where(and(eq(apiTokens.id, id), caller.role === 'admin' ? undefined : own))
        .returning();
      if (!row) throw new NotFoundError('Token', id);
      await recordChange(tx, { resourceType: 'token', resourceId: id, action: 'revoke', before: { ...toToken(row), userId: row.userId } });
      return row;
    });
    this.changed(deleted.userId);
  }

  // ── users (admin) ────────────────────────────────────────────────────────

  async listUsers(): Promise<User[]> {
    return (await this.db.select().from(users).orderBy(asc(sql`lower(${users.email})`))).map(toUser);
  }

  async getUser(id: string): Promise<User> {
    const [row] = await this.db.select().from(users).where(eq(users.id, id));
    if (!row) throw new NotFoundError('User', id);
    return toUser(row);
  }

  async createUser(input: UserInput): Promise<User> {
    checkPassword(input.password, input.email, 'password');
    const passwordHash = await hash(input.password, { algorithm: ARGON2ID });
    const grants = await this.checkGrants(input.grants);
    return this.db
      .transaction(async (tx) => {
        const [row] = await tx.insert(users).values({ email: input.email, name: input.name, role: input.role, grants, passwordHash }).returning();
        const user = toUser(row!);
        await recordChange(tx, { resourceType: 'user', resourceId: user.id, action: 'create', after: user });
        return user;
      })
      .catch(translateDbError);
  }

  /** Changing role or disabling takes effect on the user's next request; disabling also ends their sessions. */
  async updateUser(caller: Caller, id: string, patch: UserPatch): Promise<User> {
    if (id === caller.userId && (patch.disabled === true || (patch.role && patch.role !== 'admin'))) {
      throw new ConflictError('You cannot disable or demote yourself; ask another admin');
    }
    const passwordHash = patch.password === undefined ? undefined : await hash(patch.password, { algorithm: ARGON2ID });
    return this.db.transaction(async (tx) => {
      const [current] = await tx.select().from(users).where(eq(users.id, id)).for('update');
      if (!current) throw new NotFoundError('User', id);
      if (patch.password !== undefined) checkPassword(patch.password, patch.email ?? current.email, 'password');
      const { password: _password, grants, ...fields } = patch;
      if (grants) Object.assign(fields, { grants: await this.checkGrants(grants) });
      const [row] = await tx
        .update(users)
        .set({ ...fields, ...(passwordHash ? { passwordHash } : {}), updatedAt: new Date() })
        .where(eq(users.id, id))
        .returning()
        .catch(translateDbError);
      if (patch.disabled || passwordHash) await tx.delete(sessions).where(eq(sessions.userId, id));
      const user = toUser(row!);
      await recordChange(tx, { resourceType: 'user', resourceId: id, action: passwordHash ? 'update_with_password' : 'update', before: toUser(current), after: user });
      return user;
    }).then((user) => {
      this.changed(id);
      return user;
    });
  }

  async deleteUser(caller: Caller, id: string): Promise<void> {
    if (id === caller.userId) throw new ConflictError('You cannot delete yourself; ask another admin');
    await this.db.transaction(async (tx) => {
      const [row] = await tx.delete(users).where(eq(users.id, id)).returning();
      if (!row) throw new NotFoundError('User', id);
      await recordChange(tx, { resourceType: 'user', resourceId: id, action: 'delete', before: toUser(row) });
    });
    this.changed(id);
  }

  /** The audit log, newest first (admin). */
  async audit(filter: AuditFilter, page: { limit: number; cursor?: string }): Promise<{ items: AuditEntry[]; nextCursor: string | null }> {
    return listAudit(this.db, filter, page);
  }

  /** The grants, each group named once, after checking every group exists (a 400 naming the first unknown one). */
  private async checkGrants(grants: Grant[]): Promise<Grant[]> {
    const ids = [...new Set(grants.flatMap((g) => g.groupIds))];
    const missing = ids.length && this.options.missingGroups ? await this.options.missingGroups(ids) : [];
    if (missing.length) {
      const at = grants.findIndex((g) => g.groupIds.includes(missing[0]!));
      throw new ValidationError([{ path: `grants.${at}.groupIds`, message: `no group has id "${missing[0]}"` }]);
    }
    return grants.map((g) => ({ role: g.role, groupIds: [...new Set(g.groupIds)] }));
  }

  /** Removes sessions idle past the limit and expired setup tokens (an hourly sweep; a stale one is refused anyway). */
  async sweep(now = new Date()): Promise<void> {
    await this.db.delete(sessions).where(lt(sessions.lastSeenAt, new Date(now.getTime() - this.options.sessionIdleMs)));
    await this.db.delete(setupTokens).where(lt(setupTokens.expiresAt, now));
  }

  // ── single sign-on ───────────────────────────────────────────────────────

  /**
   * A new session id for a user the OpenID provider vouched for (oidc.ts found, linked or created
   * them). `role`, when given, replaces theirs first: the provider's claims rule roles then.
   */
  async startSession(userId: string, role?: User['role']): Promise<string> {
    const sessionId = randomSecret();
    const roleChanged = await this.db.transaction(async (tx) => {
      // The provider's role map never demotes the last admin who can sign in: Vigil would be left
      // with nobody to manage it. The admins are locked first, so two sign-ins cannot both go.
      const admins = role !== undefined && role !== 'admin' ? await tx.select({ id: users.id }).from(users).where(and(eq(users.role, 'admin'), eq(users.disabled, false))).for('update') : [];
      const lastAdmin = admins.length === 1 && admins[0]!.id === userId;
      if (lastAdmin) this.options.log?.warn({ userId, role }, 'Single sign-on mapped the last admin to a lower role; the admin role is kept');
      const changed =
        role === undefined || lastAdmin
          ? []
          : await tx
              .update(users)
              .set({ role, updatedAt: new Date() })
              .where(and(eq(users.id, userId), sql`${users.role} is distinct from ${role}`))
              .returning({ id: users.id });
      if (changed.length) await recordChange(tx, { resourceType: 'user', resourceId: userId, action: 'update', after: { role } });
      await tx.insert(sessions).values({ idHash: sha256(sessionId), userId });
      return changed.length > 0;
    });
    if (roleChanged) this.changed(userId);
    return sessionId;
  }
}

/** SPEC-style password rules: at least 10 characters, not the email itself. */
function checkPassword(password: string, email: string, path = 'password'): void {
  if (password.length < 10) throw new ValidationError([{ path, message: 'expected at least 10 characters' }]);
  if (password.toLowerCase() === email.toLowerCase()) throw new ValidationError([{ path, message: 'must not be the email address' }]);
}

function toUser(row: typeof users.$inferSelect): User {
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    grants: row.grants,
    disabled: row.disabled,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function toToken(row: typeof apiTokens.$inferSelect): ApiToken {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    createdAt: row.createdAt.toISOString(),
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    expiresAt: row.expiresAt?.toISOString() ?? null,
  };
}
