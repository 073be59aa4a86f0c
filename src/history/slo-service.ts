import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type pg from 'pg';
import { recordChange } from '../access/audit.ts';
import { missingEnvironments, missingSystems } from '../catalog/read.ts';
import { missingConfigurations } from '../checks/read.ts';
import type { Db } from '../db/database.ts';
import { translateDbError } from '../db/errors.ts';
import { cursorKey, toPage, type Page, type PageRequest } from '../db/pagination.ts';
import { inTransaction } from '../db/transaction.ts';
import { writeOutbox } from '../events/outbox.ts';
import type { BusEvent } from '../events/topics.ts';
import { countRecentRuns, readBuckets, type StreamFilter } from '../health/tiers.ts';
import { NotFoundError, ValidationError } from '../kernel/errors.ts';
import type { Logger } from '../kernel/log.ts';
import { BUCKET_MS, bucketStart } from './query.ts';
import { BURN_WINDOWS, BURN_WINDOW_MS, sloFigures, type BurnWindow, type Tally } from './slo.ts';
import type { Slo, SloInput, SloPatch, SloStatus } from './slo-model.ts';
import { slos } from './schema.ts';

const HOUR = BUCKET_MS.hour;
const DAY = BUCKET_MS.day;
/** Windows short enough to count from raw runs exactly (raw runs are kept at least a day). */
const RAW_WINDOWS = BURN_WINDOWS.filter((w) => BURN_WINDOW_MS[w] <= 6 * HOUR);

export interface SloServiceOptions {
  /** Delivers outbox events after commit (OutboxRelay.deliver). */
  deliver(ids: string[]): Promise<void>;
  log: Logger;
  now?: () => Date;
}

/**
 * SLOs (SPEC §5.4): the resource, its status from the history tiers, and the burn-rate alert,
 * whose start and end are published once each across processes (the state row decides which
 * process publishes, in the transaction that writes the event to the outbox).
 */
export class SloService {
  private readonly now: () => Date;

  constructor(
    private readonly db: Db,
    private readonly pool: pg.Pool,
    private readonly options: SloServiceOptions,
  ) {
    this.now = options.now ?? (() => new Date());
  }

  async list(page: PageRequest, filter: { systemId?: string } = {}): Promise<Page<Slo>> {
    const key = cursorKey(page);
    const rows = await this.db
      .select()
      .from(slos)
      .where(and(key === undefined ? undefined : gt(sql`lower(${slos.name})`, key), filter.systemId ? eq(slos.systemId, filter.systemId) : undefined))
      .orderBy(asc(sql`lower(${slos.name})`))
      .limit(page.limit + 1);
    return toPage(rows, page, (r) => r.name.toLowerCase(), toSlo);
  }

  async get(id: string): Promise<Slo> {
    const [row] = await this.db.select().from(slos).where(eq(slos.id, id));
    if (!row) throw new NotFoundError('SLO', id);
    return toSlo(row);
  }

  async create(input: SloInput): Promise<Slo> {
    return this.db
      .transaction(async (tx) => {
        await this.requireReferences(tx, input);
        const [row] = await tx.insert(slos).values(input).returning();
        const slo = toSlo(row!);
        await recordChange(tx, { resourceType: 'slo', resourceId: slo.id, action: 'create', after: slo });
        return slo;
      })
      .catch(translateDbError);
  }

  async update(id: string, patch: SloPatch): Promise<Slo> {
    return this.db
      .transaction(async (tx) => {
        const [current] = await tx.select().from(slos).where(eq(slos.id, id)).for('update');
        if (!current) throw new NotFoundError('SLO', id);
        await this.requireReferences(tx, patch);
        const [row] = await tx.update(slos).set({ ...patch, updatedAt: new Date() }).where(eq(slos.id, id)).returning();
        const slo = toSlo(row!);
        await recordChange(tx, { resourceType: 'slo', resourceId: id, action: 'update', before: toSlo(current), after: slo });
        return slo;
      })
      .catch(translateDbError);
  }

  async remove(id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const [row] = await tx.delete(slos).where(eq(slos.id, id)).returning();
      if (!row) throw new NotFoundError('SLO', id);
      await recordChange(tx, { resourceType: 'slo', resourceId: id, action: 'delete', before: toSlo(row) });
    });
  }

  private async requireReferences(tx: Pick<Db, 'select'>, refs: Partial<Pick<SloInput, 'systemId' | 'configurationId' | 'environmentId'>>): Promise<void> {
    const missing = [
      ...(refs.systemId ? await missingSystems(tx, [refs.systemId], 'systemId') : []),
      ...(refs.configurationId ? await missingConfigurations(tx, [refs.configurationId], 'configurationId') : []),
      ...(refs.environmentId ? await missingEnvironments(tx, [refs.environmentId], 'environmentId') : []),
    ];
    if (missing.length) throw new ValidationError(missing);
  }

  /** The SLO now: SLI over its rolling window, error budget, burn rates, and whether the alert holds. */
  async status(id: string): Promise<SloStatus> {
    return this.evaluate(await this.get(id), this.now());
  }

  private async evaluate(slo: Slo, now: Date): Promise<SloStatus> {
    const filter: StreamFilter = { systemIds: [slo.systemId], configurationId: slo.configurationId ?? undefined, environmentId: slo.environmentId ?? undefined };
    const bad = (t: { runs: number; healthy: number; degraded: number }) => t.runs - t.healthy - (slo.degradedIsGood ? t.degraded : 0);
    const from = new Date(now.getTime() - slo.windowDays * DAY);
    // The window's first, partial day from its hours; the whole days after it (today included) from the daily tier.
    const firstWholeDay = Math.ceil(from.getTime() / DAY) * DAY;
    const hour = bucketStart(now, 'hour').getTime();
    const [hours, days, recent, threeDays] = await Promise.all([
      readBuckets(this.pool, filter, 'hour', bucketStart(from, 'hour'), new Date(firstWholeDay), { sketches: false }),
      readBuckets(this.pool, filter, 'day', new Date(firstWholeDay), new Date(bucketStart(now, 'day').getTime() + DAY), { sketches: false }),
      countRecentRuns(this.pool, filter, now, RAW_WINDOWS.map((w) => BURN_WINDOW_MS[w])),
      readBuckets(this.pool, filter, 'hour', new Date(hour - 71 * HOUR), new Date(hour + HOUR), { sketches: false }),
    ]);
    const window: Tally = { runs: 0, bad: 0 };
    for (const row of [...hours, ...days]) {
      window.runs += row.runs;
      window.bad += bad(row);
    }
    const tallies = {} as Record<BurnWindow, Tally>;
    RAW_WINDOWS.forEach((w, i) => (tallies[w] = { runs: recent[i]!.runs, bad: bad(recent[i]!) }));
    tallies['3d'] = threeDays.reduce((t, row) => ({ runs: t.runs + row.runs, bad: t.bad + bad(row) }), { runs: 0, bad: 0 });
    const figures = sloFigures(slo.objective, window, tallies);
    return { slo, evaluatedAt: now.toISOString(), window: { from: from.toISOString(), to: now.toISOString(), runs: window.runs, badRuns: window.bad }, ...figures };
  }

  /**
   * Evaluates every SLO and publishes each change of its burn-rate alert once, whichever and
   * however many processes evaluate at the same time. Answers how many changed.
   */
  async evaluateAll(): Promise<number> {
    const now = this.now();
    let changed = 0;
    for (const row of await this.db.select().from(slos)) {
      try {
        const status = await this.evaluate(toSlo(row), now);
        if (await this.settle(status, now)) changed += 1;
      } catch (error) {
        this.options.log.error({ err: error, sloId: row.id }, 'Could not evaluate an SLO; going on with the others');
      }
    }
    return changed;
  }

  /** Writes the alert's state; when it changed (or starts out burning), the event goes to the outbox in the same transaction. */
  private async settle(status: SloStatus, now: Date): Promise<boolean> {
    const { announce, ids } = await inTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ inserted: boolean }>(
        `INSERT INTO slo_states AS s (slo_id, burning, changed_at) VALUES ($1, $2, $3)
         ON CONFLICT (slo_id) DO UPDATE SET burning = excluded.burning, changed_at = excluded.changed_at
           WHERE s.burning IS DISTINCT FROM excluded.burning
         RETURNING (xmax = 0) AS inserted`,
        [status.slo.id, status.burning, now],
      );
      const row = rows[0];
      // A new SLO that is fine starts quietly; one that starts out burning says so.
      const announce = row !== undefined && (!row.inserted || status.burning);
      return { announce, ids: announce ? await writeOutbox(client, [burnEvent(status, now)]) : [] };
    });
    if (ids.length) await this.options.deliver(ids);
    return announce;
  }
}

function burnEvent(status: SloStatus, now: Date): Omit<BusEvent, 'id'> {
  const { slo } = status;
  return {
    topic: status.burning ? 'slo.burn_rate_high' : 'slo.burn_rate_normal',
    payload: {
      sloId: slo.id,
      name: slo.name,
      systemId: slo.systemId,
      ...(slo.configurationId ? { configurationId: slo.configurationId } : {}),
      ...(slo.environmentId ? { environmentId: slo.environmentId } : {}),
      objective: slo.objective,
      burnRates: status.burnRates,
      remainingBudgetPercent: status.budget.remainingPercent,
      timestamp: now.toISOString(),
    },
  } as Omit<BusEvent, 'id'>;
}

function toSlo(row: typeof slos.$inferSelect): Slo {
  return {
    id: row.id,
    name: row.name,
    systemId: row.systemId,
    configurationId: row.configurationId,
    environmentId: row.environmentId,
    objective: row.objective,
    windowDays: row.windowDays,
    degradedIsGood: row.degradedIsGood,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
