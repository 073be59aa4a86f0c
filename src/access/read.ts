import { inArray } from 'drizzle-orm';
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
