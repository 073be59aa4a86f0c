import type pg from 'pg';
import type { IncidentSeverity, IncidentStatus } from './model.ts';

/**
 * Incidents as other domains may read them: notifications ask which systems' alerts an incident
 * suppresses, the status page which incidents are open. Open means any status but resolved.
 * A system with nothing to report is absent from the answer. read.test.ts runs each against the
 * migrated schema.
 */

/**
 * For each of the systems, the newest open incident that names it and suppresses notifications.
 * Callers deciding whether to send should fail open: an error here must not silence an alert.
 */
export async function suppressingIncidents(db: Pick<pg.Pool, 'query'>, systemIds: readonly string[]): Promise<Map<string, { incidentId: string; title: string }>> {
  if (!systemIds.length) return new Map();
  const { rows } = await db.query<{ system_id: string; id: string; title: string }>(
    `SELECT DISTINCT ON (s.system_id) s.system_id, i.id, i.title
       FROM incident_systems s JOIN incidents i ON i.id = s.incident_id
      WHERE s.system_id = ANY($1::uuid[]) AND i.status <> 'resolved' AND i.suppress_notifications
      ORDER BY s.system_id, i.created_at DESC, i.id DESC`,
    [systemIds],
  );
  return new Map(rows.map((row) => [row.system_id, { incidentId: row.id, title: row.title }]));
}

/** For each of the systems, the open incidents that name it, newest first. */
export async function openIncidentsOf(
  db: Pick<pg.Pool, 'query'>,
  systemIds: readonly string[],
): Promise<Map<string, { incidentId: string; title: string; severity: string; status: string }[]>> {
  if (!systemIds.length) return new Map();
  const { rows } = await db.query<{ system_id: string; id: string; title: string; severity: string; status: string }>(
    `SELECT s.system_id, i.id, i.title, i.severity, i.status
       FROM incident_systems s JOIN incidents i ON i.id = s.incident_id
      WHERE s.system_id = ANY($1::uuid[]) AND i.status <> 'resolved'
      ORDER BY s.system_id, i.created_at DESC, i.id DESC`,
    [systemIds],
  );
  const open = new Map<string, { incidentId: string; title: string; severity: string; status: string }[]>();
  for (const row of rows) {
    open.set(row.system_id, [...(open.get(row.system_id) ?? []), { incidentId: row.id, title: row.title, severity: row.severity, status: row.status }]);
  }
  return open;
}

/** Whether an incident exists and is not resolved (an SQL expression; the id an SQL expression too). */
export function incidentOpenSql(incidentId: string): string {
  return `EXISTS (SELECT 1 FROM incidents WHERE id = ${incidentId} AND status <> 'resolved')`;
}

/** An incident as the public status page tells it: what it says, never who wrote it. */
export interface IncidentOfSystems {
  id: string;
  title: string;
  severity: IncidentSeverity;
  status: IncidentStatus;
  createdAt: Date;
  updatedAt: Date;
  resolvedAt: Date | null;
  /** Of the systems asked about, those it names (never the others it also names). */
  systemIds: string[];
  /** The timeline, oldest first. */
  updates: { status: IncidentStatus; message: string; createdAt: Date }[];
}

/** The incidents that name any of the systems, most recently updated first, at most `limit`; `open` keeps those not resolved. */
export async function incidentsOfSystems(
  db: Pick<pg.Pool, 'query'>,
  systemIds: readonly string[],
  options: { open: boolean; limit: number },
): Promise<IncidentOfSystems[]> {
  if (!systemIds.length) return [];
  const { rows } = await db.query(
    `WITH hit AS (
       SELECT s.incident_id, array_agg(s.system_id::text ORDER BY s.system_id) AS system_ids
         FROM incident_systems s WHERE s.system_id = ANY($1::uuid[]) GROUP BY s.incident_id)
     SELECT i.id, i.title, i.severity, i.status, i.created_at, i.updated_at, i.resolved_at, hit.system_ids,
            (SELECT coalesce(json_agg(json_build_object('status', u.status, 'message', u.message, 'createdAt', u.created_at) ORDER BY u.created_at, u.id), '[]')
               FROM incident_updates u WHERE u.incident_id = i.id) AS updates
       FROM hit JOIN incidents i ON i.id = hit.incident_id
      WHERE NOT $2::boolean OR i.status <> 'resolved'
      ORDER BY i.updated_at DESC, i.id DESC LIMIT $3`,
    [systemIds, options.open, options.limit],
  );
  return rows.map((row) => ({
    id: row.id,
    title: row.title,
    severity: row.severity,
    status: row.status,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    resolvedAt: row.resolved_at,
    systemIds: row.system_ids,
    updates: (row.updates as { status: IncidentOfSystems['status']; message: string; createdAt: string }[]).map((u) => ({ ...u, createdAt: new Date(u.createdAt) })),
  }));
}
