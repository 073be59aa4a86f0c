import { inArray } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { ErrorDetail } from '../kernel/errors.ts';
import type { Db } from './database.ts';

type Executor = Pick<Db, 'select'>;

/**
 * The ids a request refers to that do not exist, as error details naming the field: `systemId`
 * for a single reference, `groupIds.2` for the third of a list.
 */
export async function missingReferences(
  db: Executor,
  table: PgTable & { id: PgColumn },
  ids: string[],
  field: string,
  resource: string,
): Promise<ErrorDetail[]> {
  if (!ids.length) return [];
  const rows = await db.select({ id: table.id }).from(table).where(inArray(table.id, ids));
  const found = new Set(rows.map((r) => r.id as string));
  const single = !field.endsWith('Ids');
  return ids.flatMap((id, index) => (found.has(id) ? [] : [{ path: single ? field : `${field}.${index}`, message: `no ${resource} with id ${id}` }]));
}
