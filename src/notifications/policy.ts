import type { Status } from './channels/types.ts';

/**
 * Whether a change is told, and when (SPEC §3.7, §6.2; issue 19), decided purely from facts the
 * planner read: the kind of transition, the notification policy, maintenance, incidents and the
 * system's parents. The planner records what is not sent as suppressed, with the reason given
 * here, so nothing is lost silently.
 */

/** escalation: healthy → degraded → unhealthy; de-escalation: unhealthy → degraded; recovery: → healthy. */
export type Transition = 'escalation' | 'de-escalation' | 'recovery';

const RANK: Record<Status, number> = { healthy: 0, degraded: 1, unhealthy: 2 };

export function transitionOf(previous: Status, next: Status): Transition {
  if (next === 'healthy') return 'recovery';
  return RANK[next] > RANK[previous] ? 'escalation' : 'de-escalation';
}

/** An assignment's policy as stored (every field optional), the platform's, and what holds for a change. */
export interface PolicyFields {
  suppressDeEscalations?: boolean;
  renotifyMinutes?: number | null;
}
export interface Policy {
  suppressDeEscalations: boolean;
  /** Re-notify every this many minutes while still not healthy; null: never. */
  renotifyMinutes: number | null;
}
export const BUILT_IN_POLICY: Policy = { suppressDeEscalations: false, renotifyMinutes: null };

/** One assignment's policy: each field from the assignment, else the platform default, else built in. */
export function resolvePolicy(assignment: PolicyFields | null | undefined, platform: PolicyFields = {}): Policy {
  return {
    suppressDeEscalations: assignment?.suppressDeEscalations ?? platform.suppressDeEscalations ?? BUILT_IN_POLICY.suppressDeEscalations,
    renotifyMinutes: assignment?.renotifyMinutes !== undefined ? assignment.renotifyMinutes : platform.renotifyMinutes !== undefined ? platform.renotifyMinutes : BUILT_IN_POLICY.renotifyMinutes,
  };
}

/**
 * The policy for a change of a system's view, from the assignments of the checks failing in it
 * (they caused the change): a de-escalation is muted only when every one of them mutes it, and
 * the most frequent reminder wins. With no failing check (a recovery), the platform's policy.
 */
export function policyForChange(failing: readonly (PolicyFields | null)[], platform: PolicyFields = {}): Policy {
  if (!failing.length) return resolvePolicy(null, platform);
  const policies = failing.map((assignment) => resolvePolicy(assignment, platform));
  const reminders = policies.map((p) => p.renotifyMinutes).filter((m): m is number => m !== null);
  return { suppressDeEscalations: policies.every((p) => p.suppressDeEscalations), renotifyMinutes: reminders.length ? Math.min(...reminders) : null };
}

export interface SuppressionFacts {
  transition: Transition;
  policy: Policy;
  /** An active maintenance window covering the system when the change happened (one that suppresses). */
  maintenance?: { title: string } | undefined;
  /** An open incident on the system with suppression on. */
  incident?: { title: string } | undefined;
  /** The names of the system's parents whose rollup is unhealthy now. */
  unhealthyParents: readonly string[];
}

export type Decision =
  | { send: true }
  /** `parent`: suppressed because of a parent, sent later if the child is still not healthy when the parent recovers. */
  | { send: false; reason: string; parent?: boolean };

/**
 * Maintenance and incidents silence everything about the system (people know); a parent's outage
 * silences the child's alerts but never its recovery; a policy may mute de-escalations.
 */
export function decide(facts: SuppressionFacts): Decision {
  if (facts.maintenance) return { send: false, reason: `maintenance "${facts.maintenance.title}" is active` };
  if (facts.incident) return { send: false, reason: `incident "${facts.incident.title}" is open` };
  if (facts.transition !== 'recovery' && facts.unhealthyParents.length) {
    return { send: false, reason: `parent ${facts.unhealthyParents.join(', ')} is unhealthy`, parent: true };
  }
  if (facts.transition === 'de-escalation' && facts.policy.suppressDeEscalations) {
    return { send: false, reason: 'de-escalations are muted by the notification policy' };
  }
  return { send: true };
}

/**
 * When a new message to a channel goes out (grouping, SPEC §6.2): at once on a quiet channel;
 * otherwise with the messages already held, or `windowMs` after the last one sent, so a burst
 * becomes one message per window and none waits longer than the window. `lastPlannedFor` is the
 * latest planned time of the channel's messages created within the last window.
 */
export function plannedSend(now: number, windowMs: number, lastPlannedFor: number | null): number {
  if (windowMs <= 0 || lastPlannedFor === null) return now;
  if (lastPlannedFor > now) return lastPlannedFor;
  return Math.max(now, lastPlannedFor + windowMs);
}

/**
 * Whether a reminder is due (re-notify, SPEC §6.2): the view is still not healthy and the last
 * message about it (the alert or the previous reminder) is `renotifyMinutes` old.
 */
export function reminderDue(facts: { status: Status; renotifyMinutes: number | null; lastToldAt: number; now: number }): boolean {
  return facts.status !== 'healthy' && facts.renotifyMinutes !== null && facts.now - facts.lastToldAt >= facts.renotifyMinutes * 60_000;
}
