import { inArray } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { users } from './schema.ts';

/** Users as other domains read them (notifications: a user's own address for email). */

/** The email addresses of these users that exist and are not disabled. */
export async function userEmails(db: Pick<Db, 'select'>, userIds: readonly string[]): Promise<Map<string, string>> {
  if (!userIds.length) return new Map();
  const rows = await db.select({ id: users.id, email: users.email, disabled: users.disabled }).from(users).where(inArray(users.id, [...userIds]));
  return new Map(rows.filter((row) => !row.disabled).map((row) => [row.id, row.email]));
}
