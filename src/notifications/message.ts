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
  /** A re-notification: still not healthy, `at` is when it entered the status. */
  reminder?: { now: string };
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
  const title = recovered ? `${facts.system.name}${where} recovered` : `${facts.reminder ? 'Still: ' : ''}${facts.system.name}${where} is ${facts.status}`;
  const stillFor = facts.reminder ? ` — for ${formatDuration(Date.parse(facts.reminder.now) - Date.parse(facts.at))} now` : '';
  const lines = [
    recovered
      ? `${facts.system.name}${where} is healthy again${downForMs === undefined ? '' : ` after ${formatDuration(downForMs)}`} (was ${facts.previousStatus}).`
      : `${facts.system.name}${where} is ${facts.reminder ? 'still ' : ''}${facts.status} since ${facts.at}${stillFor} (was ${facts.previousStatus}).`,
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
    timestamp: facts.reminder?.now ?? facts.at,
  };
}

const SEVERITY_RANK: Record<NotificationMessage['severity'], number> = { info: 0, warning: 1, critical: 2 };
/** Systems named in a grouped message's title; the rest are counted. */
const TITLE_NAMES = 5;

/**
 * One message for a channel's changes held in one grouping window (SPEC §6.2): every system's
 * change listed, the title counting them by status ("3 systems unhealthy: a, b, c"), the worst
 * severity; an alert if anything is still wrong. `id` is the sent message's idempotency key.
 */
export function groupMessages(id: string, messages: readonly NotificationMessage[]): NotificationMessage {
  if (messages.length === 1) return { ...messages[0]!, id };
  const systems = messages.flatMap((message) => message.systems);
  const byStatus = new Map<string, string[]>();
  for (const system of systems) {
    const label = system.status === 'healthy' ? 'recovered' : system.status;
    byStatus.set(label, [...(byStatus.get(label) ?? []), `${system.name}${system.environment ? ` (${system.environment.name})` : ''}`]);
  }
  const names = (list: string[]) => (list.length > TITLE_NAMES ? `${list.slice(0, TITLE_NAMES).join(', ')} and ${list.length - TITLE_NAMES} more` : list.join(', '));
  const parts = ['unhealthy', 'degraded', 'recovered'].filter((label) => byStatus.has(label)).map((label) => ({ label, list: byStatus.get(label)! }));
  const noun = (count: number) => (count === 1 ? 'system' : 'systems');
  const title =
    parts.length === 1
      ? `${parts[0]!.list.length} ${noun(parts[0]!.list.length)} ${parts[0]!.label}: ${names(parts[0]!.list)}`
      : `${systems.length} changes: ${parts.map((part) => `${part.list.length} ${part.label} (${names(part.list)})`).join(', ')}`;
  const worst = messages.reduce((a, b) => (SEVERITY_RANK[b.severity] > SEVERITY_RANK[a.severity] ? b : a));
  return {
    id,
    kind: messages.some((message) => message.kind !== 'recovery') ? 'alert' : 'recovery',
    severity: worst.severity,
    title,
    text: messages.map((message) => message.text).join('\n\n'),
    systems,
    dedupKey: `vigil:group:${id}`,
    timestamp: messages.map((message) => message.timestamp).sort().at(-1)!,
  };
}

export interface IncidentFacts {
  deliveryId: string;
  incident: { id: string; title: string; severity: 'minor' | 'major' | 'critical'; status: string };
  /** The update's text (the description of a new incident). */
  message: string;
  created: boolean;
  systems: { id: string; name: string }[];
  at: string;
  publicUrl?: string;
}

const INCIDENT_SEVERITY = { critical: 'critical', major: 'critical', minor: 'warning' } as const;

/** What subscribers of an incident's systems are told when it opens or gets an update; a resolution closes it where receivers track alerts. */
export function buildIncidentMessage(facts: IncidentFacts): NotificationMessage {
  const resolved = facts.incident.status === 'resolved';
  const names = facts.systems.map((system) => system.name).join(', ');
  const url = facts.publicUrl ? `${facts.publicUrl.replace(/\/$/, '')}/incidents/${facts.incident.id}` : undefined;
  const title = facts.created ? `Incident (${facts.incident.severity}): ${facts.incident.title}` : `Incident ${facts.incident.status}: ${facts.incident.title}`;
  const lines = [
    `${facts.created ? 'Opened' : 'Update'} — ${facts.incident.status}, ${facts.incident.severity}. Affects ${names || 'no system'}.`,
    ...(facts.message ? [facts.message] : []),
    ...(url ? [url] : []),
  ];
  return {
    id: facts.deliveryId,
    kind: resolved ? 'recovery' : 'incident',
    severity: resolved ? 'info' : INCIDENT_SEVERITY[facts.incident.severity],
    title,
    text: lines.join('\n'),
    systems: [],
    dedupKey: `vigil:incident:${facts.incident.id}`,
    timestamp: facts.at,
  };
}
