import { ForbiddenError } from '../kernel/errors.ts';
import { describeRole, type Caller } from './authorize.ts';
import { atLeast, type Role } from './roles.ts';

/**
 * A configuration whose strategy runs a program on the Vigil host (`runsOnHost`) is code
 * execution there: creating or changing one needs `role` (VIGIL_SCRIPT_ROLE, default admin), not
 * just the editor role every other configuration needs.
 */
export function hostCommandGate(strategies: { getStrategy(id: string): { runsOnHost?: boolean } | undefined }, role: Role) {
  return (caller: Caller, strategyId: string): void => {
    if (!strategies.getStrategy(strategyId)?.runsOnHost || atLeast(caller.role, role)) return;
    throw new ForbiddenError(`Configurations of strategy "${strategyId}" run commands on the Vigil host: they need the ${role} role; you have ${describeRole(caller)}`);
  };
}

export type HostCommandGate = ReturnType<typeof hostCommandGate>;
