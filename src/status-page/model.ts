import type { IncidentOfSystems } from '../incidents/read.ts';
import type { Status } from '../kernel/status.ts';

/**
 * What the public status page, its feed and the badges say (issue 21), and the pure decisions
 * behind it. Nothing here carries an id: what is published names public systems by name only.
 */

/** A colour-independent level every status shown maps to; the page words each one. */
export type Level = 'ok' | 'warn' | 'bad' | 'info' | 'none';

export interface PublicSystemStatus {
  name: string;
  description: string;
  level: Level;
  /** The level in words: status is never told by colour alone. */
  label: string;
  /** Uptime % over the 90 days, null without runs. */
  uptime: number | null;
  /** The last 90 UTC days, oldest first: `from` is the first day (YYYY-MM-DD), uptime % per day or null without runs. */
  days: { from: string; uptime: (number | null)[] };
}

export interface PublicIncident {
  title: string;
  severity: IncidentOfSystems['severity'];
  status: IncidentOfSystems['status'];
  createdAt: string;
  updatedAt: string;
  resolvedAt: string | null;
  /** The public systems it names, by name. */
  systems: string[];
  /** Oldest first. */
  updates: { status: IncidentOfSystems['status']; message: string; at: string }[];
  /** A stable, opaque reference (feed entry ids, page anchors), not the incident's id. */
  ref: string;
}

export interface PublicMaintenance {
  title: string;
  description: string;
  /** On now: startsAt/endsAt are the current occurrence; otherwise the next one. */
  active: boolean;
  startsAt: string;
  endsAt: string;
  systems: string[];
}

export interface StatusPage {
  /** Set on a group's page. */
  group: { name: string; slug: string } | null;
  /** Groups with at least one public system (links to their pages); only on the page of every system. */
  groups: { name: string; slug: string }[];
  overall: { level: Level; label: string };
  systems: PublicSystemStatus[];
  incidents: PublicIncident[];
  maintenance: PublicMaintenance[];
}

/** A group's slug: its name lower-cased, each run of characters other than letters and digits a single '-'. */
export function slugOf(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, '-')
    .replace(/^-+|-+$/g, '');
}

/** A system's level: maintenance is told first (its checks may well fail on purpose); no checks is no data. */
export function systemLevel(status: Status | null, inMaintenance: boolean): { level: Level; label: string } {
  if (inMaintenance) return { level: 'info', label: 'Under maintenance' };
  if (status === null) return { level: 'none', label: 'No data' };
  return { healthy: { level: 'ok', label: 'Operational' }, degraded: { level: 'warn', label: 'Degraded performance' }, unhealthy: { level: 'bad', label: 'Outage' } }[status] as {
    level: Level;
    label: string;
  };
}

/**
 * The banner over the page: of the systems with a status (not in maintenance, not without data),
 * none failing is all operational; failing ones at least half of them a major outage; fewer a
 * partial outage (a degraded system counts as failing for the partial outage).
 */
export function overallLevel(levels: readonly Level[]): { level: Level; label: string } {
  if (!levels.length) return { level: 'none', label: 'No systems to show' };
  const rated = levels.filter((level) => level === 'ok' || level === 'warn' || level === 'bad');
  const down = rated.filter((level) => level === 'bad').length;
  if (down > 0 && down * 2 >= rated.length) return { level: 'bad', label: 'Major outage' };
  if (down > 0 || rated.includes('warn')) return { level: 'warn', label: 'Partial outage' };
  if (!rated.length) return levels.includes('info') ? { level: 'info', label: 'Under maintenance' } : { level: 'none', label: 'No data yet' };
  return { level: 'ok', label: 'All systems operational' };
}

/** One day's bar: 99.9 % and up operational, 95 % and up degraded, below an outage; no runs no data. */
export function dayLevel(uptime: number | null): { level: Level; label: string } {
  if (uptime === null) return { level: 'none', label: 'no data' };
  if (uptime >= 99.9) return { level: 'ok', label: 'operational' };
  if (uptime >= 95) return { level: 'warn', label: 'degraded' };
  return { level: 'bad', label: 'outage' };
}

/** An uptime percentage as shown: at most two decimals, cut rather than rounded (99.999 is not 100). */
export function formatUptime(uptime: number): string {
  if (uptime >= 100) return '100';
  return (Math.floor(uptime * 100) / 100).toFixed(2).replace(/\.?0+$/, '');
}

/** The ranges an uptime badge may cover. */
export const BADGE_RANGES = ['24h', '7d', '30d', '90d'] as const;
export type BadgeRange = (typeof BADGE_RANGES)[number];

/** Badge colours, shields' palette. */
export const BADGE_COLOURS = {
  brightgreen: '#4c1',
  green: '#97ca00',
  yellowgreen: '#a4a61d',
  yellow: '#dfb317',
  orange: '#fe7d37',
  red: '#e05d44',
  blue: '#007ec6',
  grey: '#9f9f9f',
} as const;
export type BadgeColour = keyof typeof BADGE_COLOURS;

export interface Badge {
  label: string;
  value: string;
  colour: BadgeColour;
}

export function statusBadge(name: string, level: Level): Badge {
  const value: Record<Level, [string, BadgeColour]> = {
    ok: ['operational', 'brightgreen'],
    warn: ['degraded', 'yellow'],
    bad: ['down', 'red'],
    info: ['maintenance', 'blue'],
    none: ['no data', 'grey'],
  };
  const [text, colour] = value[level];
  return { label: name, value: text, colour };
}

export function uptimeBadge(range: BadgeRange, uptime: number | null): Badge {
  const label = `uptime ${range}`;
  if (uptime === null) return { label, value: 'no data', colour: 'grey' };
  const steps: [number, BadgeColour][] = [[99.9, 'brightgreen'], [99, 'green'], [97, 'yellowgreen'], [95, 'yellow'], [90, 'orange']];
  return { label, value: `${formatUptime(uptime)}%`, colour: steps.find(([least]) => uptime >= least)?.[1] ?? 'red' };
}

export function latencyBadge(latencyMs: number | null): Badge {
  const label = 'latency';
  if (latencyMs === null) return { label, value: 'no data', colour: 'grey' };
  const steps: [number, BadgeColour][] = [[200, 'brightgreen'], [500, 'green'], [1000, 'yellow'], [2000, 'orange']];
  const shown = latencyMs >= 10_000 ? `${(latencyMs / 1000).toFixed(0)} s` : `${Math.round(latencyMs)} ms`;
  return { label, value: shown, colour: steps.find(([under]) => latencyMs < under)?.[1] ?? 'red' };
}

/** What a private or unknown system's badge says: the same for both, so a badge tells nothing of what exists. */
export const NOT_FOUND_BADGE: Badge = { label: 'vigil', value: 'not found', colour: 'grey' };
