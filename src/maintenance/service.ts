import { and, asc, desc, eq, inArray, isNotNull, lt, lte, or, sql, type SQL } from 'drizzle-orm';
import type pg from 'pg';
import { recordChange } from '../access/audit.ts';
import { groupsOfSystems, missingGroups, missingSystems, systemIdsOfGroupsSql } from '../catalog/read.ts';
import type { Db } from '../db/database.ts';
import { translateDbError } from '../db/errors.ts';
import { inTransaction } from '../db/transaction.ts';
import { cursorKey, toPage, type Page, type PageRequest } from '../db/pagination.ts';
import { writeOutbox } from '../events/outbox.ts';
import type { BusEvent, Payload } from '../events/topics.ts';
import { NotFoundError, ValidationError, type ErrorDetail } from '../kernel/errors.ts';
import type { Logger } from '../kernel/log.ts';
import { planAdvance, planRemoval, type StatusChange, type StoredStatus } from './advance.ts';
import { windowProblems, type MaintenanceStatusFilter, type MaintenanceWindow, type MaintenanceWindowInput, type MaintenanceWindowPatch } from './model.ts';
import { maintenanceGroups, maintenanceSystems, maintenanceWindows } from './schema.ts';
import { nextOccurrence, occurrenceAt, statusAt, type Occurrence, type Schedule } from './status.ts';

export interface MaintenanceServiceOptions {
  /** Delivers outbox events after commit (OutboxRelay.deliver). */
  deliver(ids: string[]): Promise<void>;
  log: Logger;
  now?: () => Date;
}

export interface MaintenanceFilter {
  /** The status now (computed, not the stored one). */
  status?: MaintenanceStatusFilter;
  /** Windows naming the system, or one of its groups. */
  systemId?: string;
}

type WindowRow = typeof maintenanceWindows.$inferSelect;
interface Members {
  systemIds: string[];
  groupIds: string[];
}

/** Rows read per round when a status filter drops some: the table is small, pages stay full. */
const FILTER_BATCH = 200;

/**
 * Maintenance windows (SPEC §3.5, §6.2): the resource, and `advance`, which moves each window's
 * stored status with the clock and announces `maintenance.started` / `maintenance.ended` once
 * across processes — the conditional update decides which process announces, in the transaction
 * that writes the event to the outbox. What answers a request (status, occurrences) is computed
 * from the schedule at that moment; the stored status only follows it, within seconds.
 */
export class MaintenanceService {
  private readonly now: () => Date;

  constructor(
    private readonly db: Db,
    private readonly pool: pg.Pool,
    private readonly options: MaintenanceServiceOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  /** Latest start first; the cursor is the last window's startsAt and id. */
  async list(page: PageRequest, filter: MaintenanceFilter = {}): Promise<Page<MaintenanceWindow>> {
    const now = this.now();
    const scope = filter.systemId ? await this.windowsOfSystem(filter.systemId) : undefined;
    const batch = filter.status ? Math.max(FILTER_BATCH, page.limit + 1) : page.limit + 1;
    let after = cursorKey(page);
    const matched: WindowRow[] = [];
    // Each round moves past `batch` rows: it ends with the table at the latest.
    for (;;) {
      const rows = await this.db
        .select()
        .from(maintenanceWindows)
        .where(and(scope, after === undefined ? undefined : before(parseCursor(after))))
        .orderBy(desc(maintenanceWindows.startsAt), desc(maintenanceWindows.id))
        .limit(batch);
      matched.push(...rows.filter((row) => !filter.status || statusAt(scheduleOf(row), now) === filter.status));
      if (matched.length > page.limit || rows.length < batch) break;
      after = keyOf(rows.at(-1)!);
    }
    const members = await membersOf(this.db, matched.slice(0, page.limit).map((row) => row.id));
    return toPage(matched, page, keyOf, (row) => toWindow(row, members.get(row.id), now));
  }

  async get(id: string): Promise<MaintenanceWindow> {
    const row = await this.row(this.db, id);
    return toWindow(row, (await membersOf(this.db, [id])).get(id), this.now());
  }

  async create(input: MaintenanceWindowInput): Promise<MaintenanceWindow> {
    return this.transaction(async (tx) => {
      await requireTargets(tx, input);
      const [row] = await tx
        .insert(maintenanceWindows)
        .values({
          title: input.title,
          description: input.description,
          startsAt: new Date(input.startsAt),
          endsAt: new Date(input.endsAt),
          rrule: input.rrule,
          timeZone: input.timeZone,
          suppressNotifications: input.suppressNotifications,
        })
        .returning();
      const members = await replaceMembers(tx, row!.id, input);
      const window = toWindow(row!, members, this.now());
      await recordChange(tx, { resourceType: 'maintenance_window', resourceId: window.id, action: 'create', after: definition(window) });
      return window;
    });
  }

  /**
   * The fields given replace the stored ones, and the result must be a valid window. A completed
   * window given a new schedule is planned again, for `advance` to move from there.
   */
  async update(id: string, patch: MaintenanceWindowPatch): Promise<MaintenanceWindow> {
    return this.transaction(async (tx) => {
      const current = await this.row(tx, id, { lock: true });
      const before = toWindow(current, (await membersOf(tx, [id])).get(id), this.now());
      const merged = { ...before, ...patch };
      const problems = windowProblems(merged);
      if (problems.length) throw new ValidationError(problems);
      await requireTargets(tx, { systemIds: patch.systemIds ?? [], groupIds: patch.groupIds ?? [] });
      const rescheduled = Date.parse(merged.startsAt) !== current.startsAt.getTime() || Date.parse(merged.endsAt) !== current.endsAt.getTime() || merged.rrule !== current.rrule || merged.timeZone !== current.timeZone;
      const [row] = await tx
        .update(maintenanceWindows)
        .set({
          title: merged.title,
          description: merged.description,
          startsAt: new Date(merged.startsAt),
          endsAt: new Date(merged.endsAt),
          rrule: merged.rrule,
          timeZone: merged.timeZone,
          suppressNotifications: merged.suppressNotifications,
          updatedAt: new Date(),
          ...(rescheduled && current.status === 'completed' ? { status: 'planned' as const, occurrenceStartsAt: null, statusChangedAt: this.now() } : {}),
        })
        .where(eq(maintenanceWindows.id, id))
        .returning();
      const members = patch.systemIds || patch.groupIds ? await replaceMembers(tx, id, merged) : { systemIds: before.systemIds, groupIds: before.groupIds };
      const after = toWindow(row!, members, this.now());
      await recordChange(tx, { resourceType: 'maintenance_window', resourceId: id, action: 'update', before: definition(before), after: definition(after) });
      return after;
    });
  }

  /** Deletes the window; deleting it during an occurrence announces that occurrence's end. */
  async remove(id: string): Promise<void> {
    const now = this.now();
    const eventIds = await this.transaction(async (tx, client) => {
      const current = await this.row(tx, id, { lock: true });
      const before = toWindow(current, (await membersOf(tx, [id])).get(id), now);
      const ended = planRemoval(scheduleOf(current), storedOf(current));
      const systemIds = ended ? await affectedSystems(client, id) : [];
      await tx.delete(maintenanceWindows).where(eq(maintenanceWindows.id, id));
      await recordChange(tx, { resourceType: 'maintenance_window', resourceId: id, action: 'delete', before: definition(before) });
      return ended ? writeOutbox(client, [maintenanceEvent(current, ended, systemIds, now)]) : [];
    });
    await this.options.deliver(eventIds);
  }

  /**
   * Moves every window's stored status to what the clock says, announcing each start and end
   * once whichever and however many processes advance at the same moment. Answers how many moved.
   */
  async advance(now: Date = this.now()): Promise<number> {
    // A one-off window that has not started has nothing to move; completed is final.
    const rows = await this.db
      .select()
      .from(maintenanceWindows)
      .where(
        or(
          eq(maintenanceWindows.status, 'active'),
          and(eq(maintenanceWindows.status, 'planned'), or(isNotNull(maintenanceWindows.rrule), lte(maintenanceWindows.startsAt, now))),
        ),
      );
    let moved = 0;
    for (const row of rows) {
      try {
        if (await this.settle(row, now)) moved += 1;
      } catch (error) {
        this.options.log.error({ err: error, windowId: row.id }, 'Could not advance a maintenance window; going on with the others');
      }
    }
    return moved;
  }

  /** Applies the window's plan if its row is still as read; the process whose update lands announces. */
  private async settle(row: WindowRow, now: Date): Promise<boolean> {
    const plan = planAdvance(scheduleOf(row), storedOf(row), now);
    if (!plan) return false;
    const eventIds = await this.transaction(async (tx, client) => {
      const updated = await tx
        .update(maintenanceWindows)
        .set({ status: plan.next.status, occurrenceStartsAt: plan.next.occurrenceStartsAt, statusChangedAt: now })
        .where(
          and(
            eq(maintenanceWindows.id, row.id),
            eq(maintenanceWindows.status, row.status),
            sql`${maintenanceWindows.occurrenceStartsAt} IS NOT DISTINCT FROM ${row.occurrenceStartsAt}::timestamptz`,
          ),
        )
        .returning({ id: maintenanceWindows.id });
      if (!updated.length) return undefined;
      if (!plan.changes.length) return [];
      const systemIds = await affectedSystems(client, row.id);
      return writeOutbox(client, plan.changes.map((change) => maintenanceEvent(row, change, systemIds, now)));
    });
    if (eventIds === undefined) return false;
    await this.options.deliver(eventIds);
    return true;
  }

  private async windowsOfSystem(systemId: string): Promise<SQL> {
    const groupIds = (await groupsOfSystems(this.db, [systemId])).get(systemId) ?? [];
    const direct = this.db.select({ id: maintenanceSystems.windowId }).from(maintenanceSystems).where(eq(maintenanceSystems.systemId, systemId));
    if (!groupIds.length) return inArray(maintenanceWindows.id, direct);
    const viaGroups = this.db.select({ id: maintenanceGroups.windowId }).from(maintenanceGroups).where(inArray(maintenanceGroups.groupId, groupIds));
    return or(inArray(maintenanceWindows.id, direct), inArray(maintenanceWindows.id, viaGroups))!;
  }

  private async row(db: Pick<Db, 'select'>, id: string, options: { lock?: boolean } = {}): Promise<WindowRow> {
    const query = db.select().from(maintenanceWindows).where(eq(maintenanceWindows.id, id));
    const [row] = options.lock ? await query.for('update') : await query;
    if (!row) throw new NotFoundError('Maintenance window', id);
    return row;
  }

  /** One transaction for the change, its audit entry and its outbox rows (db/transaction.ts); database errors translated. */
  private transaction<T>(work: (tx: Db, client: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, (client, tx) => work(tx, client)).catch(translateDbError);
  }

}

/** Unknown systems or groups, named by their place in the list (`groupIds.1`). */
async function requireTargets(tx: Pick<Db, 'select'>, targets: Members): Promise<void> {
  const unknownGroups = new Set(await missingGroups(tx, [...new Set(targets.groupIds)]));
  const missing: ErrorDetail[] = [
    ...(await missingSystems(tx, targets.systemIds, 'systemIds')),
    ...targets.groupIds.flatMap((id, index) => (unknownGroups.has(id) ? [{ path: `groupIds.${index}`, message: `no group with id ${id}` }] : [])),
  ];
  if (missing.length) throw new ValidationError(missing);
}

async function replaceMembers(tx: Db, windowId: string, targets: Members): Promise<Members> {
  const members = { systemIds: [...new Set(targets.systemIds)].sort(), groupIds: [...new Set(targets.groupIds)].sort() };
  await tx.delete(maintenanceSystems).where(eq(maintenanceSystems.windowId, windowId));
  await tx.delete(maintenanceGroups).where(eq(maintenanceGroups.windowId, windowId));
  if (members.systemIds.length) await tx.insert(maintenanceSystems).values(members.systemIds.map((systemId) => ({ windowId, systemId })));
  if (members.groupIds.length) await tx.insert(maintenanceGroups).values(members.groupIds.map((groupId) => ({ windowId, groupId })));
  return members;
}

/** Each window's systems and groups, in id order (those deleted since are gone). */
async function membersOf(db: Pick<Db, 'select'>, windowIds: string[]): Promise<Map<string, Members>> {
  const members = new Map<string, Members>(windowIds.map((id) => [id, { systemIds: [], groupIds: [] }]));
  if (!windowIds.length) return members;
  // One after the other: `db` may be a transaction's single connection.
  const systems = await db.select().from(maintenanceSystems).where(inArray(maintenanceSystems.windowId, windowIds)).orderBy(asc(maintenanceSystems.systemId));
  const groups = await db.select().from(maintenanceGroups).where(inArray(maintenanceGroups.windowId, windowIds)).orderBy(asc(maintenanceGroups.groupId));
  for (const row of systems) members.get(row.windowId)!.systemIds.push(row.systemId);
  for (const row of groups) members.get(row.windowId)!.groupIds.push(row.groupId);
  return members;
}

/** The systems a window's announcement names: its own and, as they are now, those of its groups. */
async function affectedSystems(client: Pick<pg.PoolClient, 'query'>, windowId: string): Promise<string[]> {
  const { rows } = await client.query<{ system_id: string }>(
    `SELECT system_id FROM maintenance_systems WHERE window_id = $1
     UNION ${systemIdsOfGroupsSql('(SELECT group_id FROM maintenance_groups WHERE window_id = $1)')}
     ORDER BY 1`,
    [windowId],
  );
  return rows.map((row) => row.system_id);
}

function maintenanceEvent(row: WindowRow, change: StatusChange, systemIds: string[], now: Date): Omit<BusEvent, 'id'> {
  const payload: Payload<typeof change.topic> = {
    windowId: row.id,
    title: row.title,
    status: change.status,
    previousStatus: change.previousStatus,
    occurrenceStartsAt: change.occurrence.startsAt.toISOString(),
    occurrenceEndsAt: change.occurrence.endsAt.toISOString(),
    systemIds,
    suppressNotifications: row.suppressNotifications,
    timestamp: now.toISOString(),
  };
  return { topic: change.topic, payload } as Omit<BusEvent, 'id'>;
}

function scheduleOf(row: WindowRow): Schedule {
  return { startsAt: row.startsAt, endsAt: row.endsAt, rrule: row.rrule, timeZone: row.timeZone };
}

function storedOf(row: WindowRow): StoredStatus {
  return { status: row.status, occurrenceStartsAt: row.occurrenceStartsAt };
}

function toWindow(row: WindowRow, members: Members | undefined, now: Date): MaintenanceWindow {
  const schedule = scheduleOf(row);
  const current = occurrenceAt(schedule, now);
  return {
    id: row.id,
    title: row.title,
    description: row.description,
    systemIds: members?.systemIds ?? [],
    groupIds: members?.groupIds ?? [],
    startsAt: row.startsAt.toISOString(),
    endsAt: row.endsAt.toISOString(),
    rrule: row.rrule,
    timeZone: row.timeZone,
    suppressNotifications: row.suppressNotifications,
    status: current ? 'active' : statusAt(schedule, now),
    currentOccurrence: current && isoOccurrence(current),
    nextOccurrence: isoOccurrence(nextOccurrence(schedule, now)),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function isoOccurrence(occurrence: Occurrence | null): MaintenanceWindow['currentOccurrence'] {
  return occurrence && { startsAt: occurrence.startsAt.toISOString(), endsAt: occurrence.endsAt.toISOString() };
}

/** What the audit log keeps of a window: what was asked for, not what the clock makes of it. */
function definition(window: MaintenanceWindow) {
  const { status: _status, currentOccurrence: _current, nextOccurrence: _next, ...rest } = window;
  return rest;
}

function keyOf(row: WindowRow): string {
  return `${row.startsAt.toISOString()}|${row.id}`;
}

function before(key: { startsAt: Date; id: string }): SQL | undefined {
  return or(lt(maintenanceWindows.startsAt, key.startsAt), and(eq(maintenanceWindows.startsAt, key.startsAt), lt(maintenanceWindows.id, key.id)));
}

/** A cursor that decodes but was not made here (no `|`, a bad time) is the caller's mistake, not a 500. */
function parseCursor(key: string): { startsAt: Date; id: string } {
  const [at = '', id = ''] = key.split('|');
  const startsAt = new Date(at);
  if (Number.isNaN(startsAt.getTime()) || !/^[0-9a-f-]{36}$/.test(id)) {
    throw new ValidationError([{ path: 'cursor', message: 'expected the nextCursor of a previous page' }]);
  }
  return { startsAt, id };
}
