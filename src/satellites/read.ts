import type { Db } from '../db/database.ts';
import { missingReferences } from '../db/references.ts';
import type { ErrorDetail } from '../kernel/errors.ts';
import { satellites } from './schema.ts';

/** Satellites as other domains read them. */

/** Satellites the ids name that do not exist, as error details for `field` (`satelliteIds.1`). */
export function missingSatellites(db: Pick<Db, 'select'>, ids: string[], field: string): Promise<ErrorDetail[]> {
  return missingReferences(db, satellites, ids, field, 'satellite');
}

/** Every satellite's name by id (configuration documents name satellites; assignments hold ids). */
export async function satelliteNames(db: Pick<Db, 'select'>): Promise<Map<string, string>> {
  const rows = await db.select({ id: satellites.id, name: satellites.name }).from(satellites);
  return new Map(rows.map((row) => [row.id, row.name]));
}
