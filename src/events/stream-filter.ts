import { RUN_COMPLETED, SYSTEM_HEALTH_CHANGED, type BusEvent } from './topics.ts';

/** What one live stream asked for (`GET /events` query). */
export interface StreamFilter {
  systemId?: string;
  /** Health changes of this environment instead of the rollup. */
  environmentId?: string;
  /** Health changes of the rollup and of every environment. */
  allEnvironments?: boolean;
}

/**
 * Whether a stream with `filter` carries `event`. Run completions and health changes only; of the
 * health changes, the rollup's by default: system-level signals carry the rollup status, and
 * per-environment changes reach only streams that ask for them (SPEC §4.5).
 */
export function isStreamed(filter: StreamFilter, event: BusEvent): boolean {
  if (event.topic !== RUN_COMPLETED && event.topic !== SYSTEM_HEALTH_CHANGED) return false;
  if (filter.systemId !== undefined && event.payload.systemId !== filter.systemId) return false;
  if (event.topic === RUN_COMPLETED || filter.allEnvironments) return true;
  return event.payload.environmentId === filter.environmentId;
}
