import { RUN_COMPLETED, SYSTEM_HEALTH_CHANGED, type BusEvent } from './topics.ts';

/** What one live stream asked for (`GET /events` query). */
export interface StreamFilter {
  systemId?: string;
  /** Health changes of this environment instead of the rollup. */
  environmentId?: string;
  /** Health changes of the rollup and of every environment. */
  allEnvironments?: boolean;
  /** Only these topics, as the stream names them (`health.changed`, `run.completed`); all when absent. */
  topics?: readonly StreamTopic[];
}

/** The topics of the live stream, as it names them (SPEC §7.4). */
export const STREAM_TOPICS = ['run.completed', 'health.changed'] as const;
export type StreamTopic = (typeof STREAM_TOPICS)[number];

/** The stream's name of a bus topic it carries. */
export const streamTopic: Record<string, StreamTopic> = { [RUN_COMPLETED]: 'run.completed', [SYSTEM_HEALTH_CHANGED]: 'health.changed' };

/**
 * Whether a stream with `filter` carries `event`. Run completions and health changes only (or those
 * of its topics); of the
 * health changes, the rollup's by default: system-level signals carry the rollup status, and
 * per-environment changes reach only streams that ask for them (SPEC §4.5).
 */
export function isStreamed(filter: StreamFilter, event: BusEvent): boolean {
  if (event.topic !== RUN_COMPLETED && event.topic !== SYSTEM_HEALTH_CHANGED) return false;
  if (filter.topics && !filter.topics.includes(streamTopic[event.topic]!)) return false;
  if (filter.systemId !== undefined && event.payload.systemId !== filter.systemId) return false;
  if (event.topic === RUN_COMPLETED || filter.allEnvironments) return true;
  return event.payload.environmentId === filter.environmentId;
}
