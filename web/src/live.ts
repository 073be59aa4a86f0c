import { useEffect, useRef } from 'react';
import type { Status } from './api/client.ts';

export interface HealthChanged {
  systemId: string;
  environmentId?: string;
  systemName: string;
  previousStatus: Status;
  newStatus?: Status;
  healthyChecks: number;
  totalChecks: number;
  timestamp: string;
}
export interface RunCompleted {
  runId: string;
  systemId: string;
  configurationId: string;
  environmentId?: string;
  source: string;
  status: Status;
  latencyMs: number | null;
  message: string;
  timestamp: string;
}
export interface LiveHandlers {
  health?(event: HealthChanged): void;
  run?(event: RunCompleted): void;
  /** The stream (re)opened: anything missed while it was down should be read again. */
  ready?(): void;
}

/** GET /api/v1/events (server-sent events) while the component is shown; the browser reconnects by itself. A null query opens none. */
export function useLiveEvents(query: Record<string, string> | null, handlers: LiveHandlers): void {
  const current = useRef(handlers);
  current.current = handlers;
  const key = query ? new URLSearchParams(query).toString() : null;
  useEffect(() => {
    if (key === null) return;
    const source = new EventSource(`/api/v1/events${key ? `?${key}` : ''}`);
    let opened = false;
    source.addEventListener('ready', () => {
      // The first ready is the page's own load; later ones follow a reconnect.
      if (opened) current.current.ready?.();
      opened = true;
    });
    source.addEventListener('health.changed', (event) => current.current.health?.(JSON.parse((event as MessageEvent<string>).data) as HealthChanged));
    source.addEventListener('run.completed', (event) => current.current.run?.(JSON.parse((event as MessageEvent<string>).data) as RunCompleted));
    // coalesce=1s: the second's runs in one event (the latest of each stream).
    source.addEventListener('runs.completed', (event) => {
      for (const run of JSON.parse((event as MessageEvent<string>).data) as RunCompleted[]) current.current.run?.(run);
    });
    return () => source.close();
  }, [key]);
}
