import { SYSTEM_DEGRADED, SYSTEM_HEALTHY, SYSTEM_HEALTH_CHANGED, type HealthChangePayload } from '../events/topics.ts';
import type { HealthView, Status } from './evaluate.ts';

export type ChangeTrigger = typeof SYSTEM_DEGRADED | typeof SYSTEM_HEALTHY | typeof SYSTEM_HEALTH_CHANGED;

/**
 * The trigger events of one view change (SPEC §4.2), the directional event first. A view that
 * appears or disappears, or whose counts change with its status, fires nothing.
 */
export function changeTriggers(previous: Status | null, next: Status | null): ChangeTrigger[] {
  if (previous === null || next === null || previous === next) return [];
  if (previous === 'healthy') return [SYSTEM_DEGRADED, SYSTEM_HEALTH_CHANGED];
  if (next === 'healthy') return [SYSTEM_HEALTHY, SYSTEM_HEALTH_CHANGED];
  return [SYSTEM_HEALTH_CHANGED];
}

export interface ViewChange {
  systemId: string;
  /** Present only for a per-environment view. */
  environmentId?: string;
  systemName: string;
  previous: Status;
  next: HealthView;
  at: Date;
}

export type ChangePayload = HealthChangePayload;

/** SPEC §4.3: `newStatus` is left out of `system_healthy`, where it is implied. */
export function changePayload(trigger: ChangeTrigger, change: ViewChange): ChangePayload {
  return {
    systemId: change.systemId,
    ...(change.environmentId === undefined ? {} : { environmentId: change.environmentId }),
    systemName: change.systemName,
    previousStatus: change.previous,
    ...(trigger === SYSTEM_HEALTHY ? {} : { newStatus: change.next.status }),
    healthyChecks: change.next.healthyChecks,
    totalChecks: change.next.totalChecks,
    timestamp: change.at.toISOString(),
  };
}

export interface StoredView extends HealthView {
  since: Date;
}

export interface ViewTransition {
  from: Status | null;
  to: Status;
}

/** What to write when a view is re-evaluated: nothing, new counts, or a status change. */
export interface ViewChangePlan {
  /** The row to keep for the view; null = delete it (the view no longer exists). */
  write?: StoredView | null;
  transitions: ViewTransition[];
  triggers: ChangeTrigger[];
}

/** One view around one write (a run, or a recompute after its checks changed). */
export interface ViewEvaluation {
  /** The stored row; null when there is none (never evaluated, or removed while it had no checks). */
  stored: StoredView | null;
  /**
   * The view just before this write: for a run, evaluated without that run (a system whose check
   * has no runs yet: the healthy baseline); for a recompute, the view as it is now. Only read when
   * nothing is stored.
   */
  before: HealthView | null;
  /** The view after the write; null = it has no enabled checks, so no health state (SPEC §3.3). */
  next: HealthView | null;
}

/**
 * Compares a view before and after a write (SPEC §3.3, §3.5, §4.2). A view with nothing stored is
 * created at the state it had before this write — one transition from null, no event, also for a
 * view that comes back (a re-enabled assignment brings back its old runs, not a healthy past) —
 * and then compared to the new state like any stored view. So a brand-new system's first
 * unhealthy run is still a real healthy → unhealthy change. A view that disappears fires nothing.
 */
export function planViewChange({ stored, before, next }: ViewEvaluation, at: Date): ViewChangePlan {
  if (next === null) return stored === null ? { transitions: [], triggers: [] } : { write: null, transitions: [], triggers: [] };
  if (stored === null) {
    const created = (before ?? next).status;
    const transitions: ViewTransition[] = [{ from: null, to: created }];
    if (next.status !== created) transitions.push({ from: created, to: next.status });
    return { write: { ...next, since: at }, transitions, triggers: changeTriggers(created, next.status) };
  }
  if (stored.status !== next.status) {
    return { write: { ...next, since: at }, transitions: [{ from: stored.status, to: next.status }], triggers: changeTriggers(stored.status, next.status) };
  }
  if (stored.healthyChecks !== next.healthyChecks || stored.totalChecks !== next.totalChecks) {
    return { write: { ...next, since: stored.since }, transitions: [], triggers: [] };
  }
  return { transitions: [], triggers: [] };
}
