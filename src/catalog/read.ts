import { and, eq, inArray, notInArray, or, sql } from 'drizzle-orm';
import type { ErrorDetail } from '../kernel/errors.ts';
import type { Db } from '../db/database.ts';
import { missingReferences } from '../db/references.ts';
import { environments, groupSystems, groups, systemEnvironments, systems } from './schema.ts';

/**
 * The catalog's tables as other domains may read them. The hot paths (a job's load, a view's
 * evaluation, the health of many systems) read several domains in one round trip, so the catalog
 * hands out SQL subqueries over its own tables, each keyed by an SQL expression for the system id
 * (`$1`, `s.id`); the composing query stays one statement and every table keeps one owner.
 * read.test.ts runs each against the migrated schema, so a renamed column fails there.
 */

/** The system's name, or NULL when it does not exist. */
export function systemNameSql(systemId: string): string {
  return `(SELECT name FROM systems WHERE id = ${systemId})`;
}

/** Whether the system exists. */
export function systemExistsSql(systemId: string): string {
  return `EXISTS (SELECT 1 FROM systems WHERE id = ${systemId})`;
}

/** The system's environment ids in its order, as a JSON array (`[]` when it has none). */
export function membershipIdsSql(systemId: string): string {
  return `(SELECT coalesce(json_agg(environment_id ORDER BY position), '[]') FROM system_environments WHERE system_id = ${systemId})`;
}

/** The system's environments in its order, as a JSON array of `{id, name}` (with `fields` when asked). */
export function membershipSql(systemId: string, options: { fields?: boolean } = {}): string {
  const fields = options.fields ? ", 'fields', e.fields" : '';
  return `(SELECT coalesce(json_agg(json_build_object('id', e.id, 'name', e.name${fields}) ORDER BY se.position), '[]')
             FROM system_environments se JOIN environments e ON e.id = se.environment_id WHERE se.system_id = ${systemId})`;
}

/** Systems the ids name that do not exist, as error details for `field` (e.g. `systemId`). */
export function missingSystems(db: Pick<Db, 'select'>, ids: string[], field: string): Promise<ErrorDetail[]> {
  return missingReferences(db, systems, ids, field, 'system');
}

/** Environments the ids name that do not exist, as error details for `field` (e.g. `environmentIds`). */
export function missingEnvironments(db: Pick<Db, 'select'>, ids: string[], field: string): Promise<ErrorDetail[]> {
  return missingReferences(db, environments, ids, field, 'environment');
}

/** Of the environments the ids name, those that exist but are not among the system's environments: id → name. */
export async function environmentsOutsideSystem(db: Pick<Db, 'select'>, systemId: string, ids: string[]): Promise<Map<string, string>> {
  if (!ids.length) return new Map();
  const members = db.select({ id: systemEnvironments.environmentId }).from(systemEnvironments).where(eq(systemEnvironments.systemId, systemId));
  const rows = await db
    .select({ id: environments.id, name: environments.name })
    .from(environments)
    .where(and(inArray(environments.id, ids), notInArray(environments.id, members)));
  return new Map(rows.map((row) => [row.id, row.name]));
}

/** Each of the systems' groups (a system in no group maps to `[]`; one that does not exist is absent). */
export async function groupsOfSystems(db: Pick<Db, 'select'>, systemIds: string[]): Promise<Map<string, string[]>> {
  if (!systemIds.length) return new Map();
  const rows = await db
    .select({ systemId: systems.id, groupId: groupSystems.groupId })
    .from(systems)
    .leftJoin(groupSystems, eq(groupSystems.systemId, systems.id))
    .where(inArray(systems.id, systemIds));
  const groups = new Map<string, string[]>();
  for (const row of rows) groups.set(row.systemId, [...(groups.get(row.systemId) ?? []), ...(row.groupId ? [row.groupId] : [])]);
  return groups;
}

/** The systems in a group. */
export async function systemsOfGroup(db: Pick<Db, 'select'>, groupId: string): Promise<string[]> {
  const rows = await db.select({ systemId: groupSystems.systemId }).from(groupSystems).where(eq(groupSystems.groupId, groupId));
  return rows.map((row) => row.systemId);
}

/** Of these group ids, those that name no group. */
export async function missingGroups(db: Pick<Db, 'select'>, groupIds: string[]): Promise<string[]> {
  if (!groupIds.length) return [];
  const rows = await db.select({ id: groups.id }).from(groups).where(inArray(groups.id, groupIds));
  const found = new Set(rows.map((row) => row.id));
  return groupIds.filter((id) => !found.has(id));
}

/** Every system id in name order, at most `limit`. */
export async function allSystemIds(db: Pick<Db, 'select'>, limit: number): Promise<string[]> {
  const rows = await db.select({ id: systems.id }).from(systems).orderBy(sql`lower(${systems.name})`).limit(limit);
  return rows.map((row) => row.id);
}

/** The ids of the groups a system is in, as an SQL subquery (for `… IN (…)`). */
export function groupIdsOfSystemSql(systemId: string): string {
  return `(SELECT group_id FROM group_systems WHERE system_id = ${systemId})`;
}

/** The systems a system depends on (SPEC §3.7), as an SQL subquery of `(id, name)` rows. */
export function parentsSql(systemId: string): string {
  return `(SELECT s.id, s.name FROM system_dependencies d JOIN systems s ON s.id = d.depends_on_id WHERE d.system_id = ${systemId})`;
}

/** The systems that depend on a system, as an SQL subquery of `(id, name)` rows. */
export function childrenSql(systemId: string): string {
  return `(SELECT s.id, s.name FROM system_dependencies d JOIN systems s ON s.id = d.system_id WHERE d.depends_on_id = ${systemId})`;
}

/** The ids of the systems in the groups an SQL subquery names (e.g. `(SELECT group_id FROM … WHERE …)`), as an SQL subquery. */
export function systemIdsOfGroupsSql(groupIds: string): string {
  return `(SELECT system_id FROM group_systems WHERE group_id IN ${groupIds})`;
}

/** A system marked public, as the public status page lists it (issue 21). */
export interface PublicSystem {
  id: string;
  name: string;
  description: string;
  groupIds: string[];
}

/** Every public system in name order, with its groups. */
export async function publicSystems(db: Pick<Db, 'select'>): Promise<PublicSystem[]> {
  const rows = await db
    .select({ id: systems.id, name: systems.name, description: systems.description, groupId: groupSystems.groupId })
    .from(systems)
    .leftJoin(groupSystems, eq(groupSystems.systemId, systems.id))
    .where(eq(systems.public, true))
    .orderBy(sql`lower(${systems.name})`, systems.id);
  const found = new Map<string, PublicSystem>();
  for (const row of rows) {
    const system = found.get(row.id) ?? { id: row.id, name: row.name, description: row.description, groupIds: [] };
    if (row.groupId) system.groupIds.push(row.groupId);
    found.set(row.id, system);
  }
  return [...found.values()];
}

/** The named groups' names, in name order (ids that name no group are left out). */
export async function groupNames(db: Pick<Db, 'select'>, groupIds: string[]): Promise<{ id: string; name: string }[]> {
  if (!groupIds.length) return [];
  return db
    .select({ id: groups.id, name: groups.name })
    .from(groups)
    .where(inArray(groups.id, groupIds))
    .orderBy(sql`lower(${groups.name})`, groups.id);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The public system a badge names, by its name (ignoring case) or its id; undefined for a private or unknown one alike. */
export async function publicSystemByKey(db: Pick<Db, 'select'>, key: string): Promise<{ id: string; name: string } | undefined> {
  const byName = sql`lower(${systems.name}) = lower(${key})`;
  const [row] = await db
    .select({ id: systems.id, name: systems.name })
    .from(systems)
    .where(and(eq(systems.public, true), UUID.test(key) ? or(eq(systems.id, key), byName) : byName))
    .limit(1);
  return row;
}
