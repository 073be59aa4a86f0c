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

/** A window as the public status page reads it: what it says, when, and what it names. */
export interface CurrentWindow {
  id: string;
  title: string;
  description: string;
  /** The systems it names directly… */
  systemIds: string[];
  /** …and the groups whose systems it covers. */
  groupIds: string[];
  /** The occurrence on at the time asked, if any. */
  current: Occurrence | null;
  /** The next occurrence to start before `until`, if any. */
  next: Occurrence | null;
}

/**
 * Every window on at `at` or with an occurrence starting before `until`: on ones first, then by
 * their next start. Few rows (windows, not systems), so the caller decides which of its systems
 * each covers.
 */
export async function currentMaintenance(db: Pick<pg.Pool, 'query'>, at: Date, until: Date): Promise<CurrentWindow[]> {
  const { rows } = await db.query<Omit<CandidateRow, 'system_id' | 'suppress_notifications'> & { description: string; system_ids: string[]; group_ids: string[] }>(
    `SELECT w.id, w.title, w.description, w.starts_at, w.ends_at, w.rrule, w.time_zone,
            ARRAY(SELECT system_id::text FROM maintenance_systems WHERE window_id = w.id ORDER BY system_id) AS system_ids,
            ARRAY(SELECT group_id::text FROM maintenance_groups WHERE window_id = w.id ORDER BY group_id) AS group_ids
       FROM maintenance_windows w
      WHERE w.starts_at < $2 AND (w.rrule IS NOT NULL OR w.ends_at > $1)
        AND (w.status <> 'completed' OR w.status_changed_at > $1)`,
    [at, until],
  );
  const windows: CurrentWindow[] = [];
  for (const row of rows) {
    const schedule = { startsAt: row.starts_at, endsAt: row.ends_at, rrule: row.rrule, timeZone: row.time_zone };
    const current = occurrenceAt(schedule, at);
    const next = nextOccurrence(schedule, at);
    const soon = next && next.startsAt < until ? next : null;
    if (!current && !soon) continue;
    windows.push({ id: row.id, title: row.title, description: row.description, systemIds: row.system_ids, groupIds: row.group_ids, current, next: soon });
  }
  const starts = (w: CurrentWindow) => (w.current ?? w.next)!.startsAt.getTime();
  return windows.sort((a, b) => Number(!a.current) - Number(!b.current) || starts(a) - starts(b) || a.id.localeCompare(b.id));
}
