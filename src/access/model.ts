import { z } from 'zod';
import { ROLES } from './roles.ts';

const Timestamp = z.string().meta({ format: 'date-time' });
const Email = z.email({ message: 'expected an email address' }).max(320, 'expected at most 320 characters');
const Password = z.string().min(10, 'expected at least 10 characters').max(1024, 'expected at most 1024 characters').meta({ writeOnly: true });
const Role = z.enum(ROLES, { message: `expected one of ${ROLES.join(', ')}` });
const UserRole = Role.nullable().meta({ description: 'The role everywhere; null: none outside the groups of `grants`' });
export const Grant = z
  .object({
    role: z.enum(['viewer', 'editor'], { message: 'expected viewer or editor (admin is never scoped)' }),
    groupIds: z.array(z.uuid({ message: 'expected a UUID' })).min(1, 'expected at least one group id').max(100, 'expected at most 100 groups'),
  })
  .strict()
  .meta({ id: 'Grant', description: 'A role within these groups only: their systems and the configurations assigned only to them' });
const Grants = z.array(Grant).max(20, 'expected at most 20 grants');

export const User = z
  .object({ id: z.string(), email: z.string(), name: z.string(), role: UserRole, grants: Grants, disabled: z.boolean(), createdAt: Timestamp, updatedAt: Timestamp })
  .meta({ id: 'User' });

export const UserInput = z
  .object({ email: Email, name: z.string().max(200, 'expected at most 200 characters').default(''), role: UserRole, grants: Grants.default([]), password: Password })
  .strict()
  .meta({ id: 'UserInput' });

export const UserPatch = z
  .object({ email: Email, name: z.string().max(200, 'expected at most 200 characters'), role: UserRole, grants: Grants, disabled: z.boolean(), password: Password })
  .partial()
  .strict()
  .meta({ id: 'UserPatch' });

export const SetupInput = z.object({ token: z.string().min(1, 'expected the token from the setup link'), email: Email, password: Password }).strict().meta({ id: 'SetupInput' });
export const LoginInput = z.object({ email: z.string().min(1, 'expected an email address'), password: z.string().min(1, 'expected a password') }).strict().meta({ id: 'LoginInput' });
export const PasswordChange = z.object({ current: z.string().min(1, 'expected your current password'), new: Password }).strict().meta({ id: 'PasswordChange' });

export const Me = z
  .object({
    user: User,
    via: z.enum(['session', 'token']),
    role: UserRole.meta({ description: 'The role this request runs with everywhere (a token may have less than its user)' }),
    grants: Grants.meta({ description: 'The roles this request runs with within some groups' }),
  })
  .meta({ id: 'Me' });

export const TokenInput = z
  .object({
    name: z.string().trim().min(1, 'expected a name').max(100, 'expected at most 100 characters'),
    role: Role.optional().meta({ description: 'At most your own role; defaults to it' }),
    expiresAt: z.iso.datetime({ offset: true, message: 'expected an ISO-8601 date-time' }).optional(),
  })
  .strict()
  .meta({ id: 'TokenInput' });

export const ApiToken = z
  .object({ id: z.string(), name: z.string(), role: Role, createdAt: Timestamp, lastUsedAt: Timestamp.nullable(), expiresAt: Timestamp.nullable() })
  .meta({ id: 'ApiToken' });

export const CreatedToken = ApiToken.extend({ token: z.string().meta({ description: 'vgl_…: shown this once, never again' }) }).meta({ id: 'CreatedToken' });

export type User = z.infer<typeof User>;
export type UserInput = z.output<typeof UserInput>;
export type UserPatch = z.output<typeof UserPatch>;
export type TokenInput = z.output<typeof TokenInput>;
export type ApiToken = z.infer<typeof ApiToken>;
export type CreatedToken = z.infer<typeof CreatedToken>;

const AnyJson = z.unknown().meta({ description: 'The resource as the API shows it, with credentials redacted' });

export const AuditEntry = z
  .object({
    seq: z.number().int().meta({ description: 'Increases with every entry' }),
    at: Timestamp,
    actor: z.object({
      kind: z.enum(['user', 'token', 'system']),
      id: z.string().meta({ description: 'The user id (a token’s owner), or the system actor’s name' }),
      label: z.string().meta({ description: 'Email, `email (token name)`, or the system actor' }),
      tokenId: z.string().nullable(),
    }),
    ip: z.string().nullable(),
    resourceType: z.string().meta({ example: 'configuration' }),
    resourceId: z.string(),
    action: z.string().meta({ example: 'update' }),
    before: AnyJson.nullable(),
    after: AnyJson.nullable(),
    changes: z.array(z.object({ path: z.string(), before: z.unknown().optional(), after: z.unknown().optional() })).meta({ description: 'The fields that differ, by dotted path' }),
    changeSet: z.string().nullable().meta({ description: 'Set on every change one apply of configuration documents made, and on its own `apply` entry' }),
  })
  .meta({ id: 'AuditEntry' });
