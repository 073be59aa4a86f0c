import { automationKind } from './automation.ts';
import { environmentKind } from './environment.ts';
import { groupKind } from './group.ts';
import { healthcheckKind } from './healthcheck.ts';
import { maintenanceWindowKind } from './maintenance-window.ts';
import { notificationChannelKind } from './notification-channel.ts';
import { secretKind } from './secret.ts';
import { sloKind } from './slo.ts';
import { subscriptionKind } from './subscription.ts';
import { systemKind } from './system.ts';
import type { AnyKind } from './types.ts';

/** Every kind, in apply order (dependencies first); adding one is a file and a line here. */
export const KINDS: readonly AnyKind[] = checked([
  environmentKind,
  secretKind,
  groupKind,
  healthcheckKind,
  systemKind,
  notificationChannelKind,
  subscriptionKind,
  maintenanceWindowKind,
  automationKind,
  sloKind,
]);

export function kindOf(kind: string): AnyKind | undefined {
  return KINDS.find((known) => known.kind === kind);
}

/** Two kinds with one name or one place in the apply order would make apply's order a guess. */
function checked(kinds: AnyKind[]): AnyKind[] {
  const sorted = [...kinds].sort((a, b) => a.order - b.order);
  sorted.forEach((kind, index) => {
    const before = sorted[index - 1];
    if (before && before.order === kind.order) throw new Error(`kinds "${before.kind}" and "${kind.kind}" share apply order ${kind.order}`);
    if (sorted.some((other) => other !== kind && other.kind === kind.kind)) throw new Error(`kind "${kind.kind}" is registered twice`);
  });
  return sorted;
}
