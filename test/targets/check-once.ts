import { planDefinition } from '../../src/definitions/plan.ts';
import type { Definition } from '../../src/definitions/plan.ts';
import { executeRun } from '../../src/engine/execute-run.ts';
import type { RunResult } from '../../src/engine/execute-run.ts';
import { getCollector, getStrategy, listStrategies } from '../../src/strategies/registry.ts';
import type { StrategyRegistry } from '../../src/strategies/registry.ts';
import type { RunContext } from '../../src/strategies/types.ts';

export const TEST_RUN: RunContext = {
  check: { id: 'cfg-1', name: 'test check', intervalSeconds: 30 },
  system: { id: 'sys-1', name: 'test system' },
};

/** Plans a check the way a stored configuration is (migrate, validate) and runs it once. */
export async function checkOnce(
  definition: Definition,
  options: { run?: RunContext; env?: Record<string, string>; secrets?: string[]; registry?: StrategyRegistry } = {},
): Promise<RunResult> {
  const planned = planDefinition(options.registry ?? { getStrategy, listStrategies, getCollector }, definition);
  if (!planned.ok) throw new Error(`Invalid test check: ${JSON.stringify(planned.errors)}`);
  return executeRun({ ...planned.plan, run: options.run ?? TEST_RUN, env: options.env ?? {}, secrets: options.secrets ?? [] });
}

/** The fields of the first collector, for terse expectations. */
export function fieldsOf(result: RunResult): Record<string, unknown> {
  return result.collectors[0]?.fields ?? {};
}
