import { eq } from 'drizzle-orm';
import type pg from 'pg';
import { assignmentCreatedSql, configurationNameSql } from '../checks/read.ts';
import type { Db } from '../db/database.ts';
import { runs } from './schema.ts';

/** Runs as other domains read them (access: whose run it is; notifications: what is failing). */

/** The system a run belongs to; undefined when there is no such run. */
export async function systemOfRun(db: Pick<Db, 'select'>, runId: string): Promise<string | undefined> {
  const [row] = await db.select({ systemId: runs.systemId }).from(runs).where(eq(runs.id, runId));
  return row?.systemId;
}

export interface FailingCheck {
  configurationId: string;
  name: string;
  status: 'degraded' | 'unhealthy';
  message: string;
}

/**
 * The checks of a system (in one environment, or any) whose newest run in the last day was not
 * healthy, with what that run said: what a notification says is failing and why.
 */
export async function failingChecks(pool: pg.Pool, systemId: string, environmentId: string | null): Promise<FailingCheck[]> {
  const { rows } = await pool.query(
    `SELECT configuration_id, name, status, message FROM (
       SELECT DISTINCT ON (configuration_id) configuration_id, ${configurationNameSql('configuration_id')} AS name, status, message
         FROM runs WHERE system_id = $1 AND ($2::uuid IS NULL OR environment_id = $2) AND created_at > now() - interval '1 day'
        ORDER BY configuration_id, created_at DESC) newest
      WHERE status <> 'healthy' AND name IS NOT NULL ORDER BY name`,
    [systemId, environmentId],
  );
  return rows.map((row) => ({ configurationId: row.configuration_id, name: row.name, status: row.status, message: row.message }));
}

/** When a view (a system's rollup, or one environment) last left healthy: NULL if never (an SQL expression). */
export function lastLeftHealthySql(systemId: string, environmentId: string): string {
  // configuration_id names the check whose run caused a transition, not a view of its own.
  return `(SELECT max(transitioned_at) FROM transitions WHERE system_id = ${systemId} AND environment_id IS NOT DISTINCT FROM ${environmentId}
             AND from_status = 'healthy')`;
}

/** The status of a system's rollup view (SPEC §3.4), or NULL when it has no state (an SQL expression). */
export function rollupStatusSql(systemId: string): string {
  return `(SELECT status FROM health_states WHERE entity_id = (${systemId})::text)`;
}

/** A view's current status and since when (the rollup when `environmentId` is null); undefined without a state. */
export async function viewState(pool: Pick<pg.Pool, 'query'>, systemId: string, environmentId: string | null): Promise<{ status: 'healthy' | 'degraded' | 'unhealthy'; since: Date } | undefined> {
  const entityId = environmentId === null ? systemId : `${systemId}::${environmentId}`;
  const { rows } = await pool.query(`SELECT status, since FROM health_states WHERE entity_id = $1`, [entityId]);
  return rows[0];
}

/** What some runs found (for an automation's run_now output), in the order asked. */
export async function runSummaries(pool: Pick<pg.Pool, 'query'>, runIds: readonly string[]): Promise<{ id: string; status: string; message: string; latencyMs: number | null; environmentId: string | null }[]> {
  if (!runIds.length) return [];
  const { rows } = await pool.query(`SELECT id, status, message, latency_ms, environment_id FROM runs WHERE id = ANY($1::uuid[])`, [runIds]);
  const byId = new Map(rows.map((row) => [row.id, { id: row.id, status: row.status, message: row.message, latencyMs: row.latency_ms, environmentId: row.environment_id }]));
  return runIds.flatMap((id) => byId.get(id) ?? []);
}

/**
 * Of the given ticks (each assignment's latest, due before this process started; the schedule id is
 * the assignment id), the ids of those due while their assignment existed after which no run of its
 * check and system was recorded: the ticks a process that was not running missed, and owes. A run of
 * any later tick, or a run-now, since the tick counts as run.
 */
export async function unrunTicks(
  pool: Pick<pg.Pool, 'query'>,
  ticks: readonly { scheduleId: string; configurationId: string; systemId: string; scheduledFor: number }[],
): Promise<string[]> {
  if (ticks.length === 0) return [];
  const { rows } = await pool.query<{ id: string }>(
    `SELECT t.id FROM unnest($1::text[], $2::uuid[], $3::uuid[], $4::float8[]) AS t(id, configuration_id, system_id, due_ms)
      WHERE ${assignmentCreatedSql('t.id::uuid')} <= to_timestamp(t.due_ms / 1000)
        AND NOT EXISTS (SELECT 1 FROM runs r WHERE r.configuration_id = t.configuration_id AND r.system_id = t.system_id
                                              AND r.created_at >= to_timestamp(t.due_ms / 1000))`,
    [ticks.map((t) => t.scheduleId), ticks.map((t) => t.configurationId), ticks.map((t) => t.systemId), ticks.map((t) => t.scheduledFor)],
  );
  return rows.map((row) => row.id);
}
