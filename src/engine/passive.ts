import { ConflictError } from '../kernel/errors.ts';
import type { StrategyRegistry } from '../strategies/registry.ts';

/** Run now and test runs of a passive check (a heartbeat) would measure nothing: they are refused, saying why. */
export function refusePassive(strategies: Pick<StrategyRegistry, 'getStrategy'>, strategyId: string): void {
  if (!strategies.getStrategy(strategyId)?.passive) return;
  throw new ConflictError(
    `A ${strategyId} check is passive: it has nothing to run; a run is recorded when its job calls its ping URL`,
    [{ path: 'strategy', message: `${strategyId} checks record runs when pinged` }],
    'passive_check',
  );
}
