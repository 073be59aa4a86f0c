import { eq } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { runs } from './schema.ts';

/** Runs as other domains read them (access: whose run it is). */

/** The system a run belongs to; undefined when there is no such run. */
export async function systemOfRun(db: Pick<Db, 'select'>, runId: string): Promise<string | undefined> {
  const [row] = await db.select({ systemId: runs.systemId }).from(runs).where(eq(runs.id, runId));
  return row?.systemId;
}
