import { planCheck } from '../../src/engine/plan.ts';
import type { CheckDefinition } from '../../src/engine/plan.ts';
import { runCheck } from '../../src/engine/run-check.ts';
import type { CheckResult } from '../../src/engine/run-check.ts';
import { getCollector, getStrategy, listStrategies } from '../../src/strategies/registry.ts';
import type { RunContext } from '../../src/strategies/types.ts';

export const TEST_RUN: RunContext = {
  check: { id: 'cfg-1', name: 'test check', intervalSeconds: 30 },
  system: { id: 'sys-1', name: 'test system' },
};

/** Plans a check the way a stored configuration is (migrate, validate) and runs it once. */
export async function checkOnce(
  definition: CheckDefinition,
  options: { run?: RunContext; env?: Record<string, string>; secrets?: string[] } = {},
): Promise<CheckResult> {
  const planned = planCheck({ getStrategy, listStrategies, getCollector }, definition);
  if (!planned.ok) throw new Error(`Invalid test check: ${JSON.stringify(planned.errors)}`);
  return runCheck({ ...planned.plan, run: options.run ?? TEST_RUN, env: options.env ?? {}, secrets: options.secrets ?? [] });
}

/** The fields of the first collector, for terse expectations. */
export function fieldsOf(result: CheckResult): Record<string, unknown> {
  return result.collectors[0]?.fields ?? {};
}
