import type { StateThresholds } from '../checks/model.ts';
import type { Status } from '../kernel/status.ts';

export type { Status };

export const DEFAULT_THRESHOLDS: StateThresholds = {
  mode: 'consecutive',
  healthy: { minSuccessCount: 1 },
  degraded: { minFailureCount: 2 },
  unhealthy: { minFailureCount: 5 },
};

/** How many newest runs of a stream the evaluation may look at (SPEC §3.1). */
export const MAX_EVALUATED_RUNS = 100;

const rank: Record<Status, number> = { healthy: 0, degraded: 1, unhealthy: 2 };

/** Worst wins: unhealthy > degraded > healthy; nothing to combine is healthy. */
export function worst(statuses: Iterable<Status>): Status {
  let result: Status = 'healthy';
  for (const status of statuses) if (rank[status] > rank[result]) result = status;
  return result;
}

/**
 * The status of one stream — (system, configuration, environment, source) — from its newest runs,
 * newest first (SPEC §3.1). (Vigil) A degraded run counts toward the degraded threshold only,
 * never toward unhealthy.
 */
export function evaluateStream(recent: readonly Status[], thresholds: StateThresholds = DEFAULT_THRESHOLDS): Status {
  if (thresholds.mode === 'window') {
    const window = recent.slice(0, thresholds.windowSize);
    return classify(
      window.filter((s) => s !== 'healthy').length,
      window.filter((s) => s === 'unhealthy').length,
      thresholds,
    );
  }
  // Fewer leading successes than the recovery threshold do not clear the failure streak behind them.
  let start = 0;
  while (start < recent.length && recent[start] === 'healthy') start++;
  if (start >= thresholds.healthy.minSuccessCount) return 'healthy';
  let failing = 0;
  let unhealthy = 0;
  for (let i = start; i < recent.length && recent[i] !== 'healthy'; i++) {
    failing++;
    if (recent[i] === 'unhealthy') unhealthy++;
  }
  return classify(failing, unhealthy, thresholds);
}

function classify(failing: number, unhealthy: number, thresholds: StateThresholds): Status {
  if (unhealthy >= thresholds.unhealthy.minFailureCount) return 'unhealthy';
  if (failing >= thresholds.degraded.minFailureCount) return 'degraded';
  return 'healthy';
}

export interface StreamState {
  environmentId: string | null;
  source: string;
  status: Status;
  /** SPEC §3.6: no run within STALE_AFTER_INTERVALS intervals; counts as neither failing nor passing. */
  stale?: boolean;
}

/** One enabled check of a system as a view needs it. */
export interface CheckState {
  configurationId: string;
  /** Environments this check runs in; empty = env-less. */
  environmentIds: readonly string[];
  streams: readonly StreamState[];
  /** SPEC §3.6: how many sources must agree before the check fails; 1 (the default) is worst wins. */
  quorum?: number;
}

/** SPEC §3.6: a source silent for this many intervals is stale. */
export const STALE_AFTER_INTERVALS = 3;

/** Whether a stream whose newest run was at `lastRunAt` is stale at `now`. */
export function isStale(lastRunAt: Date, intervalSeconds: number, now: Date): boolean {
  return now.getTime() - lastRunAt.getTime() > STALE_AFTER_INTERVALS * intervalSeconds * 1000;
}

/**
 * Location quorum (SPEC §3.6) over the streams of one environment, one per source: unhealthy when
 * at least `quorum` sources are unhealthy, degraded when at least `quorum` are degraded or worse,
 * else healthy. Stale sources count toward neither. With a quorum of 1 this is worst wins.
 */
export function quorumStatus(streams: readonly StreamState[], quorum = 1): Status {
  const live = streams.filter((stream) => !stream.stale);
  if (live.filter((stream) => stream.status === 'unhealthy').length >= quorum) return 'unhealthy';
  if (live.filter((stream) => stream.status !== 'healthy').length >= quorum) return 'degraded';
  return 'healthy';
}

/**
 * One check's status over its streams: the quorum is taken among the sources of each environment
 * (a location is a source, not an environment), then the worst environment wins (SPEC §3.2).
 */
export function checkStatus(streams: readonly StreamState[], quorum = 1): Status {
  const byEnvironment = new Map<string | null, StreamState[]>();
  for (const stream of streams) byEnvironment.set(stream.environmentId, [...(byEnvironment.get(stream.environmentId) ?? []), stream]);
  return worst([...byEnvironment.values()].map((group) => quorumStatus(group, quorum)));
}

export interface HealthView {
  status: Status;
  healthyChecks: number;
  totalChecks: number;
}

/**
 * The health of a view (SPEC §3.2–3.4): the rollup (`environmentId` undefined) covers every stream
 * of every check; a per-environment view covers the checks that run in that environment and only
 * their streams there. Each check is the worst of its environments, each environment decided by
 * the check's location quorum (SPEC §3.6: 1, worst wins, unless the assignment asks for more), so
 * a failing environment or location is never hidden by healthy runs elsewhere; the view is the
 * worst of its checks. A
 * view with no checks has no health at all (null), while a check with no runs yet is healthy.
 */
export function evaluateView(checks: readonly CheckState[], environmentId?: string): HealthView | null {
  const covered = environmentId === undefined ? checks : checks.filter((c) => c.environmentIds.includes(environmentId));
  if (!covered.length) return null;
  const statuses = covered.map((check) =>
    checkStatus(
      check.streams.filter((s) => environmentId === undefined || s.environmentId === environmentId),
      check.quorum,
    ),
  );
  return {
    status: worst(statuses),
    healthyChecks: statuses.filter((s) => s === 'healthy').length,
    totalChecks: covered.length,
  };
}

/** View ids (SPEC §3.4): `<systemId>` is the rollup, `<systemId>::<environmentId>` one environment. */
export function viewId(systemId: string, environmentId?: string | null): string {
  return environmentId === undefined || environmentId === null ? systemId : `${systemId}::${environmentId}`;
}

/** Parses on the first `::`, so `s::a::b` is environment `a::b` and `s::` is the empty environment. */
export function parseViewId(id: string): { systemId: string; environmentId?: string } {
  const at = id.indexOf('::');
  return at < 0 ? { systemId: id } : { systemId: id.slice(0, at), environmentId: id.slice(at + 2) };
}
