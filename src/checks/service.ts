import { and, asc, eq, gt, sql, type SQL } from 'drizzle-orm';
import { recordChange, recordChanges } from '../access/audit.ts';
import { systemsOfConfiguration } from './read.ts';
import { environmentsOutsideSystem, missingEnvironments, missingSystems } from '../catalog/read.ts';
import type { Db } from '../db/database.ts';
import { translateDbError } from '../db/errors.ts';
import { missingReferences } from '../db/references.ts';
import { cursorKey, toPage, type Page, type PageRequest } from '../db/pagination.ts';
import { NotFoundError, ValidationError, formatPath, type ErrorDetail } from '../kernel/errors.ts';
import { mergePatch } from '../kernel/merge-patch.ts';
import type { Assignment, AssignmentInput, AssignmentPatch, AssignmentWithWarnings, Configuration, ConfigurationInput, ConfigurationPatch } from './model.ts';
import { assignments, configurations } from './schema.ts';
import type { Definition } from '../definitions/plan.ts';
import type { DefinitionValidator, NormalizedDefinition } from '../definitions/validation.ts';

export interface ConfigurationFilter {
  name?: string;
  strategy?: string;
  enabled?: boolean;
  paused?: boolean;
}

export interface AssignmentFilter {
  systemId?: string;
  configurationId?: string;
  enabled?: boolean;
}

/** Check definitions (configurations) and where they run (assignments), SPEC §1. */
export class ChecksService {
  constructor(
    private readonly db: Db,
    /** Strategy-aware validation (SPEC §7.3): migrates and strictly checks configs and assertions. */
    private readonly validateDefinition: DefinitionValidator,
    /**
     * Told, after commit, of anything that changes what is scheduled or how the named systems'
     * health is computed: schedules follow at once (SPEC §2.1), health views are re-evaluated.
     */
    private readonly onChange: (systemIds: string[]) => void = () => undefined,
    /** The satellite ids that name none, as error details for `field` (satellites/ owns them; app.ts wires its read). */
    private readonly missingSatellites: (db: Pick<Db, 'select'>, ids: string[], field: string) => Promise<ErrorDetail[]> = async () => [],
  ) {}

  private changed<T>(result: T, systemIds: string[]): T {
    this.onChange(systemIds);
    return result;
  }

  private assignedSystems(db: Pick<Db, 'select'>, configurationId: string): Promise<string[]> {
    return systemsOfConfiguration(db, configurationId);
  }

  // ── configurations ───────────────────────────────────────────────────────

  async listConfigurations(page: PageRequest, filter: ConfigurationFilter = {}): Promise<Page<Configuration>> {
    const key = cursorKey(page);
    const conditions: (SQL | undefined)[] = [
      key === undefined ? undefined : gt(sql`lower(${configurations.name})`, key),
      filter.name ? sql`strpos(lower(${configurations.name}), ${filter.name.toLowerCase()}) > 0` : undefined,
      filter.strategy ? eq(configurations.strategy, filter.strategy) : undefined,
      filter.enabled === undefined ? undefined : eq(configurations.enabled, filter.enabled),
      filter.paused === undefined ? undefined : eq(configurations.paused, filter.paused),
    ];
    const rows = await this.db
      .select()
      .from(configurations)
      .where(and(...conditions))
      .orderBy(asc(sql`lower(${configurations.name})`))
      .limit(page.limit + 1);
    return toPage(rows, page, (r) => r.name.toLowerCase(), toConfiguration);
  }

  async getConfiguration(id: string): Promise<Configuration> {
    const [row] = await this.db.select().from(configurations).where(eq(configurations.id, id));
    if (!row) throw new NotFoundError('Configuration', id);
    return toConfiguration(row);
  }

  async createConfiguration(input: ConfigurationInput): Promise<Configuration> {
    return (await this.createConfigurations([input]))[0]!;
  }

  /**
   * Several configurations at once (an apply of configuration documents): each validated as one
   * alone would be, all written in one statement with one audit insert. With more than one, a
   * problem's path starts with its input's index (`3.config.url`).
   */
  async createConfigurations(inputs: readonly ConfigurationInput[]): Promise<Configuration[]> {
    if (!inputs.length) return [];
    const rows: (ConfigurationInput & NormalizedDefinition)[] = [];
    const problems: ErrorDetail[] = [];
    for (const [index, input] of inputs.entries()) {
      try {
        rows.push({ ...input, ...(await this.normalize(input)) });
      } catch (error) {
        if (!(error instanceof ValidationError) || inputs.length === 1) throw error;
        problems.push(...error.details.map((detail) => ({ path: detail.path ? `${index}.${detail.path}` : `${index}`, message: detail.message })));
      }
    }
    if (problems.length) throw new ValidationError(problems);
    const created = await this.db
      .transaction(async (tx) => {
        const inserted = (await tx.insert(configurations).values(rows).returning()).map(toConfiguration);
        await recordChanges(
          tx,
          inserted.map((configuration) => ({ resourceType: 'configuration', resourceId: configuration.id, action: 'create', after: configuration })),
        );
        // In the order given (names are unique).
        const byName = new Map(inserted.map((configuration) => [configuration.name.toLowerCase(), configuration]));
        return inputs.map((input) => byName.get(input.name.toLowerCase())!);
      })
      .catch(translateDbError);
    return this.changed(created, []);
  }

  /** Merges the patch over the stored configuration (its `config` as a JSON merge patch) and validates the result as a whole. */
  async updateConfiguration(id: string, patch: ConfigurationPatch): Promise<Configuration> {
    return this.db
      .transaction(async (tx) => {
        const [current] = await tx.select().from(configurations).where(eq(configurations.id, id)).for('update');
        if (!current) throw new NotFoundError('Configuration', id);
        const definition = await this.normalize(patchedDefinition(current, patch));
        const [row] = await tx
          .update(configurations)
          .set({ ...patch, ...definition, updatedAt: new Date() })
          .where(eq(configurations.id, id))
          .returning();
        const configuration = toConfiguration(row!);
        await recordChange(tx, { resourceType: 'configuration', resourceId: id, action: 'update', before: toConfiguration(current), after: configuration });
        return { configuration, systemIds: await this.assignedSystems(tx, id) };
      })
      .then(({ configuration, systemIds }) => this.changed(configuration, systemIds), translateDbError);
  }

  /**
   * What updateConfiguration would make of the stored configuration, merged and validated the same
   * way, without saving it (a dry run: the AI tools show this diff before they change anything).
   */
  async previewConfigurationUpdate(id: string, patch: ConfigurationPatch): Promise<{ before: Configuration; after: Configuration }> {
    const before = await this.getConfiguration(id);
    const definition = await this.normalize(patchedDefinition(before, patch));
    return { before, after: { ...before, ...patch, ...definition } };
  }

  /** Removes the configuration with its assignments and transitions (by cascade); its runs and buckets go in the background (history/purge.ts, SPEC §6.3). */
  async deleteConfiguration(id: string): Promise<void> {
    const systemIds = await this.db.transaction(async (tx) => {
      const assigned = await this.assignedSystems(tx, id);
      const [deleted] = await tx.delete(configurations).where(eq(configurations.id, id)).returning();
      if (!deleted) throw new NotFoundError('Configuration', id);
      await recordChange(tx, { resourceType: 'configuration', resourceId: id, action: 'delete', before: toConfiguration(deleted) });
      return assigned;
    });
    this.onChange(systemIds);
  }

  private async normalize(definition: Definition): Promise<NormalizedDefinition> {
    const outcome = await this.validateDefinition(definition);
    if (!outcome.valid) {
      throw new ValidationError(outcome.errors.map((e) => ({ path: formatPath(e.path), message: e.message })));
    }
    return outcome.definition;
  }

  // ── assignments ──────────────────────────────────────────────────────────

  async listAssignments(page: PageRequest, filter: AssignmentFilter = {}): Promise<Page<Assignment>> {
    const key = cursorKey(page);
    const conditions: (SQL | undefined)[] = [
      key === undefined ? undefined : gt(assignments.id, key),
      filter.systemId ? eq(assignments.systemId, filter.systemId) : undefined,
      filter.configurationId ? eq(assignments.configurationId, filter.configurationId) : undefined,
      filter.enabled === undefined ? undefined : eq(assignments.enabled, filter.enabled),
    ];
    const rows = await this.db
      .select()
      .from(assignments)
      .where(and(...conditions))
      .orderBy(asc(assignments.id))
      .limit(page.limit + 1);
    return toPage(rows, page, (r) => r.id, toAssignment);
  }

  async getAssignment(id: string): Promise<Assignment> {
    const [row] = await this.db.select().from(assignments).where(eq(assignments.id, id));
    if (!row) throw new NotFoundError('Assignment', id);
    return toAssignment(row);
  }

  async createAssignment(input: AssignmentInput): Promise<AssignmentWithWarnings> {
    const [assignment] = await this.createAssignments([input]);
    return withWarnings(this.db, assignment!);
  }

  /**
   * Several assignments at once (an apply of configuration documents): what they name checked in
   * one query per kind, all written in one statement with one audit insert.
   */
  async createAssignments(inputs: readonly AssignmentInput[]): Promise<Assignment[]> {
    if (!inputs.length) return [];
    const unique = (ids: (string | null | undefined)[]) => [...new Set(ids.filter((id): id is string => typeof id === 'string'))];
    return this.db
      .transaction(async (tx) => {
        const missing = [
          ...(await missingSystems(tx, unique(inputs.map((input) => input.systemId)), 'systemId')),
          ...(await missingReferences(tx, configurations, unique(inputs.map((input) => input.configurationId)), 'configurationId', 'configuration')),
          ...(await missingEnvironments(tx, unique(inputs.flatMap((input) => input.environmentIds ?? [])), 'environmentIds')),
          ...(await this.missingSatellites(tx, unique(inputs.flatMap((input) => input.satelliteIds)), 'satelliteIds')),
        ];
        if (missing.length) throw new ValidationError(missing);
        for (const input of inputs) checkQuorum(input);
        const created = (await tx.insert(assignments).values([...inputs]).returning()).map(toAssignment);
        await recordChanges(
          tx,
          created.map((assignment) => ({ resourceType: 'assignment', resourceId: assignment.id, action: 'create', after: assignment })),
        );
        return created;
      })
      .then((created) => this.changed(created, [...new Set(created.map((assignment) => assignment.systemId))]), translateDbError);
  }

  async updateAssignment(id: string, patch: AssignmentPatch): Promise<AssignmentWithWarnings> {
    return this.db.transaction(async (tx) => {
      const missing = [
        ...(await missingEnvironments(tx, patch.environmentIds ?? [], 'environmentIds')),
        ...(await this.missingSatellites(tx, patch.satelliteIds ?? [], 'satelliteIds')),
      ];
      if (missing.length) throw new ValidationError(missing);
      const [current] = await tx.select().from(assignments).where(eq(assignments.id, id)).for('update');
      if (!current) throw new NotFoundError('Assignment', id);
      checkQuorum({ ...toAssignment(current), ...patch });
      const [row] = await tx
        .update(assignments)
        .set({ ...patch, updatedAt: new Date() })
        .where(eq(assignments.id, id))
        .returning();
      const assignment = toAssignment(row!);
      await recordChange(tx, { resourceType: 'assignment', resourceId: id, action: 'update', before: toAssignment(current), after: assignment });
      return withWarnings(tx, assignment);
    }).then((result) => this.changed(result, [result.systemId]));
  }

  async deleteAssignment(id: string): Promise<void> {
    const deleted = await this.db.transaction(async (tx) => {
      const [row] = await tx.delete(assignments).where(eq(assignments.id, id)).returning();
      if (!row) throw new NotFoundError('Assignment', id);
      await recordChange(tx, { resourceType: 'assignment', resourceId: id, action: 'delete', before: toAssignment(row) });
      return row;
    });
    this.onChange([deleted.systemId]);
  }
}

/**
 * Takes a deleted satellite out of every assignment that lists it (SPEC §6.3), in the caller's
 * transaction, each change audited; a quorum left above the sources that remain comes down with
 * them. Answers the systems whose checks changed.
 */
export async function removeSatelliteFromAssignments(tx: Db, satelliteId: string): Promise<string[]> {
  const listing = await tx
    .select()
    .from(assignments)
    .where(sql`${assignments.satelliteIds} @> ${JSON.stringify([satelliteId])}::jsonb`)
    .for('update');
  for (const current of listing) {
    const satelliteIds = current.satelliteIds.filter((id) => id !== satelliteId);
    const sources = sourceCount({ includeLocal: current.includeLocal, satelliteIds });
    const quorum = current.quorum && current.quorum.min > Math.max(1, sources) ? (sources > 1 ? { min: sources } : null) : current.quorum;
    const [row] = await tx.update(assignments).set({ satelliteIds, quorum, updatedAt: new Date() }).where(eq(assignments.id, current.id)).returning();
    await recordChange(tx, { resourceType: 'assignment', resourceId: current.id, action: 'update', before: toAssignment(current), after: toAssignment(row!) });
  }
  return [...new Set(listing.map((row) => row.systemId))];
}

/** Where an assignment runs: the central workers count as one source, each satellite as one. */
export function sourceCount(assignment: Pick<Assignment, 'includeLocal' | 'satelliteIds'>): number {
  return (assignment.includeLocal ? 1 : 0) + new Set(assignment.satelliteIds).size;
}

/** SPEC §3.6: a quorum no set of sources could reach would keep the check healthy forever. */
function checkQuorum(assignment: Pick<Assignment, 'includeLocal' | 'satelliteIds' | 'quorum'>): void {
  if (!assignment.quorum) return;
  const sources = sourceCount(assignment);
  if (assignment.quorum.min > Math.max(1, sources)) {
    throw new ValidationError([
      { path: 'quorum.min', message: `expected at most the number of sources (${sources}: ${assignment.includeLocal ? 'the central workers and ' : ''}${new Set(assignment.satelliteIds).size} satellite(s)), got ${assignment.quorum.min}` },
    ]);
  }
}

/** Environments listed that the system is not a member of are allowed (membership may follow) but skipped by runs (SPEC §2.4). */
async function withWarnings(db: Pick<Db, 'select'>, assignment: Assignment): Promise<AssignmentWithWarnings> {
  const listed = assignment.environmentIds ?? [];
  const outside = await environmentsOutsideSystem(db, assignment.systemId, listed);
  const warnings = listed.flatMap((environmentId, index) => {
    const name = outside.get(environmentId);
    return name === undefined ? [] : [{ path: `environmentIds.${index}`, message: `environment ${name} is not one of the system's environments; runs skip it (SPEC §2.4)` }];
  });
  return { ...assignment, warnings };
}

function toConfiguration(row: typeof configurations.$inferSelect): Configuration {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    strategy: row.strategy,
    config: row.config,
    assertions: row.assertions,
    collectors: row.collectors,
    intervalSeconds: row.intervalSeconds,
    enabled: row.enabled,
    paused: row.paused,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function toAssignment(row: typeof assignments.$inferSelect): Assignment {
  return {
    id: row.id,
    systemId: row.systemId,
    configurationId: row.configurationId,
    enabled: row.enabled,
    includeLocal: row.includeLocal,
    satelliteIds: row.satelliteIds,
    quorum: row.quorum ?? null,
    environmentIds: row.environmentIds ?? null,
    stateThresholds: row.stateThresholds ?? null,
    retention: row.retention ?? null,
    notificationPolicy: row.notificationPolicy ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The stored definition with a patch over it: config is merge-patched, the other parts replaced. */
function patchedDefinition(current: Pick<Configuration, 'strategy' | 'config' | 'assertions' | 'collectors'>, patch: ConfigurationPatch): Definition {
  return {
    strategy: patch.strategy ?? current.strategy,
    config: patch.config === undefined ? current.config : mergePatch(current.config, patch.config),
    assertions: patch.assertions ?? current.assertions,
    collectors: patch.collectors ?? current.collectors,
  };
}
