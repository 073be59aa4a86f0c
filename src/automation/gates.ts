/**
 * The window and `for` gates of an automation rule (SPEC §6.1), decided purely: the runner reads
 * the counts and the stored state, asks here, and acts. Table-tested in gates.test.ts.
 */

export interface WindowSpec {
  count: number;
  minutes: number;
  /** every: fire on each qualifying event; once: once per episode, until the count falls below `count` again. */
  refire: 'every' | 'once';
}

export interface WindowDecision {
  fire: boolean;
  /** What becomes of the partition's episode (refire once): opened by this firing, closed, or left as it is. */
  episode: 'open' | 'close' | 'keep';
}

/** `count`: qualifying events of the partition in the trailing window, this one included. */
export function windowDecision(spec: WindowSpec, count: number, episodeOpen: boolean): WindowDecision {
  if (count < spec.count) return { fire: false, episode: episodeOpen ? 'close' : 'keep' };
  if (spec.refire === 'every') return { fire: true, episode: 'keep' };
  return episodeOpen ? { fire: false, episode: 'keep' } : { fire: true, episode: 'open' };
}

const UNITS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000 };
/** The longest `for` a rule may wait (SPEC §6.1). */
export const MAX_FOR_MS = 24 * 3_600_000;

/** "90s", "5m", "1h30m", "24h" → milliseconds; undefined when it is not a duration. */
export function parseDuration(text: string): number | undefined {
  const trimmed = text.trim();
  if (!/^(\d+[smh])+$/.test(trimmed)) return undefined;
  let total = 0;
  for (const [, amount, unit] of trimmed.matchAll(/(\d+)([smh])/g)) total += Number(amount) * UNITS[unit!]!;
  return total;
}

/**
 * The events that end a pending `for` before it fires: the trigger's opposite for the same
 * partition (a recovery ends a pending "degraded for 5 minutes"), or the trigger itself when it
 * no longer passes the filter (a health change back to healthy).
 */
export const OPPOSITE_TRIGGERS: Readonly<Record<string, string>> = {
  'healthcheck.system_degraded': 'healthcheck.system_healthy',
  'healthcheck.system_healthy': 'healthcheck.system_degraded',
  'slo.burn_rate_high': 'slo.burn_rate_normal',
  'slo.burn_rate_normal': 'slo.burn_rate_high',
  'maintenance.started': 'maintenance.ended',
  'maintenance.ended': 'maintenance.started',
};

export function endsPending(rule: { trigger: string }, event: { topic: string; passesFilter: boolean }): boolean {
  if (OPPOSITE_TRIGGERS[rule.trigger] === event.topic) return true;
  return event.topic === rule.trigger && !event.passesFilter;
}

/**
 * The partition an event counts in: what `partitionBy` evaluates to when it gives a non-empty
 * value, else the system (SPEC §6.1), else the incident or maintenance window it is about.
 */
export function partitionOf(payload: Record<string, unknown>, partitionBy?: { ok: true; value: unknown } | { ok: false }): string {
  if (partitionBy?.ok && partitionBy.value !== null && partitionBy.value !== undefined && String(partitionBy.value) !== '') return `by:${String(partitionBy.value)}`;
  for (const key of ['systemId', 'incidentId', 'windowId', 'sloId']) {
    if (typeof payload[key] === 'string') return String(payload[key]);
  }
  return 'all';
}
