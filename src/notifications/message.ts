import { formatDuration } from './channels/format.ts';
import type { MessageSystem, NotificationMessage, Status } from './channels/types.ts';

/**
 * What a status change says to a person (issue 19), decided purely: who gets it (`wants`), and the
 * message itself (`buildMessage`), from the change and what the planner read about it.
 */

export type Trigger = 'degraded' | 'unhealthy' | 'recovered' | 'any';

/** The trigger a change to `status` is: a recovery, or the new bad status. */
export function triggerOf(status: Status): Exclude<Trigger, 'any'> {
  return status === 'healthy' ? 'recovered' : status;
}

/** Whether a subscription (`on`, its environments) wants a change of this view. */
export function wants(subscription: { on: readonly string[]; environmentIds: readonly string[] | null }, change: { environmentId: string | null; status: Status }): boolean {
  const environmentMatches = change.environmentId === null ? subscription.environmentIds === null : (subscription.environmentIds ?? []).includes(change.environmentId);
  return environmentMatches && (subscription.on.includes('any') || subscription.on.includes(triggerOf(change.status)));
}

export interface ChangeFacts {
  deliveryId: string;
  system: { id: string; name: string };
  environment: { id: string; name: string } | null;
  previousStatus: Status;
  status: Status;
  at: string;
  /** When the system last left healthy, for a recovery's "down for". */
  downSince?: string;
  failingChecks: { name: string; message: string }[];
  /** Vigil's public URL (VIGIL_PUBLIC_URL), for a link to the system. */
  publicUrl?: string;
}

export function buildMessage(facts: ChangeFacts): NotificationMessage {
  const recovered = facts.status === 'healthy';
  const where = facts.environment ? ` (${facts.environment.name})` : '';
  const downForMs = recovered && facts.downSince ? Date.parse(facts.at) - Date.parse(facts.downSince) : undefined;
  const url = facts.publicUrl ? `${facts.publicUrl.replace(/\/$/, '')}/systems/${facts.system.id}` : undefined;
  const system: MessageSystem = {
    id: facts.system.id,
    name: facts.system.name,
    environment: facts.environment,
    previousStatus: facts.previousStatus,
    status: facts.status,
    since: facts.at,
    ...(downForMs === undefined ? {} : { downForMs }),
    failingChecks: recovered ? [] : facts.failingChecks,
    ...(url ? { url } : {}),
  };
  const title = recovered ? `${facts.system.name}${where} recovered` : `${facts.system.name}${where} is ${facts.status}`;
  const lines = [
    recovered
      ? `${facts.system.name}${where} is healthy again${downForMs === undefined ? '' : ` after ${formatDuration(downForMs)}`} (was ${facts.previousStatus}).`
      : `${facts.system.name}${where} is ${facts.status} since ${facts.at} (was ${facts.previousStatus}).`,
    ...system.failingChecks.map((check) => `Failing: ${check.name} — ${check.message || 'no message'}`),
    ...(url ? [url] : []),
  ];
  return {
    id: facts.deliveryId,
    kind: recovered ? 'recovery' : 'alert',
    severity: recovered ? 'info' : facts.status === 'unhealthy' ? 'critical' : 'warning',
    title,
    text: lines.join('\n'),
    systems: [system],
    dedupKey: `vigil:${facts.system.id}:${facts.environment?.id ?? 'all'}`,
    timestamp: facts.at,
  };
}
