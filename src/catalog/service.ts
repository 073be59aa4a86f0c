import { and, asc, eq, gt, inArray, sql, type SQL } from 'drizzle-orm';
import type { PgColumn } from 'drizzle-orm/pg-core';
import type { Db } from '../db/database.ts';
import { translateDbError } from '../db/errors.ts';
import { missingReferences } from '../db/references.ts';
import { cursorKey, toPage, type Page, type PageRequest } from '../db/pagination.ts';
import { recordChange, recordChanges } from '../access/audit.ts';
import { NotFoundError, ValidationError } from '../kernel/errors.ts';
import type {
  Environment,
  EnvironmentInput,
  EnvironmentPatch,
  Group,
  GroupInput,
  GroupPatch,
  System,
  SystemInput,
  SystemPatch,
} from './model.ts';
import { findCycle } from './dependencies.ts';
import { environments, groupSystems, groups, systemDependencies, systemEnvironments, systems } from './schema.ts';

type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
type Executor = Db | Tx;

export interface SystemFilter {
  name?: string;
  groupId?: string;
  environmentId?: string;
  public?: boolean;
}

export interface NamedFilter {
  name?: string;
}

/** Systems, groups and environments (SPEC §1), with their memberships. */
export class CatalogService {
  constructor(
    private readonly db: Db,
    /** Told, after commit, when a system's environments changed: its per-environment views follow. */
    private readonly onEnvironmentsChange: (systemId: string) => void = () => undefined,
  ) {}

  // ── systems ──────────────────────────────────────────────────────────────

  async listSystems(page: PageRequest, filter: SystemFilter = {}): Promise<Page<System>> {
    const conditions = [nameAfter(systems.name, page), nameContains(systems.name, filter.name)];
    if (filter.public !== undefined) conditions.push(eq(systems.public, filter.public));
    if (filter.groupId) {
      conditions.push(inArray(systems.id, this.db.select({ id: groupSystems.systemId }).from(groupSystems).where(eq(groupSystems.groupId, filter.groupId))));
    }
    if (filter.environmentId) {
      conditions.push(
        inArray(systems.id, this.db.select({ id: systemEnvironments.systemId }).from(systemEnvironments).where(eq(systemEnvironments.environmentId, filter.environmentId))),
      );
    }
    const rows = await this.db
      .select()
      .from(systems)
      .where(and(...conditions))
      .orderBy(asc(sql`lower(${systems.name})`))
      .limit(page.limit + 1);
    const links = await this.systemLinks(this.db, rows.slice(0, page.limit).map((r) => r.id));
    return toPage(rows, page, (r) => r.name.toLowerCase(), (r) => toSystem(r, links));
  }

  async getSystem(id: string, db: Executor = this.db): Promise<System> {
    const [row] = await db.select().from(systems).where(eq(systems.id, id));
    if (!row) throw new NotFoundError('System', id);
    return toSystem(row, await this.systemLinks(db, [id]));
  }

  async createSystem(input: SystemInput): Promise<System> {
    return (await this.createSystems([input]))[0]!;
  }

  /**
   * Several systems at once (an apply of configuration documents), each with its groups and, in
   * order, its environments: one statement per table and one audit insert.
   */
  async createSystems(inputs: readonly (SystemInput & { environmentIds?: string[] })[]): Promise<System[]> {
    if (!inputs.length) return [];
    return this.db
      .transaction(async (tx) => {
        await requireExisting(tx, groups, [...new Set(inputs.flatMap((input) => input.groupIds))], 'groupIds', 'group');
        await requireExisting(tx, environments, [...new Set(inputs.flatMap((input) => input.environmentIds ?? []))], 'environmentIds', 'environment');
        const rows = await tx
          .insert(systems)
          .values(inputs.map((input) => ({ name: input.name, description: input.description, public: input.public, tags: input.tags })))
          .returning();
        const idOf = new Map(rows.map((row) => [row.name.toLowerCase(), row.id]));
        const memberships = inputs.flatMap((input) => input.groupIds.map((groupId) => ({ groupId, systemId: idOf.get(input.name.toLowerCase())! })));
        if (memberships.length) await tx.insert(groupSystems).values(memberships);
        const placed = inputs.flatMap((input) => (input.environmentIds ?? []).map((environmentId, position) => ({ systemId: idOf.get(input.name.toLowerCase())!, environmentId, position })));
        if (placed.length) await tx.insert(systemEnvironments).values(placed);
        const links = await this.systemLinks(tx, rows.map((row) => row.id));
        const created = new Map(rows.map((row) => [row.id, toSystem(row, links)]));
        await recordChanges(
          tx,
          [...created.values()].map((system) => ({ resourceType: 'system', resourceId: system.id, action: 'create', after: system })),
        );
        return inputs.map((input) => created.get(idOf.get(input.name.toLowerCase())!)!);
      })
      .catch(translateDbError);
  }

  async updateSystem(id: string, patch: SystemPatch): Promise<System> {
    return this.db
      .transaction(async (tx) => {
        const { groupIds, ...fields } = patch;
        const before = await this.getSystem(id, tx);
        await tx
          .update(systems)
          .set({ ...fields, updatedAt: new Date() })
          .where(eq(systems.id, id));
        if (groupIds) await this.replaceSystemGroups(tx, id, groupIds);
        const after = await this.getSystem(id, tx);
        await recordChange(tx, { resourceType: 'system', resourceId: id, action: 'update', before, after });
        return after;
      })
      .catch(translateDbError);
  }

  /** Removes the system with its assignments, memberships and state (by cascade); its runs and buckets go in the background (history/purge.ts, SPEC §6.3). */
  async deleteSystem(id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const before = await this.getSystem(id, tx);
      await tx.delete(systems).where(eq(systems.id, id));
      await recordChange(tx, { resourceType: 'system', resourceId: id, action: 'delete', before });
    });
  }

  /** Replaces the system's environments with `environmentIds`, in that order. */
  async setSystemEnvironments(id: string, environmentIds: string[]): Promise<System> {
    const system = await this.db.transaction(async (tx) => {
      const before = await this.getSystem(id, tx);
      await requireExisting(tx, environments, environmentIds, 'environmentIds', 'environment');
      await tx.delete(systemEnvironments).where(eq(systemEnvironments.systemId, id));
      if (environmentIds.length) {
        await tx.insert(systemEnvironments).values(environmentIds.map((environmentId, position) => ({ systemId: id, environmentId, position })));
      }
      await tx.update(systems).set({ updatedAt: new Date() }).where(eq(systems.id, id));
      const after = await this.getSystem(id, tx);
      await recordChange(tx, { resourceType: 'system', resourceId: id, action: 'set_environments', before, after });
      return after;
    });
    this.onEnvironmentsChange(id);
    return system;
  }

  /**
   * Replaces what the system depends on (SPEC §3.7). A set that would close a loop is refused
   * naming it; the whole graph is read under a lock so two concurrent saves cannot each add half
   * of a loop.
   */
  async setDependencies(id: string, dependsOn: string[]): Promise<System> {
    const unique = [...new Set(dependsOn)];
    return this.db.transaction(async (tx) => {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtext('system_dependencies'))`);
      const before = await this.getSystem(id, tx);
      await requireExisting(tx, systems, unique, 'dependsOn', 'system');
      const edges = new Map<string, string[]>();
      for (const edge of await tx.select().from(systemDependencies)) edges.set(edge.systemId, [...(edges.get(edge.systemId) ?? []), edge.dependsOnId]);
      const cycle = findCycle(edges, id, unique);
      if (cycle) {
        const names = new Map((await tx.select({ id: systems.id, name: systems.name }).from(systems).where(inArray(systems.id, cycle))).map((r) => [r.id, r.name]));
        throw new ValidationError([{ path: 'dependsOn', message: `expected no dependency cycle, but ${cycle.map((system) => names.get(system) ?? system).join(' → ')} would be one` }]);
      }
      await tx.delete(systemDependencies).where(eq(systemDependencies.systemId, id));
      if (unique.length) await tx.insert(systemDependencies).values(unique.map((dependsOnId) => ({ systemId: id, dependsOnId })));
      await tx.update(systems).set({ updatedAt: new Date() }).where(eq(systems.id, id));
      const after = await this.getSystem(id, tx);
      await recordChange(tx, { resourceType: 'system', resourceId: id, action: 'set_dependencies', before, after });
      return after;
    });
  }

  /** The system's environments in its order: what a run fans out over (SPEC §2.4). */
  async systemEnvironments(systemId: string): Promise<Environment[]> {
    const rows = await this.db
      .select({ environment: environments })
      .from(systemEnvironments)
      .innerJoin(environments, eq(environments.id, systemEnvironments.environmentId))
      .where(eq(systemEnvironments.systemId, systemId))
      .orderBy(asc(systemEnvironments.position));
    return rows.map((r) => toEnvironment(r.environment));
  }

  private async replaceSystemGroups(tx: Tx, systemId: string, groupIds: string[]): Promise<void> {
    await requireExisting(tx, groups, groupIds, 'groupIds', 'group');
    await tx.delete(groupSystems).where(eq(groupSystems.systemId, systemId));
    if (groupIds.length) await tx.insert(groupSystems).values(groupIds.map((groupId) => ({ groupId, systemId })));
  }

  private async systemLinks(db: Executor, systemIds: string[]): Promise<SystemLinks> {
    if (!systemIds.length) return { groups: new Map(), environments: new Map(), dependsOn: new Map() };
    // One after another: `db` may be a transaction's single connection, which runs one query at a time.
    const groupRows = await db.select().from(groupSystems).where(inArray(groupSystems.systemId, systemIds)).orderBy(asc(groupSystems.groupId));
    const environmentRows = await db.select().from(systemEnvironments).where(inArray(systemEnvironments.systemId, systemIds)).orderBy(asc(systemEnvironments.position));
    const dependencyRows = await db.select().from(systemDependencies).where(inArray(systemDependencies.systemId, systemIds)).orderBy(asc(systemDependencies.dependsOnId));
    return {
      groups: groupBy(groupRows, (r) => r.systemId, (r) => r.groupId),
      environments: groupBy(environmentRows, (r) => r.systemId, (r) => r.environmentId),
      dependsOn: groupBy(dependencyRows, (r) => r.systemId, (r) => r.dependsOnId),
    };
  }

  // ── groups ───────────────────────────────────────────────────────────────

  async listGroups(page: PageRequest, filter: NamedFilter = {}): Promise<Page<Group>> {
    const rows = await this.db
      .select()
      .from(groups)
      .where(and(nameAfter(groups.name, page), nameContains(groups.name, filter.name)))
      .orderBy(asc(sql`lower(${groups.name})`))
      .limit(page.limit + 1);
    const members = await this.groupMembers(this.db, rows.slice(0, page.limit).map((r) => r.id));
    return toPage(rows, page, (r) => r.name.toLowerCase(), (r) => toGroup(r, members));
  }

  async getGroup(id: string, db: Executor = this.db): Promise<Group> {
    const [row] = await db.select().from(groups).where(eq(groups.id, id));
    if (!row) throw new NotFoundError('Group', id);
    return toGroup(row, await this.groupMembers(db, [id]));
  }

  async createGroup(input: GroupInput): Promise<Group> {
    return this.db
      .transaction(async (tx) => {
        const [row] = await tx.insert(groups).values({ name: input.name, description: input.description }).returning();
        await this.replaceGroupMembers(tx, row!.id, input.systemIds);
        const group = await this.getGroup(row!.id, tx);
        await recordChange(tx, { resourceType: 'group', resourceId: group.id, action: 'create', after: group });
        return group;
      })
      .catch(translateDbError);
  }

  async updateGroup(id: string, patch: GroupPatch): Promise<Group> {
    return this.db
      .transaction(async (tx) => {
        const { systemIds, ...fields } = patch;
        const before = await this.getGroup(id, tx);
        await tx.update(groups).set({ ...fields, updatedAt: new Date() }).where(eq(groups.id, id));
        if (systemIds) await this.replaceGroupMembers(tx, id, systemIds);
        const after = await this.getGroup(id, tx);
        await recordChange(tx, { resourceType: 'group', resourceId: id, action: 'update', before, after });
        return after;
      })
      .catch(translateDbError);
  }

  async deleteGroup(id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const before = await this.getGroup(id, tx);
      await tx.delete(groups).where(eq(groups.id, id));
      await recordChange(tx, { resourceType: 'group', resourceId: id, action: 'delete', before });
    });
  }

  private async replaceGroupMembers(tx: Tx, groupId: string, systemIds: string[]): Promise<void> {
    await requireExisting(tx, systems, systemIds, 'systemIds', 'system');
    await tx.delete(groupSystems).where(eq(groupSystems.groupId, groupId));
    if (systemIds.length) await tx.insert(groupSystems).values(systemIds.map((systemId) => ({ groupId, systemId })));
  }

  private async groupMembers(db: Executor, groupIds: string[]): Promise<Map<string, string[]>> {
    if (!groupIds.length) return new Map();
    const rows = await db.select().from(groupSystems).where(inArray(groupSystems.groupId, groupIds)).orderBy(asc(groupSystems.systemId));
    return groupBy(rows, (r) => r.groupId, (r) => r.systemId);
  }

  // ── environments ─────────────────────────────────────────────────────────

  async listEnvironments(page: PageRequest, filter: NamedFilter = {}): Promise<Page<Environment>> {
    const rows = await this.db
      .select()
      .from(environments)
      .where(and(nameAfter(environments.name, page), nameContains(environments.name, filter.name)))
      .orderBy(asc(sql`lower(${environments.name})`))
      .limit(page.limit + 1);
    return toPage(rows, page, (r) => r.name.toLowerCase(), toEnvironment);
  }

  async getEnvironment(id: string, db: Executor = this.db): Promise<Environment> {
    const [row] = await db.select().from(environments).where(eq(environments.id, id));
    if (!row) throw new NotFoundError('Environment', id);
    return toEnvironment(row);
  }

  async createEnvironment(input: EnvironmentInput): Promise<Environment> {
    return this.db
      .transaction(async (tx) => {
        const [row] = await tx.insert(environments).values(input).returning();
        const environment = toEnvironment(row!);
        await recordChange(tx, { resourceType: 'environment', resourceId: environment.id, action: 'create', after: environment });
        return environment;
      })
      .catch(translateDbError);
  }

  async updateEnvironment(id: string, patch: EnvironmentPatch): Promise<Environment> {
    return this.db
      .transaction(async (tx) => {
        const before = await this.getEnvironment(id, tx);
        const [row] = await tx
          .update(environments)
          .set({ ...patch, updatedAt: new Date() })
          .where(eq(environments.id, id))
          .returning();
        const after = toEnvironment(row!);
        await recordChange(tx, { resourceType: 'environment', resourceId: id, action: 'update', before, after });
        return after;
      })
      .catch(translateDbError);
  }

  async deleteEnvironment(id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const before = await this.getEnvironment(id, tx);
      await tx.delete(environments).where(eq(environments.id, id));
      await recordChange(tx, { resourceType: 'environment', resourceId: id, action: 'delete', before });
    });
  }
}

interface SystemLinks {
  groups: Map<string, string[]>;
  environments: Map<string, string[]>;
  dependsOn: Map<string, string[]>;
}

function toSystem(row: typeof systems.$inferSelect, links: SystemLinks): System {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    public: row.public,
    groupIds: links.groups.get(row.id) ?? [],
    environmentIds: links.environments.get(row.id) ?? [],
    dependsOn: links.dependsOn.get(row.id) ?? [],
    tags: row.tags,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function toGroup(row: typeof groups.$inferSelect, members: Map<string, string[]>): Group {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    systemIds: members.get(row.id) ?? [],
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function toEnvironment(row: typeof environments.$inferSelect): Environment {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    fields: row.fields,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Keyset pagination over names: names are unique ignoring case, so lower(name) is a total order. */
function nameAfter(column: PgColumn, page: PageRequest): SQL | undefined {
  const key = cursorKey(page);
  return key === undefined ? undefined : gt(sql`lower(${column})`, key);
}

function nameContains(column: PgColumn, fragment: string | undefined): SQL | undefined {
  if (!fragment) return undefined;
  return sql`strpos(lower(${column}), ${fragment.toLowerCase()}) > 0`;
}

function groupBy<R>(rows: R[], keyOf: (r: R) => string, valueOf: (r: R) => string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const row of rows) {
    const key = keyOf(row);
    map.set(key, [...(map.get(key) ?? []), valueOf(row)]);
  }
  return map;
}

async function requireExisting(db: Executor, table: typeof systems | typeof groups | typeof environments, ids: string[], field: string, resource: string): Promise<void> {
  const missing = await missingReferences(db, table, ids, field, resource);
  if (missing.length) throw new ValidationError(missing);
}
