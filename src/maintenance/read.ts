import type pg from 'pg';
import { groupIdsOfSystemSql } from '../catalog/read.ts';
import { nextOccurrence, occurrenceAt, type Occurrence } from './status.ts';

/**
 * Maintenance as other domains may read it: the health API says whether a system is in
 * maintenance, notifications whether to hold its alerts. Computed from each window's schedule at
 * the time asked, not from its stored status, which follows the clock only as often as a
 * scheduler advances it. read.test.ts runs each against the migrated schema.
 */

interface CandidateRow {
  system_id: string;
  id: string;
  title: string;
  starts_at: Date;
  ends_at: Date;
  rrule: string | null;
  time_zone: string;
  suppress_notifications: boolean;
}

/**
 * Every listed system an occurrence of some window covers at `at`, named by the window directly
 * or through one of its groups; a system absent from the answer is not in maintenance. Of several
 * windows, one that suppresses notifications is preferred. One query however many systems: SQL
 * keeps the windows that could cover `at`, the schedule decides.
 */
export async function systemsInMaintenance(
  db: Pick<pg.Pool, 'query'>,
  systemIds: readonly string[],
  at: Date,
): Promise<Map<string, { windowId: string; title: string; suppressNotifications: boolean }>> {
  if (!systemIds.length) return new Map();
  // Completed is final, unless it became so after `at` (a question about a moment ago).
  const { rows } = await db.query<CandidateRow>(
    `WITH asked AS (SELECT DISTINCT unnest($1::uuid[]) AS system_id),
          named AS (
            SELECT ms.system_id, ms.window_id FROM maintenance_systems ms WHERE ms.system_id IN (SELECT system_id FROM asked)
            UNION
            SELECT a.system_id, mg.window_id FROM asked a JOIN maintenance_groups mg ON mg.group_id IN ${groupIdsOfSystemSql('a.system_id')})
     SELECT n.system_id, w.id, w.title, w.starts_at, w.ends_at, w.rrule, w.time_zone, w.suppress_notifications
       FROM named n JOIN maintenance_windows w ON w.id = n.window_id
      WHERE w.starts_at <= $2 AND (w.rrule IS NOT NULL OR w.ends_at > $2)
        AND (w.status <> 'completed' OR w.status_changed_at > $2)
      ORDER BY w.suppress_notifications DESC, w.starts_at, w.id`,
    [systemIds, at],
  );
  const covers = new Map<string, boolean>();
  const found = new Map<string, { windowId: string; title: string; suppressNotifications: boolean }>();
  for (const row of rows) {
    if (found.has(row.system_id)) continue;
    let on = covers.get(row.id);
    if (on === undefined) {
      on = occurrenceAt({ startsAt: row.starts_at, endsAt: row.ends_at, rrule: row.rrule, timeZone: row.time_zone }, at) !== null;
      covers.set(row.id, on);
    }
    if (on) found.set(row.system_id, { windowId: row.id, title: row.title, suppressNotifications: row.suppress_notifications });
  }
  return found;
}

/** A window as the public status page tells it. */
export interface WindowOfSystems {
  id: string;
  title: string;
  description: string;
  /** Of the systems asked about, those it covers, named directly or through a group (never the others). */
  systemIds: string[];
  /** The occurrence on at the time asked, if any. */
  current: Occurrence | null;
  /** The next occurrence to start, if any. */
  next: Occurrence | null;
}

/**
 * The windows covering any of the systems that are on at `at` or have an occurrence starting
 * before `until`: on ones first, then by their next start.
 */
export async function maintenanceOfSystems(db: Pick<pg.Pool, 'query'>, systemIds: readonly string[], at: Date, until: Date): Promise<WindowOfSystems[]> {
  if (!systemIds.length) return [];
  const { rows } = await db.query<Omit<CandidateRow, 'system_id' | 'suppress_notifications'> & { description: string; system_ids: string[] }>(
    `WITH asked AS (SELECT DISTINCT unnest($1::uuid[]) AS system_id),
          named AS (
            SELECT ms.system_id, ms.window_id FROM maintenance_systems ms WHERE ms.system_id IN (SELECT system_id FROM asked)
            UNION
            SELECT a.system_id, mg.window_id FROM asked a JOIN maintenance_groups mg ON mg.group_id IN ${groupIdsOfSystemSql('a.system_id')})
     SELECT w.id, w.title, w.description, w.starts_at, w.ends_at, w.rrule, w.time_zone, array_agg(n.system_id::text ORDER BY n.system_id) AS system_ids
       FROM named n JOIN maintenance_windows w ON w.id = n.window_id
      WHERE w.starts_at < $3 AND (w.rrule IS NOT NULL OR w.ends_at > $2)
        AND (w.status <> 'completed' OR w.status_changed_at > $2)
      GROUP BY w.id`,
    [systemIds, at, until],
  );
  const windows: WindowOfSystems[] = [];
  for (const row of rows) {
    const schedule = { startsAt: row.starts_at, endsAt: row.ends_at, rrule: row.rrule, timeZone: row.time_zone };
    const current = occurrenceAt(schedule, at);
    const next = nextOccurrence(schedule, at);
    if (!current && !(next && next.startsAt < until)) continue;
    windows.push({ id: row.id, title: row.title, description: row.description, systemIds: row.system_ids, current, next: next && next.startsAt < until ? next : null });
  }
  const starts = (w: WindowOfSystems) => (w.current ?? w.next)!.startsAt.getTime();
  return windows.sort((a, b) => Number(!a.current) - Number(!b.current) || starts(a) - starts(b) || a.id.localeCompare(b.id));
}
