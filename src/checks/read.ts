import { eq } from 'drizzle-orm';
import type pg from 'pg';
import type { Db } from '../db/database.ts';
import type { Retention } from './model.ts';
import { assignments, configurations } from './schema.ts';
import { missingReferences } from '../db/references.ts';
import type { ErrorDetail } from '../kernel/errors.ts';
import type { Assertion } from '../assertions/types.ts';
import { membershipSql, systemNameSql } from '../catalog/read.ts';
import type { StoredCollector } from '../definitions/validation.ts';

/**
 * Configurations and assignments as other domains read them (see catalog/read.ts for why some
 * reads are SQL subqueries). read.test.ts runs each against the migrated schema.
 */

/**
 * The enabled checks of a system (SPEC §3.2: enabled assignments of enabled, unpaused
 * configurations), as a JSON array of `{configurationId, environmentIds, thresholds, sources}` (and
 * `name`, ordered by it, when asked). `sources` is where the check runs and how they combine
 * (SPEC §3.6): `{includeLocal, satelliteIds, quorum, intervalSeconds}`.
 */
export function enabledChecksSql(systemId: string, options: { names?: boolean } = {}): string {
  const name = options.names ? ", 'name', c.name" : '';
  const order = options.names ? ' ORDER BY lower(c.name)' : '';
  return `(SELECT coalesce(json_agg(json_build_object('configurationId', a.configuration_id${name}, 'environmentIds', a.environment_ids,
                                                   'thresholds', a.state_thresholds,
                                                   'sources', json_build_object('includeLocal', a.include_local, 'satelliteIds', a.satellite_ids,
                                                                                'quorum', a.quorum, 'intervalSeconds', c.interval_seconds))${order}), '[]')
             FROM assignments a JOIN configurations c ON c.id = a.configuration_id
            WHERE a.system_id = ${systemId} AND a.enabled AND c.enabled AND NOT c.paused)`;
}

/** One assignment's state thresholds (NULL: the defaults). */
export function thresholdsSql(systemId: string, configurationId: string): string {
  return `(SELECT state_thresholds FROM assignments WHERE system_id = ${systemId} AND configuration_id = ${configurationId})`;
}

/** Where one check runs and how its sources combine (SPEC §3.6), as enabledChecksSql answers it. */
export interface CheckSources {
  includeLocal: boolean;
  satelliteIds: string[];
  quorum: { min: number } | null;
  intervalSeconds: number;
}

/** A configuration's interval in seconds, or NULL (an SQL expression over its id). */
export function intervalSecondsSql(configurationId: string): string {
  return `(SELECT interval_seconds FROM configurations WHERE id = ${configurationId})`;
}

export interface JobState {
  configuration_id: string;
  name: string;
  strategy: string;
  interval_seconds: number;
  configuration_enabled: boolean;
  paused: boolean;
  /** With the id, the configuration's version: its definition is planned once per version. */
  updated_at: Date;
  assignment_enabled: boolean;
  environment_ids: string[] | null;
  system_name: string | null;
  /** The system's environments in its order; null when the assignment runs env-less ([]), or unread. */
  environments: { id: string; name: string; fields: Record<string, unknown> }[] | null;
}

function jobColumns(withEnvironments: boolean): string {
  const environments = withEnvironments
    ? `CASE WHEN a.environment_ids IS NULL OR jsonb_array_length(a.environment_ids) > 0 THEN ${membershipSql('a.system_id', { fields: true })} END`
    : 'NULL';
  return `c.id AS configuration_id, c.name, c.strategy, c.interval_seconds, c.enabled AS configuration_enabled, c.paused,
         c.updated_at, a.enabled AS assignment_enabled, a.environment_ids, ${systemNameSql('a.system_id')} AS system_name,
         ${environments} AS environments`;
}

function jobQuery(withEnvironments: boolean): string {
  return `
  SELECT ${jobColumns(withEnvironments)}
    FROM assignments a
    JOIN configurations c ON c.id = a.configuration_id
   WHERE a.configuration_id = $1 AND a.system_id = $2`;
}

const JOB = jobQuery(true);
const JOB_WITHOUT_ENVIRONMENTS = jobQuery(false);
const JOBS = `
  SELECT k.n::int AS n, ${jobColumns(true)}
    FROM unnest($1::uuid[], $2::uuid[]) WITH ORDINALITY AS k(configuration_id, system_id, n)
    JOIN assignments a ON a.configuration_id = k.configuration_id AND a.system_id = k.system_id
    JOIN configurations c ON c.id = a.configuration_id`;

/**
 * readJobState for many jobs in one round trip (the executor gathers the jobs that start within a
 * few milliseconds): each job's state in the order asked, undefined where the assignment is gone.
 */
export async function readJobStates(pool: pg.Pool, jobs: readonly { configurationId: string; systemId: string }[]): Promise<(JobState | undefined)[]> {
  const { rows } = await pool.query<JobState & { n: number }>({
    name: 'vigil.load-jobs',
    text: JOBS,
    values: [jobs.map((job) => job.configurationId), jobs.map((job) => job.systemId)],
  });
  const states: (JobState | undefined)[] = jobs.map(() => undefined);
  for (const { n, ...state } of rows) states[n - 1] = state;
  return states;
}

/**
 * One round trip per job (SPEC §2.2, §2.4): the configuration's state (not its definition) and the
 * system's environments; undefined when the assignment is gone. Named, so PostgreSQL plans it
 * once per connection. `withEnvironments: false` is SPEC §2.4's fail-open path.
 */
export async function readJobState(pool: pg.Pool, configurationId: string, systemId: string, withEnvironments = true): Promise<JobState | undefined> {
  const { rows } = await pool.query<JobState>({
    name: withEnvironments ? 'vigil.load-job' : 'vigil.load-job-envless',
    text: withEnvironments ? JOB : JOB_WITHOUT_ENVIRONMENTS,
    values: [configurationId, systemId],
  });
  return rows[0];
}

export interface StoredDefinition {
  config: Record<string, unknown>;
  assertions: Assertion[];
  collectors: StoredCollector[];
}

/** A configuration's stored definition (config, assertions, collectors), or undefined. */
export async function readDefinition(pool: pg.Pool, configurationId: string): Promise<StoredDefinition | undefined> {
  const { rows } = await pool.query<StoredDefinition>('SELECT config, assertions, collectors FROM configurations WHERE id = $1', [configurationId]);
  return rows[0];
}

export interface ScheduledAssignment {
  id: string;
  configurationId: string;
  systemId: string;
  intervalSeconds: number;
  strategy: string;
}

/** SPEC §2.1: each enabled assignment of an enabled, unpaused configuration that runs on the central workers. */
export async function readScheduledAssignments(pool: pg.Pool): Promise<ScheduledAssignment[]> {
  const { rows } = await pool.query<ScheduledAssignment>(
    `SELECT a.id, a.configuration_id AS "configurationId", a.system_id AS "systemId", c.interval_seconds AS "intervalSeconds", c.strategy
       FROM assignments a JOIN configurations c ON c.id = a.configuration_id
      WHERE a.enabled AND a.include_local AND c.enabled AND NOT c.paused`,
  );
  return rows;
}

/** What a satellite runs of one assignment (SPEC §1): its definition, its system and effective environments' context. */
export interface SatelliteAssignment {
  id: string;
  configurationId: string;
  systemId: string;
  systemName: string;
  name: string;
  strategy: string;
  config: Record<string, unknown>;
  assertions: Assertion[];
  collectors: StoredCollector[];
  intervalSeconds: number;
  environmentIds: string[] | null;
  /** The system's environments in its order, with their fields. */
  membership: { id: string; name: string; fields: Record<string, unknown> }[];
  /** The newer edit of the assignment and its configuration: a satellite replans when it moves. */
  version: string;
}

/**
 * The enabled assignments of enabled, unpaused configurations that list the satellite, ordered by
 * id (so an unchanged set reads the same, byte for byte).
 */
export async function readSatelliteAssignments(pool: Pick<pg.Pool, 'query'>, satelliteId: string): Promise<SatelliteAssignment[]> {
  const { rows } = await pool.query<SatelliteAssignment & { version: Date }>(
    `SELECT a.id, a.configuration_id AS "configurationId", a.system_id AS "systemId", coalesce(${systemNameSql('a.system_id')}, a.system_id::text) AS "systemName",
            c.name, c.strategy, c.config, c.assertions, c.collectors, c.interval_seconds AS "intervalSeconds", a.environment_ids AS "environmentIds",
            ${membershipSql('a.system_id', { fields: true })} AS membership, greatest(a.updated_at, c.updated_at) AS version
       FROM assignments a JOIN configurations c ON c.id = a.configuration_id
      WHERE a.satellite_ids @> jsonb_build_array($1::text) AND a.enabled AND c.enabled AND NOT c.paused
      ORDER BY a.id`,
    [satelliteId],
  );
  return rows.map((row) => ({ ...row, version: row.version.toISOString() }));
}

/** How many assignments list each satellite (satellites listed by none are left out). */
export async function satelliteAssignmentCounts(pool: Pick<pg.Pool, 'query'>): Promise<Map<string, number>> {
  const { rows } = await pool.query<{ id: string; count: number }>(
    `SELECT listed.id, count(*)::int AS count FROM assignments a, jsonb_array_elements_text(a.satellite_ids) AS listed(id) GROUP BY listed.id`,
  );
  return new Map(rows.map((row) => [row.id, row.count]));
}

/** The systems a configuration is assigned to. */
export async function systemsOfConfiguration(db: Pick<Db, 'select'>, configurationId: string): Promise<string[]> {
  const rows = await db.select({ systemId: assignments.systemId }).from(assignments).where(eq(assignments.configurationId, configurationId));
  return [...new Set(rows.map((row) => row.systemId))];
}

/** The system an assignment puts its check on, or undefined when there is no such assignment. */
export async function systemOfAssignment(db: Pick<Db, 'select'>, assignmentId: string): Promise<string | undefined> {
  const [row] = await db.select({ systemId: assignments.systemId }).from(assignments).where(eq(assignments.id, assignmentId));
  return row?.systemId;
}

/** Every assignment's stream and its own retention (null: the platform's). */
export async function readAssignmentRetention(pool: pg.Pool): Promise<{ systemId: string; configurationId: string; retention: Retention | null }[]> {
  const { rows } = await pool.query(`SELECT system_id, configuration_id, retention FROM assignments`);
  return rows.map((row) => ({ systemId: row.system_id, configurationId: row.configuration_id, retention: row.retention }));
}

/** Configurations the ids name that do not exist, as error details for `field`. */
export function missingConfigurations(db: Pick<Db, 'select'>, ids: string[], field: string): Promise<ErrorDetail[]> {
  return missingReferences(db, configurations, ids, field, 'configuration');
}

/** Whether the configuration exists (an SQL expression over its id). */
export function configurationExistsSql(configurationId: string): string {
  return `EXISTS (SELECT 1 FROM configurations WHERE id = ${configurationId})`;
}

/** When the assignment was created, or NULL (an SQL expression over its id). */
export function assignmentCreatedSql(assignmentId: string): string {
  return `(SELECT created_at FROM assignments WHERE id = ${assignmentId})`;
}

/** The configuration's name, or NULL (an SQL expression over its id). */
export function configurationNameSql(configurationId: string): string {
  return `(SELECT name FROM configurations WHERE id = ${configurationId})`;
}

/**
 * The notification policies (SPEC §6.2) of a system's assignments of these configurations (null:
 * of all its enabled assignments); null where an assignment sets none.
 */
export async function notificationPolicies(pool: Pick<pg.Pool, 'query'>, systemId: string, configurationIds: readonly string[] | null): Promise<({ suppressDeEscalations?: boolean; renotifyMinutes?: number | null } | null)[]> {
  if (configurationIds?.length === 0) return [];
  const { rows } = await pool.query(
    `SELECT notification_policy FROM assignments WHERE system_id = $1 AND ($2::uuid[] IS NULL AND enabled OR configuration_id = ANY($2::uuid[]))`,
    [systemId, configurationIds],
  );
  return rows.map((row) => row.notification_policy ?? null);
}

/**
 * An assignment with what a check that is not scheduled (a heartbeat) needs to record its runs, as
 * JSON, or NULL when there is no such assignment (an SQL expression over its id): `active` when the
 * assignment and its configuration are enabled and unpaused; `since`, the last edit of either.
 */
export function assignmentCheckSql(assignmentId: string): string {
  return `(SELECT json_build_object('systemId', a.system_id, 'configurationId', a.configuration_id, 'strategy', c.strategy,
                                   'config', c.config, 'assertions', c.assertions,
                                   'active', a.enabled AND c.enabled AND NOT c.paused, 'since', greatest(a.updated_at, c.updated_at))
             FROM assignments a JOIN configurations c ON c.id = a.configuration_id
            WHERE a.id = ${assignmentId})`;
}

/** What `assignmentCheckSql` answers. */
export interface AssignmentCheck {
  systemId: string;
  configurationId: string;
  strategy: string;
  config: Record<string, unknown>;
  assertions: Assertion[];
  active: boolean;
  since: string;
}

/** The ids of the assignments of configurations of these strategies (an SQL subquery over a text[] parameter). */
export function assignmentsOfStrategiesSql(strategyIds: string): string {
  return `(SELECT a.id FROM assignments a JOIN configurations c ON c.id = a.configuration_id WHERE c.strategy = ANY(${strategyIds}))`;
}
