import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { asc, eq, gt, sql } from 'drizzle-orm';
import type pg from 'pg';
import { recordChange } from '../access/audit.ts';
import { readSatelliteAssignments, satelliteAssignmentCounts, type SatelliteAssignment } from '../checks/read.ts';
import { removeSatelliteFromAssignments } from '../checks/service.ts';
import type { Db } from '../db/database.ts';
import { translateDbError } from '../db/errors.ts';
import { cursorKey, toPage, type Page, type PageRequest } from '../db/pagination.ts';
import { inTransaction } from '../db/transaction.ts';
import { effectiveEnvironments } from '../definitions/environments.ts';
import { writeOutbox } from '../events/outbox.ts';
import { SATELLITE_OFFLINE, SATELLITE_ONLINE, type BusEvent } from '../events/topics.ts';
import type { RunRecord } from '../health/recorder.ts';
import { NotFoundError } from '../kernel/errors.ts';
import type { Logger } from '../kernel/log.ts';
import { DEFAULT_HEARTBEAT_SECONDS, type CreatedSatellite, type Feed, type FeedAssignment, type HeartbeatInput, type RunsAnswer, type Satellite, type SatelliteInput, type SatellitePatch, type UploadedRun } from './model.ts';
import { satellites } from './schema.ts';

/** What every satellite token starts with: a leaked one is recognisable in a log or a repository. */
export const TOKEN_PREFIX = 'vst_';
/** SPEC (issue #23): a satellite is offline after this many heartbeats missed in a row. */
export const MISSED_HEARTBEATS = 3;

export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

type SatelliteRow = typeof satellites.$inferSelect;

/** The satellite a request authenticated as. */
export interface SatelliteCaller {
  id: string;
  name: string;
}

export interface SatellitesDeps {
  db: Db;
  pool: pg.Pool;
  recorder: {
    recordRun(run: RunRecord): Promise<string | undefined>;
    recomputeRollup(systemId: string, configurationId: string | null): Promise<void>;
  };
  /** Lower-cased secret name → value, for those that exist. */
  resolveSecrets(names: readonly string[]): Promise<Map<string, string>>;
  /** The secrets a stored definition's templates and `secretEnv`s name (lower-cased); [] when it cannot be planned. */
  secretNamesOf(definition: Pick<SatelliteAssignment, 'strategy' | 'config' | 'assertions' | 'collectors'>): string[];
  /** Delivers outbox events after commit (OutboxRelay.deliver). */
  deliver(ids: string[]): Promise<void>;
  /** Told, after commit, of systems whose checks changed (a deleted satellite left their assignments). */
  onAssignmentsChanged(systemIds: string[]): void;
  log: Logger;
  heartbeatSeconds?: number;
}

/**
 * Satellites (SPEC §1): the resource admins manage, and the satellite's own channel — its
 * assignment feed, heartbeats and run uploads, each authenticated by its token.
 */
export class SatellitesService {
  readonly heartbeatSeconds: number;
  /** Secret names per configuration version: planning a definition again on every poll would be waste. */
  private readonly secretNames = new Map<string, string[]>();

  constructor(private readonly deps: SatellitesDeps) {
    this.heartbeatSeconds = deps.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS;
  }

  // ── the resource ──────────────────────────────────────────────────────────

  async list(page: PageRequest): Promise<Page<Satellite>> {
    const key = cursorKey(page);
    const rows = await this.deps.db
      .select()
      .from(satellites)
      .where(key === undefined ? undefined : gt(sql`lower(${satellites.name})`, key))
      .orderBy(asc(sql`lower(${satellites.name})`))
      .limit(page.limit + 1);
    const counts = await satelliteAssignmentCounts(this.deps.pool);
    return toPage(rows, page, (row) => row.name.toLowerCase(), (row) => toSatellite(row, counts));
  }

  async get(id: string): Promise<Satellite> {
    const [row] = await this.deps.db.select().from(satellites).where(eq(satellites.id, id));
    if (!row) throw new NotFoundError('Satellite', id);
    return toSatellite(row, await satelliteAssignmentCounts(this.deps.pool));
  }

  /** Registers a satellite; its token is in this answer only (the table keeps its hash). */
  async create(input: SatelliteInput): Promise<CreatedSatellite> {
    const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
    const satellite = await this.deps.db
      .transaction(async (tx) => {
        const [row] = await tx.insert(satellites).values({ ...input, tokenHash: hashToken(token) }).returning();
        const created = toSatellite(row!, new Map());
        await recordChange(tx, { resourceType: 'satellite', resourceId: created.id, action: 'create', after: created });
        return created;
      })
      .catch(translateDbError);
    return { ...satellite, token };
  }

  async update(id: string, patch: SatellitePatch): Promise<Satellite> {
    await this.deps.db
      .transaction(async (tx) => {
        const [current] = await tx.select().from(satellites).where(eq(satellites.id, id)).for('update');
        if (!current) throw new NotFoundError('Satellite', id);
        const [row] = await tx
          .update(satellites)
          .set({ ...patch, updatedAt: new Date() })
          .where(eq(satellites.id, id))
          .returning();
        await recordChange(tx, { resourceType: 'satellite', resourceId: id, action: 'update', before: toSatellite(current, new Map()), after: toSatellite(row!, new Map()) });
      })
      .catch(translateDbError);
    return this.get(id);
  }

  /**
   * Deletes the satellite: its token stops working with this commit (every request looks it up),
   * and every assignment that listed it no longer does (SPEC §6.3), all in one transaction.
   */
  async delete(id: string): Promise<void> {
    const systemIds = await this.deps.db.transaction(async (tx) => {
      const [row] = await tx.delete(satellites).where(eq(satellites.id, id)).returning();
      if (!row) throw new NotFoundError('Satellite', id);
      const changed = await removeSatelliteFromAssignments(tx, id);
      await recordChange(tx, { resourceType: 'satellite', resourceId: id, action: 'delete', before: toSatellite(row, new Map()) });
      return changed;
    });
    if (systemIds.length) this.deps.onAssignmentsChanged(systemIds);
  }

  // ── the satellite's channel ───────────────────────────────────────────────

  /** The satellite a bearer token belongs to, or undefined (unknown, or its satellite was deleted). */
  async authenticate(token: string): Promise<SatelliteCaller | undefined> {
    if (!token.startsWith(TOKEN_PREFIX)) return undefined;
    const tokenHash = hashToken(token);
    const [row] = await this.deps.db
      .select({ id: satellites.id, name: satellites.name, hash: satellites.tokenHash })
      .from(satellites)
      .where(eq(satellites.tokenHash, tokenHash));
    // Looked up by hash; comparing again in constant time costs nothing and closes the question.
    if (!row || !timingSafeEqual(Buffer.from(row.hash), Buffer.from(tokenHash))) return undefined;
    return { id: row.id, name: row.name };
  }

  /**
   * What the satellite runs: its assignments with their definitions and effective environments,
   * and the values of the secrets they use. The same set reads the same, byte for byte, so its
   * hash is an ETag that makes an unchanged poll cost one query and no body.
   */
  async feed(satellite: SatelliteCaller): Promise<Feed> {
    const rows = await readSatelliteAssignments(this.deps.pool, satellite.id);
    const assignments = rows.map(toFeedAssignment);
    const names = [...new Set(rows.flatMap((row) => this.secretNamesOfVersion(row)))].sort();
    const resolved = await this.deps.resolveSecrets(names);
    const secrets: Record<string, string> = {};
    for (const name of names) {
      const value = resolved.get(name);
      if (value !== undefined) secrets[name] = value;
    }
    return { satelliteId: satellite.id, name: satellite.name, heartbeatSeconds: this.heartbeatSeconds, assignments, secrets };
  }

  private secretNamesOfVersion(row: SatelliteAssignment): string[] {
    const key = `${row.configurationId}:${row.version}`;
    let names = this.secretNames.get(key);
    if (!names) {
      if (this.secretNames.size >= 10_000) this.secretNames.clear();
      names = this.deps.secretNamesOf(row);
      this.secretNames.set(key, names);
    }
    return names;
  }

  /**
   * A heartbeat: the satellite is seen now, with its version and backlog. The row lock makes the
   * offline → online change land once, however many API processes take heartbeats.
   */
  async heartbeat(satellite: SatelliteCaller, input: HeartbeatInput, now = new Date()): Promise<void> {
    const eventIds = await inTransaction(this.deps.pool, async (client) => {
      const { rows } = await client.query<{ online: boolean; location: string | null; name: string }>(
        'SELECT online, location, name FROM satellites WHERE id = $1 FOR UPDATE',
        [satellite.id],
      );
      const before = rows[0];
      if (!before) return [];
      await client.query('UPDATE satellites SET online = true, last_seen_at = $2, version = $3, backlog = $4, dropped = $5 WHERE id = $1', [
        satellite.id,
        now,
        input.version,
        input.backlog,
        input.dropped,
      ]);
      if (before.online) return [];
      return writeOutbox(client, [satelliteEvent(SATELLITE_ONLINE, { id: satellite.id, name: before.name, location: before.location, lastSeenAt: now }, now)]);
    });
    await this.deps.deliver(eventIds);
  }

  /**
   * Marks offline every satellite whose last heartbeat is more than MISSED_HEARTBEATS periods old.
   * Each update is conditional on the row as read, so whichever scheduler lands it announces
   * `satellite.offline`, once. Answers how many went offline.
   */
  async sweep(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - MISSED_HEARTBEATS * this.heartbeatSeconds * 1000);
    const { rows } = await this.deps.pool.query<{ id: string; name: string; location: string | null; last_seen_at: Date | null }>(
      `SELECT id, name, location, last_seen_at FROM satellites WHERE online AND (last_seen_at IS NULL OR last_seen_at < $1)`,
      [cutoff],
    );
    let moved = 0;
    for (const row of rows) {
      const eventIds = await inTransaction(this.deps.pool, async (client) => {
        const updated = await client.query(
          'UPDATE satellites SET online = false WHERE id = $1 AND online AND last_seen_at IS NOT DISTINCT FROM $2::timestamptz',
          [row.id, row.last_seen_at],
        );
        if (!updated.rowCount) return undefined;
        return writeOutbox(client, [satelliteEvent(SATELLITE_OFFLINE, { id: row.id, name: row.name, location: row.location, lastSeenAt: row.last_seen_at }, now)]);
      });
      if (eventIds === undefined) continue;
      moved += 1;
      this.deps.log.warn({ satelliteId: row.id, name: row.name, lastSeenAt: row.last_seen_at }, `Satellite ${row.name} missed ${MISSED_HEARTBEATS} heartbeats: offline`);
      await this.deps.deliver(eventIds);
    }
    return moved;
  }

  /**
   * Records a batch of the satellite's runs, in order, through the same recorder as the central
   * workers' runs with the satellite as their source: a tick uploaded twice is stored once (the
   * run key). A run of a check the satellite is not assigned — in that system and environment — is
   * refused and recorded nowhere.
   */
  async ingest(satellite: SatelliteCaller, runs: UploadedRun[]): Promise<RunsAnswer> {
    const assigned = allowedStreams(await readSatelliteAssignments(this.deps.pool, satellite.id));
    const answer: RunsAnswer = { recorded: 0, duplicates: 0, refused: [] };
    const fannedOut = new Map<string, { systemId: string; configurationId: string }>();
    const accepted: UploadedRun[] = [];
    for (const [index, run] of runs.entries()) {
      const environments = assigned.get(`${run.configurationId}:${run.systemId}`);
      const reason =
        environments === undefined
          ? `satellite ${satellite.name} is not assigned configuration ${run.configurationId} on system ${run.systemId}`
          : !allowedEnvironment(environments, run.environmentId)
            ? `environment ${run.environmentId ?? '(none)'} is not one this assignment runs in`
            : undefined;
      if (reason) answer.refused.push({ index, reason });
      else accepted.push(run);
    }
    // Handed over all at once: the recorder writes them in group commits, each stream's runs in the order given.
    const ids = await Promise.all(
      accepted.map((run) => this.deps.recorder.recordRun({ ...run, source: satellite.id, scheduledFor: new Date(run.scheduledFor), at: new Date(run.at) })),
    );
    for (const [index, run] of accepted.entries()) {
      if (!ids[index]) {
        answer.duplicates += 1;
        continue;
      }
      answer.recorded += 1;
      if (run.environmentId !== null) fannedOut.set(`${run.configurationId}:${run.systemId}`, { systemId: run.systemId, configurationId: run.configurationId });
    }
    // SPEC §4.5: after environment runs, the system's rollup follows once per check, not per run.
    for (const { systemId, configurationId } of fannedOut.values()) {
      await this.deps.recorder
        .recomputeRollup(systemId, configurationId)
        .catch((error: unknown) => this.deps.log.error({ err: error, systemId }, `Failed to recompute the health of system ${systemId}`));
    }
    if (answer.refused.length) this.deps.log.warn({ satelliteId: satellite.id, refused: answer.refused.length }, 'Refused runs of checks the satellite is not assigned');
    return answer;
  }
}

/** Pure: per `configurationId:systemId` the satellite is assigned, the environment ids its runs may carry ([] = env-less only). */
function allowedStreams(rows: SatelliteAssignment[]): Map<string, string[]> {
  return new Map(rows.map((row) => [`${row.configurationId}:${row.systemId}`, effectiveEnvironments(row.environmentIds, row.membership.map((m) => m.id))]));
}

function allowedEnvironment(environments: string[], environmentId: string | null): boolean {
  return environmentId === null ? environments.length === 0 : environments.includes(environmentId);
}

function toFeedAssignment(row: SatelliteAssignment): FeedAssignment {
  const wanted = new Set(effectiveEnvironments(row.environmentIds, row.membership.map((m) => m.id)));
  return {
    id: row.id,
    configurationId: row.configurationId,
    systemId: row.systemId,
    systemName: row.systemName,
    name: row.name,
    strategy: row.strategy,
    config: row.config,
    assertions: row.assertions,
    collectors: row.collectors,
    intervalSeconds: row.intervalSeconds,
    environments: row.membership.filter((environment) => wanted.has(environment.id)),
    version: row.version,
  };
}

function satelliteEvent(
  topic: typeof SATELLITE_ONLINE | typeof SATELLITE_OFFLINE,
  satellite: { id: string; name: string; location: string | null; lastSeenAt: Date | null },
  now: Date,
): Omit<BusEvent, 'id'> {
  return {
    topic,
    payload: {
      satelliteId: satellite.id,
      name: satellite.name,
      location: satellite.location,
      lastSeenAt: satellite.lastSeenAt?.toISOString() ?? null,
      timestamp: now.toISOString(),
    },
  };
}

function toSatellite(row: SatelliteRow, counts: Map<string, number>): Satellite {
  return {
    id: row.id,
    name: row.name,
    location: row.location,
    labels: row.labels,
    online: row.online,
    lastSeenAt: row.lastSeenAt?.toISOString() ?? null,
    version: row.version,
    backlog: row.backlog,
    dropped: row.dropped,
    assignments: counts.get(row.id) ?? 0,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
