import { SYSTEM_DEGRADED, SYSTEM_HEALTHY, SYSTEM_HEALTH_CHANGED, type HealthChangePayload } from '../events/topics.ts';
import type { HealthView, Status } from './evaluate.ts';

export { SYSTEM_DEGRADED, SYSTEM_HEALTHY, SYSTEM_HEALTH_CHANGED };

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

/**
 * Compares a view before and after a write (SPEC §3.3, §3.5, §4.2). A new view starts from the
 * healthy baseline, so a first unhealthy evaluation is a real healthy → unhealthy change (after the
 * baseline's own null → healthy transition); a view that disappears fires nothing.
 */
export function planViewChange(stored: StoredView | null, next: HealthView | null, at: Date): ViewChangePlan {
  if (next === null) return stored === null ? { transitions: [], triggers: [] } : { write: null, transitions: [], triggers: [] };
  if (stored === null) {
    const transitions: ViewTransition[] = [{ from: null, to: 'healthy' }];
    if (next.status !== 'healthy') transitions.push({ from: 'healthy', to: next.status });
    return { write: { ...next, since: at }, transitions, triggers: changeTriggers('healthy', next.status) };
  }
  if (stored.status !== next.status) {
    return { write: { ...next, since: at }, transitions: [{ from: stored.status, to: next.status }], triggers: changeTriggers(stored.status, next.status) };
  }
  if (stored.healthyChecks !== next.healthyChecks || stored.totalChecks !== next.totalChecks) {
    return { write: { ...next, since: stored.since }, transitions: [], triggers: [] };
  }
  return { transitions: [], triggers: [] };
}
