import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { ExecutorSignals } from './executor.ts';

/**
 * The engine's own metrics on the process registry: runs by strategy and status, check latency,
 * scheduling lag, and environment look-ups that failed open (SPEC §2.4). `announce` carries the
 * SPEC §2.4 signal onto the event bus as well.
 */
export function engineSignals(registry: Registry, announce: ExecutorSignals['environmentResolutionFailed']): ExecutorSignals {
  const environmentResolutionFailed = new Counter({
    name: 'vigil_environment_resolution_failed_total',
    help: "Runs that went ahead env-less because the system's environments could not be read",
    registers: [registry],
  });
  const runsTotal = new Counter({
    name: 'vigil_runs_total',
    help: 'Runs recorded, by strategy and status',
    labelNames: ['strategy', 'status'] as const,
    registers: [registry],
  });
  const runLatency = new Histogram({
    name: 'vigil_run_latency_seconds',
    help: 'How long checks took, by strategy',
    labelNames: ['strategy'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  const schedulingLag = new Histogram({
    name: 'vigil_scheduling_lag_seconds',
    help: 'How late check jobs started after their tick was due (includes waiting for a free worker slot)',
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry],
  });
  return {
    environmentResolutionFailed(info) {
      environmentResolutionFailed.inc();
      announce(info);
    },
    jobStarted(lagMs) {
      schedulingLag.observe(Math.max(0, lagMs) / 1000);
    },
    runRecorded(run) {
      runsTotal.inc({ strategy: run.strategy, status: run.status });
      if (run.latencyMs !== null) runLatency.observe({ strategy: run.strategy }, run.latencyMs / 1000);
    },
  };
}

/** What the recorder holds through a database outage (issue 25), read when /metrics is scraped. */
export function heldRunsMetrics(registry: Registry, state: () => { held: number; dropped: number }): void {
  new Gauge({
    name: 'vigil_runs_held',
    help: 'Runs held in memory because the database cannot take them; written in order when it is back',
    registers: [registry],
    collect() {
      this.set(state().held);
    },
  });
  new Gauge({
    name: 'vigil_runs_held_dropped',
    help: 'Held runs dropped, oldest first, because more than the limit were waiting for the database (since start)',
    registers: [registry],
    collect() {
      this.set(state().dropped);
    },
  });
}
