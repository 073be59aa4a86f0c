import { sql } from 'drizzle-orm';
import { bigserial, boolean, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, updatedAt } from '../db/columns.ts';
import type { Grant, Role } from './roles.ts';

/**
 * People who sign in (SPEC §8.1). The password hash is argon2id; null for a user who only signs in
 * by SSO. `role` holds everywhere (null: nowhere but the groups of `grants`); each grant adds a
 * role within some groups.
 */
export const users = pgTable(
  'users',
  {
    id: id(),
    email: text('email').notNull(),
    name: text('name').notNull().default(''),
    passwordHash: text('password_hash'),
    role: text('role').$type<Role>(),
    grants: jsonb('grants').$type<Grant[]>().notNull().default([]),
    /** The OpenID provider (issuer URL) and its subject for a user who signed in by SSO. */
    oidcIssuer: text('oidc_issuer'),
    oidcSubject: text('oidc_subject'),
    disabled: boolean('disabled').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('users_email_key').on(sql`lower(${t.email})`), uniqueIndex('users_oidc_key').on(t.oidcIssuer, t.oidcSubject)],
);

/** Server-side sessions: the cookie holds a random id, the table only its SHA-256. */
export const sessions = pgTable(
  'sessions',
  {
    idHash: text('id_hash').primaryKey(),
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

/** API tokens (`vgl_…`): only the SHA-256 of the token is kept. */
export const apiTokens = pgTable(
  'api_tokens',
  {
    id: id(),
    userId: uuid('user_id').notNull().references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    tokenHash: text('token_hash').notNull(),
    role: text('role').$type<Role>().notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('api_tokens_hash_key').on(t.tokenHash), index('api_tokens_user_idx').on(t.userId)],
);

/** The one-time first-admin setup token (SHA-256), valid until `expiresAt`, gone once used. */
export const setupTokens = pgTable('setup_tokens', {
  tokenHash: text('token_hash').primaryKey(),
  expiresAt: timestamp('expires_at', { withTimezone: true, mode: 'date' }).notNull(),
});

/**
 * Every change by a user, a token or Vigil itself (SPEC §8.1): written in the transaction of the
 * change, with before/after redacted of secret values and credentials.
 */
export const auditLog = pgTable(
  'audit_log',
  {
    seq: bigserial('seq', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    actorKind: text('actor_kind').$type<'user' | 'token' | 'system'>().notNull(),
    /** The user id (for a token, its owner's), or the system actor's name. */
    actorId: text('actor_id').notNull(),
    /** Email for a user; `email (token name)` for a token; the system actor's name. */
    actorLabel: text('actor_label').notNull(),
    tokenId: uuid('token_id'),
    ip: text('ip'),
    resourceType: text('resource_type').notNull(),
    resourceId: text('resource_id').notNull(),
    action: text('action').notNull(),
    before: jsonb('before'),
    after: jsonb('after'),
    /** The changes one request made together (an apply of configuration documents), all with its id. */
    changeSet: uuid('change_set'),
  },
  (t) => [index('audit_log_resource_idx').on(t.resourceType, t.resourceId, t.seq), index('audit_log_actor_idx').on(t.actorId, t.seq), index('audit_log_at_idx').on(t.at), index('audit_log_change_set_idx').on(t.changeSet)],
);
