import { and, asc, desc, eq, inArray, lt, ne, or, sql, type SQL } from 'drizzle-orm';
import type pg from 'pg';
import { currentActor, recordChange } from '../access/audit.ts';
import { missingSystems } from '../catalog/read.ts';
import type { Db } from '../db/database.ts';
import { translateDbError } from '../db/errors.ts';
import { inTransaction } from '../db/transaction.ts';
import { cursorKey, toPage, type Page, type PageRequest } from '../db/pagination.ts';
import { writeOutbox } from '../events/outbox.ts';
import { INCIDENT_CREATED, INCIDENT_UPDATED, type BusEvent, type Payload } from '../events/topics.ts';
import { ConflictError, NotFoundError, ValidationError } from '../kernel/errors.ts';
import type { Incident, IncidentInput, IncidentPatch, IncidentStatus, IncidentStatusFilter, IncidentUpdate, IncidentUpdateInput, IncidentWithTimeline } from './model.ts';
import { incidentSystems, incidentUpdates, incidents } from './schema.ts';

export interface IncidentsServiceOptions {
  /** Delivers outbox events after commit (OutboxRelay.deliver). */
  deliver(ids: string[]): Promise<void>;
}

export interface IncidentFilter {
  status?: IncidentStatusFilter;
  systemId?: string;
}

type IncidentRow = typeof incidents.$inferSelect;

/** The first timeline entry of an incident opened without a description. */
const OPENED = 'Incident opened';

/**
 * An incident's creation time, kept to the millisecond: list cursors carry it as an ISO string, and
 * a finer stored time would fall between two cursors and skip rows.
 */
const CREATED_NOW = sql`date_trunc('milliseconds', now())`;
/**
 * A timeline entry's time, read after the incident's row lock: two updates racing for one incident
 * are ordered as they were applied, not as their transactions began.
 */
const APPLIED_NOW = sql`clock_timestamp()`;

/**
 * Incidents (issue 19): what people are working on, the systems it touches, and its timeline.
 * Opening one and posting an update announce it (`incident.created`, `incident.updated`) through
 * the outbox, written in the transaction of the change and published after commit; the status
 * moves only through updates, so every status a subscriber hears of has its entry in the timeline.
 */
export class IncidentsService {
  constructor(
    private readonly db: Db,
    private readonly pool: pg.Pool,
    private readonly options: IncidentsServiceOptions,
  ) {}

  /** Newest first; the cursor is the last incident's creation time and id. */
  async list(page: PageRequest, filter: IncidentFilter = {}): Promise<Page<Incident>> {
    const key = cursorKey(page);
    const conditions: (SQL | undefined)[] = [statusCondition(filter.status)];
    if (filter.systemId) {
      conditions.push(inArray(incidents.id, this.db.select({ id: incidentSystems.incidentId }).from(incidentSystems).where(eq(incidentSystems.systemId, filter.systemId))));
    }
    if (key !== undefined) {
      const after = parseCursor(key);
      conditions.push(or(lt(incidents.createdAt, after.createdAt), and(eq(incidents.createdAt, after.createdAt), lt(incidents.id, after.id))));
    }
    const rows = await this.db
      .select()
      .from(incidents)
      .where(and(...conditions))
      .orderBy(desc(incidents.createdAt), desc(incidents.id))
      .limit(page.limit + 1);
    const systems = await systemIdsOf(this.db, rows.slice(0, page.limit).map((row) => row.id));
    return toPage(rows, page, (row) => `${row.createdAt.toISOString()}|${row.id}`, (row) => toIncident(row, systems.get(row.id) ?? []));
  }

  /** The incident with its whole timeline, oldest first. */
  async get(id: string): Promise<IncidentWithTimeline> {
    return withTimeline(this.db, await this.row(this.db, id));
  }

  /** Opens an incident; its first timeline entry is its status with the description (or "Incident opened"). */
  async create(input: IncidentInput): Promise<IncidentWithTimeline> {
    const systemIds = [...new Set(input.systemIds)];
    const { incident, eventIds } = await this.transaction(async (tx, client) => {
      await requireSystems(tx, input.systemIds);
      const [row] = await tx
        .insert(incidents)
        .values({
          title: input.title,
          description: input.description,
          severity: input.severity,
          status: input.status,
          suppressNotifications: input.suppressNotifications,
          createdAt: CREATED_NOW,
          updatedAt: CREATED_NOW,
          resolvedAt: input.status === 'resolved' ? CREATED_NOW : null,
        })
        .returning();
      await tx.insert(incidentSystems).values(systemIds.map((systemId) => ({ incidentId: row!.id, systemId })));
      const update = await appendUpdate(tx, row!.id, { status: input.status, message: input.description || OPENED });
      const opened = toIncident(row!, [...systemIds].sort());
      await recordChange(tx, { resourceType: 'incident', resourceId: opened.id, action: 'create', after: opened });
      const eventIds = await writeOutbox(client, [incidentEvent(INCIDENT_CREATED, opened, update)]);
      return { incident: { ...opened, updates: [update] }, eventIds };
    });
    await this.options.deliver(eventIds);
    return incident;
  }

  /** Changes what the incident says about itself; its status moves only through updates. Announces nothing. */
  async update(id: string, patch: IncidentPatch): Promise<IncidentWithTimeline> {
    return this.transaction(async (tx) => {
      const current = await this.row(tx, id, { lock: true });
      const before = toIncident(current, (await systemIdsOf(tx, [id])).get(id) ?? []);
      const { systemIds, ...fields } = patch;
      if (systemIds) {
        await requireSystems(tx, systemIds);
        await tx.delete(incidentSystems).where(eq(incidentSystems.incidentId, id));
        await tx.insert(incidentSystems).values([...new Set(systemIds)].map((systemId) => ({ incidentId: id, systemId })));
      }
      const [row] = await tx
        .update(incidents)
        .set({ ...fields, updatedAt: new Date() })
        .where(eq(incidents.id, id))
        .returning();
      const after = await withTimeline(tx, row!);
      await recordChange(tx, { resourceType: 'incident', resourceId: id, action: 'update', before, after: withoutTimeline(after) });
      return after;
    });
  }

  /** Deletes the incident and its timeline. */
  async remove(id: string): Promise<void> {
    await this.transaction(async (tx) => {
      const current = await this.row(tx, id, { lock: true });
      const before = toIncident(current, (await systemIdsOf(tx, [id])).get(id) ?? []);
      await tx.delete(incidents).where(eq(incidents.id, id));
      await recordChange(tx, { resourceType: 'incident', resourceId: id, action: 'delete', before });
    });
  }

  /**
   * Appends an update to the timeline and moves the incident to its status: resolved sets
   * `resolvedAt`; any other status on a resolved incident reopens it. Resolving a resolved
   * incident is refused (`incident_resolved`): it would announce a resolution that already happened.
   */
  async postUpdate(id: string, input: IncidentUpdateInput): Promise<IncidentWithTimeline> {
    const { incident, eventIds } = await this.transaction(async (tx, client) => {
      const current = await this.row(tx, id, { lock: true });
      if (current.status === 'resolved' && input.status === 'resolved') throw alreadyResolved(id);
      const update = await appendUpdate(tx, id, input);
      const [row] = await tx
        .update(incidents)
        .set({ status: input.status, updatedAt: new Date(), resolvedAt: input.status === 'resolved' ? new Date(update.createdAt) : null })
        .where(eq(incidents.id, id))
        .returning();
      const incident = await withTimeline(tx, row!);
      const after = withoutTimeline(incident);
      await recordChange(tx, {
        resourceType: 'incident',
        resourceId: id,
        action: 'post_update',
        before: toIncident(current, after.systemIds),
        after: { ...after, update: { id: update.id, status: update.status, message: update.message } },
      });
      const eventIds = await writeOutbox(client, [incidentEvent(INCIDENT_UPDATED, after, update, current.status)]);
      return { incident, eventIds };
    });
    await this.options.deliver(eventIds);
    return incident;
  }

  private async row(db: Pick<Db, 'select'>, id: string, options: { lock?: boolean } = {}): Promise<IncidentRow> {
    const query = db.select().from(incidents).where(eq(incidents.id, id));
    const [row] = options.lock ? await query.for('update') : await query;
    if (!row) throw new NotFoundError('Incident', id);
    return row;
  }

  /** One transaction for the change, its audit entry and its outbox rows (db/transaction.ts); database errors translated. */
  private transaction<T>(work: (tx: Db, client: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, (client, tx) => work(tx, client)).catch(translateDbError);
  }

}

function alreadyResolved(id: string): ConflictError {
  const message = 'the incident is already resolved; post investigating, identified or monitoring to reopen it';
  return new ConflictError(`Incident ${id} is already resolved`, [{ path: 'status', message }], 'incident_resolved');
}

async function requireSystems(tx: Pick<Db, 'select'>, systemIds: string[]): Promise<void> {
  const missing = await missingSystems(tx, systemIds, 'systemIds');
  if (missing.length) throw new ValidationError(missing);
}

function statusCondition(status: IncidentStatusFilter | undefined): SQL | undefined {
  if (status === undefined) return undefined;
  return status === 'open' ? ne(incidents.status, 'resolved') : eq(incidents.status, status);
}

/** A cursor that decodes but was not made here (no `|`, a bad time) is the caller's mistake, not a 500. */
function parseCursor(key: string): { createdAt: Date; id: string } {
  const [at = '', id = ''] = key.split('|');
  const createdAt = new Date(at);
  if (Number.isNaN(createdAt.getTime()) || !/^[0-9a-f-]{36}$/.test(id)) {
    throw new ValidationError([{ path: 'cursor', message: 'expected the nextCursor of a previous page' }]);
  }
  return { createdAt, id };
}

async function appendUpdate(tx: Pick<Db, 'insert'>, incidentId: string, entry: { status: IncidentStatus; message: string }): Promise<IncidentUpdate> {
  const [row] = await tx
    .insert(incidentUpdates)
    .values({ incidentId, status: entry.status, message: entry.message, actor: currentActor().label, createdAt: APPLIED_NOW })
    .returning();
  return toUpdate(row!);
}

/** Each incident's system ids, in id order (an incident whose systems were all deleted has none). */
async function systemIdsOf(db: Pick<Db, 'select'>, incidentIds: string[]): Promise<Map<string, string[]>> {
  if (!incidentIds.length) return new Map();
  const rows = await db
    .select()
    .from(incidentSystems)
    .where(inArray(incidentSystems.incidentId, incidentIds))
    .orderBy(asc(incidentSystems.systemId));
  const systems = new Map<string, string[]>();
  for (const row of rows) systems.set(row.incidentId, [...(systems.get(row.incidentId) ?? []), row.systemId]);
  return systems;
}

async function withTimeline(db: Pick<Db, 'select'>, row: IncidentRow): Promise<IncidentWithTimeline> {
  const [systems, updates] = await Promise.all([
    systemIdsOf(db, [row.id]),
    db.select().from(incidentUpdates).where(eq(incidentUpdates.incidentId, row.id)).orderBy(asc(incidentUpdates.createdAt), asc(incidentUpdates.id)),
  ]);
  return { ...toIncident(row, systems.get(row.id) ?? []), updates: updates.map(toUpdate) };
}

function withoutTimeline(incident: IncidentWithTimeline): Incident {
  const { updates: _updates, ...rest } = incident;
  return rest;
}

function incidentEvent(topic: typeof INCIDENT_CREATED | typeof INCIDENT_UPDATED, incident: Incident, update: IncidentUpdate, previousStatus?: IncidentStatus): Omit<BusEvent, 'id'> {
  const payload: Payload<typeof INCIDENT_CREATED> = {
    incidentId: incident.id,
    title: incident.title,
    severity: incident.severity,
    status: update.status,
    ...(previousStatus ? { previousStatus } : {}),
    message: update.message,
    updateId: update.id,
    systemIds: incident.systemIds,
    timestamp: update.createdAt,
  };
  return { topic, payload } as Omit<BusEvent, 'id'>;
}

function toIncident(row: IncidentRow, systemIds: string[]): Incident {
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    severity: row.severity,
    status: row.status,
    suppressNotifications: row.suppressNotifications,
    systemIds,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
  };
}

function toUpdate(row: typeof incidentUpdates.$inferSelect): IncidentUpdate {
  return { id: row.id, status: row.status, message: row.message, actor: row.actor, createdAt: row.createdAt.toISOString() };
}
