import type pg from 'pg';
import { membershipSql, systemExistsSql } from '../catalog/read.ts';
import { enabledChecksSql } from '../checks/read.ts';
import { cursorKey, toPage, type Page, type PageRequest } from '../db/pagination.ts';
import { NotFoundError } from '../kernel/errors.ts';
import { systemsInMaintenance } from '../maintenance/read.ts';
import { checkStatus, type Status } from './evaluate.ts';
import { checkStates, type RunRecord } from './recorder.ts';
import type { CheckSources } from '../checks/read.ts';
import { mergeSketches, sketchQuantile, type Sketch } from './sketch.ts';

/** A stored run as the API shows it: times as ISO-8601 strings. */
export type Run = Omit<RunRecord, 'scheduledFor' | 'at'> & { id: string; scheduledFor: string; createdAt: string };

export interface Transition {
  id: string;
  systemId: string;
  configurationId: string | null;
  environmentId: string | null;
  fromStatus: Status | null;
  toStatus: Status;
  transitionedAt: string;
}

export interface SystemHealth {
  systemId: string;
  /** null: the system has no enabled checks, so no health state at all (SPEC §3.3). */
  status: Status | null;
  healthyChecks: number;
  totalChecks: number;
  since: string | null;
  checks: {
    configurationId: string;
    name: string;
    status: Status;
    lastRun: string | null;
    /** SPEC §3.6: how many sources must agree (1: worst wins). */
    quorum: number;
    /** Each source's stream (per environment): its own status, and whether it is stale. */
    sources: { source: string; environmentId: string | null; status: Status; stale: boolean; lastRunAt: string }[];
  }[];
  environments: { environmentId: string; name: string; status: Status; healthyChecks: number; totalChecks: number; since: string }[];
  inStatusSince: string | null;
  inStatusForMs: number;
  transitionsInWindow: number;
  transitionWindowMinutes: number;
  latencyMs: number | null;
  avgLatencyMs: number | null;
  p95LatencyMs: number | null;
  successRate: number | null;
  lastRunAt: string | null;
  inMaintenance: boolean;
  evaluatedAt: string;
}

export interface RunFilter {
  systemId?: string;
  configurationId?: string;
  environmentId?: string;
  status?: Status;
  /** createdAt ≥ from. */
  from?: Date;
  /** createdAt < to. */
  to?: Date;
}

const TRANSITION_WINDOW_MINUTES = 60;

/** The read side of health: runs, transitions and the health of systems (SPEC §1.1, §3.5). */
export class HealthService {
  constructor(private readonly pool: pg.Pool) {}

  /** Newest first; the cursor is the last run's id (keyset on created_at, id). */
  async listRuns(page: PageRequest, filter: RunFilter): Promise<Page<Run>> {
    const { where, params } = conditions(filter, { systemId: 'system_id', configurationId: 'configuration_id', environmentId: 'environment_id', status: 'status' });
    if (filter.from) {
      params.push(filter.from);
      where.push(`created_at >= $${params.length}`);
    }
    if (filter.to) {
      params.push(filter.to);
      where.push(`created_at < $${params.length}`);
    }
    const after = cursorKey(page);
    if (after) {
      params.push(after);
      where.push(`(created_at, id) < (SELECT created_at, id FROM runs WHERE id = $${params.length}::uuid)`);
    }
    params.push(page.limit + 1);
    const { rows } = await this.pool.query<RunRow>(
      `SELECT id, system_id, configuration_id, environment_id, source, status, latency_ms, message, result, scheduled_for, created_at FROM runs
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    return toPage(rows, page, (r) => r.id, toRun);
  }

  async getRun(id: string): Promise<Run> {
    const [run] = await this.runsByIds([id]);
    if (!run) throw new NotFoundError('Run', id);
    return run;
  }

  /** The given runs, in the order asked (missing ids are left out). */
  async runsByIds(ids: string[]): Promise<Run[]> {
    if (!ids.length) return [];
    const { rows } = await this.pool.query<RunRow>(
      `SELECT id, system_id, configuration_id, environment_id, source, status, latency_ms, message, result, scheduled_for, created_at
         FROM runs WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    const byId = new Map(rows.map((row) => [row.id, toRun(row)]));
    return ids.flatMap((id) => byId.get(id) ?? []);
  }

  async listTransitions(page: PageRequest, filter: Omit<RunFilter, 'status'> & { rollup?: boolean }): Promise<Page<Transition>> {
    const { where, params } = conditions(filter, { systemId: 'system_id', configurationId: 'configuration_id', environmentId: 'environment_id' });
    if (filter.rollup) where.push('environment_id IS NULL');
    const after = cursorKey(page);
    if (after) {
      params.push(after);
      where.push(`(transitioned_at, seq) < (SELECT transitioned_at, seq FROM transitions WHERE id = $${params.length}::uuid)`);
    }
    params.push(page.limit + 1);
    const { rows } = await this.pool.query<TransitionRow>(
      `SELECT id, system_id, configuration_id, environment_id, from_status, to_status, transitioned_at FROM transitions
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY transitioned_at DESC, seq DESC LIMIT $${params.length}`,
      params,
    );
    return toPage(rows, page, (r) => r.id, (r) => ({
      id: r.id,
      systemId: r.system_id,
      configurationId: r.configuration_id,
      environmentId: r.environment_id,
      fromStatus: r.from_status,
      toStatus: r.to_status,
      transitionedAt: r.transitioned_at.toISOString(),
    }));
  }

  async systemHealth(systemId: string): Promise<SystemHealth> {
    const [health] = await this.systemsHealth([systemId]);
    if (!health) throw new NotFoundError('System', systemId);
    return health;
  }

  /** The health of many systems with a fixed number of queries, whatever their number. */
  async systemsHealth(systemIds: string[], now = new Date()): Promise<SystemHealth[]> {
    if (!systemIds.length) return [];
    const health = this.pool.query<HealthRow>(
      `SELECT s.id,
         ${enabledChecksSql('s.id', { names: true })} AS checks,
         (SELECT coalesce(json_agg(json_build_object('configurationId', configuration_id, 'environmentId', environment_id,
                   'source', source, 'recent', recent, 'lastRunAt', last_run_at)), '[]')
            FROM stream_states WHERE system_id = s.id) AS streams,
         ${membershipSql('s.id')} AS membership,
         (SELECT coalesce(json_agg(json_build_object('environmentId', environment_id, 'status', status, 'healthyChecks', healthy_checks,
                   'totalChecks', total_checks, 'since', since)), '[]')
            FROM health_states WHERE system_id = s.id) AS views,
         (SELECT count(*)::int FROM transitions t
           WHERE t.system_id = s.id AND t.environment_id IS NULL AND t.from_status IS NOT NULL
             AND t.transitioned_at > $2::timestamptz - make_interval(mins => $3)) AS transitions_in_window,
         (SELECT json_build_object('runs', sum(run_count), 'healthy', sum(healthy_count), 'latencyCount', sum(latency_count),
                   'latencySum', sum(latency_sum), 'sketches', json_agg(latency_sketch))
            FROM run_hourly h WHERE h.system_id = s.id AND h.hour > $2::timestamptz - interval '24 hours') AS day,
         (SELECT json_build_object('latencyMs', r.latency_ms, 'at', r.created_at) FROM runs r
           WHERE r.system_id = s.id ORDER BY r.created_at DESC LIMIT 1) AS last_run
       FROM unnest($1::uuid[]) AS s(id) WHERE ${systemExistsSql('s.id')}`,
      [systemIds, now, TRANSITION_WINDOW_MINUTES],
    );
    const [{ rows }, maintenance] = await Promise.all([health, systemsInMaintenance(this.pool, systemIds, now)]);
    const byId = new Map(rows.map((row) => [row.id, toSystemHealth(row, now, maintenance.has(row.id))]));
    return systemIds.flatMap((id) => byId.get(id) ?? []);
  }
}

interface HealthRow {
  id: string;
  checks: { configurationId: string; name: string; environmentIds: string[] | null; thresholds: null; sources: CheckSources }[];
  streams: { configurationId: string; environmentId: string | null; source: string; recent: string; lastRunAt: string }[];
  membership: { id: string; name: string }[];
  views: { environmentId: string | null; status: Status; healthyChecks: number; totalChecks: number; since: string }[];
  transitions_in_window: number;
  day: { runs: number | null; healthy: number | null; latencyCount: number | null; latencySum: number | null; sketches: (Sketch | null)[] | null };
  last_run: { latencyMs: number | null; at: string } | null;
}

function toSystemHealth(row: HealthRow, now: Date, inMaintenance: boolean): SystemHealth {
  const states = checkStates({ checks: row.checks, streams: row.streams, membership: row.membership.map((m) => m.id) }, now);
  const rollup = row.views.find((v) => v.environmentId === null);
  const names = new Map(row.membership.map((m) => [m.id, m.name]));
  const hasChecks = row.checks.length > 0;
  const dayRuns = Number(row.day?.runs ?? 0);
  const latencyCount = Number(row.day?.latencyCount ?? 0);
  const lastRunAt = row.last_run && now.getTime() - new Date(row.last_run.at).getTime() <= 24 * 3_600_000 ? row.last_run.at : null;
  return {
    systemId: row.id,
    status: hasChecks ? (rollup?.status ?? 'healthy') : null,
    healthyChecks: hasChecks ? (rollup?.healthyChecks ?? row.checks.length) : 0,
    totalChecks: hasChecks ? row.checks.length : 0,
    since: hasChecks ? (rollup?.since ?? null) : null,
    checks: states.map((check, index) => {
      const streams = row.streams.filter((s) => s.configurationId === check.configurationId);
      const lastRuns = streams.map((s) => s.lastRunAt).sort();
      const lastRunOf = (source: string, environmentId: string | null) =>
        streams.find((s) => s.source === source && s.environmentId === environmentId)?.lastRunAt ?? '';
      return {
        configurationId: check.configurationId,
        name: row.checks[index]!.name,
        status: checkStatus(check.streams, check.quorum),
        lastRun: lastRuns.at(-1) ?? null,
        quorum: check.quorum ?? 1,
        sources: check.streams.map((s) => ({
          source: s.source,
          environmentId: s.environmentId,
          status: s.status,
          stale: s.stale ?? false,
          lastRunAt: new Date(lastRunOf(s.source, s.environmentId)).toISOString(),
        })),
      };
    }),
    environments: row.views
      .filter((v) => v.environmentId !== null && names.has(v.environmentId))
      .sort((a, b) => row.membership.findIndex((m) => m.id === a.environmentId) - row.membership.findIndex((m) => m.id === b.environmentId))
      .map((v) => ({ environmentId: v.environmentId!, name: names.get(v.environmentId!)!, status: v.status, healthyChecks: v.healthyChecks, totalChecks: v.totalChecks, since: v.since })),
    inStatusSince: hasChecks ? (rollup?.since ?? null) : null,
    inStatusForMs: hasChecks && rollup ? Math.max(0, now.getTime() - new Date(rollup.since).getTime()) : 0,
    transitionsInWindow: row.transitions_in_window,
    transitionWindowMinutes: TRANSITION_WINDOW_MINUTES,
    latencyMs: lastRunAt ? (row.last_run?.latencyMs ?? null) : null,
    avgLatencyMs: latencyCount ? Number(row.day.latencySum) / latencyCount : null,
    p95LatencyMs: sketchQuantile(mergeSketches(...(row.day?.sketches ?? []).filter((s): s is Sketch => s !== null)), 0.95),
    successRate: dayRuns ? Number(row.day.healthy) / dayRuns : null,
    lastRunAt,
    inMaintenance,
    evaluatedAt: now.toISOString(),
  };
}

function conditions(filter: object, columns: Record<string, string>): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const values = filter as Record<string, unknown>;
  for (const [key, column] of Object.entries(columns)) {
    if (values[key] === undefined) continue;
    params.push(values[key]);
    where.push(`${column} = $${params.length}`);
  }
  return { where, params };
}

interface RunRow {
  id: string;
  system_id: string;
  configuration_id: string;
  environment_id: string | null;
  source: string;
  status: Status;
  latency_ms: number | null;
  message: string;
  result: Record<string, unknown>;
  scheduled_for: Date;
  created_at: Date;
}

interface TransitionRow {
  id: string;
  system_id: string;
  configuration_id: string | null;
  environment_id: string | null;
  from_status: Status | null;
  to_status: Status;
  transitioned_at: Date;
}

function toRun(r: RunRow): Run {
  return {
    id: r.id,
    systemId: r.system_id,
    configurationId: r.configuration_id,
    environmentId: r.environment_id,
    source: r.source,
    status: r.status,
    latencyMs: r.latency_ms,
    message: r.message,
    result: r.result,
    scheduledFor: r.scheduled_for.toISOString(),
    createdAt: r.created_at.toISOString(),
  };
}
