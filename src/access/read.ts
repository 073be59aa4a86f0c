import { inArray, sql } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { missingReferences } from '../db/references.ts';
import type { ErrorDetail } from '../kernel/errors.ts';
import { users } from './schema.ts';

/** Users as other domains read them (notifications: a user's own address for email). */

/** The email addresses of these users that exist and are not disabled. */
export async function userEmails(db: Pick<Db, 'select'>, userIds: readonly string[]): Promise<Map<string, string>> {
  if (!userIds.length) return new Map();
  const rows = await db.select({ id: users.id, email: users.email, disabled: users.disabled }).from(users).where(inArray(users.id, [...userIds]));
  return new Map(rows.filter((row) => !row.disabled).map((row) => [row.id, row.email]));
}

/** Users the ids name that do not exist, as error details for `field`. */
export function missingUsers(db: Pick<Db, 'select'>, ids: string[], field: string): Promise<ErrorDetail[]> {
  return missingReferences(db, users, ids, field, 'user');
}

/** The ids of the users with these email addresses (compared ignoring case), by lower-cased address. */
export async function userIdsByEmail(db: Pick<Db, 'select'>, emails: readonly string[]): Promise<Map<string, string>> {
  if (!emails.length) return new Map();
  const rows = await db
    .select({ id: users.id, email: users.email })
    .from(users)
    .where(inArray(sql`lower(${users.email})`, emails.map((email) => email.toLowerCase())));
  return new Map(rows.map((row) => [row.email.toLowerCase(), row.id]));
}
