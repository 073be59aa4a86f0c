import type { Status } from '../kernel/status.ts';
import type { Assertion } from '../assertions/types.ts';

/** What one collector produced, as the verdict needs it. */
export interface CollectorVerdictInput {
  error?: string;
  assertions: { assertion: Assertion; passed: boolean; message: string }[];
}

/**
 * The run's status and message from its collectors (SPEC §1.2, §2.10): a
 * collector error beats a failed assertion, an unhealthy failure beats a
 * degraded one, and the first of each kind names the run.
 */
export function decideVerdict(collectors: CollectorVerdictInput[], latencyMs: number): { status: Status; message: string } {
  const firstError = collectors.find((collector) => collector.error !== undefined)?.error;
  if (firstError !== undefined) return { status: 'unhealthy', message: `Check failed: ${firstError}` };

  const failures = collectors.flatMap((collector) => collector.assertions.filter((outcome) => !outcome.passed));
  const unhealthy = failures.find((outcome) => outcome.assertion.severity !== 'degraded');
  if (unhealthy) return { status: 'unhealthy', message: unhealthy.message };
  const degraded = failures[0];
  if (degraded) return { status: 'degraded', message: degraded.message };

  return { status: 'healthy', message: `Completed in ${latencyMs}ms` };
}
