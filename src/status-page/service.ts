import { createHash } from 'node:crypto';
import type pg from 'pg';
import { groupNames, publicSystemByKey, publicSystems, type PublicSystem } from '../catalog/read.ts';
import type { Db } from '../db/database.ts';
import type { HealthService } from '../health/service.ts';
import type { HistoryService } from '../history/service.ts';
import { incidentsOfSystems, type IncidentOfSystems } from '../incidents/read.ts';
import { currentMaintenance, type CurrentWindow } from '../maintenance/read.ts';
import {
  NOT_FOUND_BADGE,
  latencyBadge,
  overallLevel,
  slugOf,
  statusBadge,
  systemLevel,
  uptimeBadge,
  type Badge,
  type BadgeRange,
  type PublicIncident,
  type StatusPage,
} from './model.ts';

export interface StatusPageParts {
  db: Pick<Db, 'select'>;
  pool: Pick<pg.Pool, 'query'>;
  health: Pick<HealthService, 'systemsHealth'>;
  history: Pick<HistoryService, 'uptime'>;
  now?: () => Date;
}

/** How far ahead the page announces maintenance. */
const MAINTENANCE_HORIZON_MS = 30 * 86_400_000;
const PAGE_INCIDENTS = 20;
const FEED_INCIDENTS = 50;

/**
 * What the public status page, feed and badges show (issue 21), read through the domains that
 * own it. Only systems marked public are ever read by id here; incidents and maintenance are
 * asked about those systems only, and answer with those systems only, so what they also touch
 * stays private. Nothing returned carries an internal id.
 */
export class StatusPageService {
  private readonly now: () => Date;

  constructor(private readonly parts: StatusPageParts) {
    this.now = parts.now ?? (() => new Date());
  }

  /** Every public system's page, or a group's (by slug); undefined for a slug naming no group with public systems. */
  async page(slug?: string): Promise<StatusPage | undefined> {
    const all = await publicSystems(this.parts.db);
    const groups = (await groupNames(this.parts.db, [...new Set(all.flatMap((s) => s.groupIds))])).map((g) => ({ ...g, slug: slugOf(g.name) }));
    let systems = all;
    let group: StatusPage['group'] = null;
    if (slug !== undefined) {
      // Two names with one slug ("A B", "a-b"): the first in name order has it.
      const found = groups.find((g) => g.slug === slug);
      if (!found) return undefined;
      group = { name: found.name, slug: found.slug };
      systems = all.filter((s) => s.groupIds.includes(found.id));
    }
    const ids = systems.map((s) => s.id);
    const now = this.now();
    const [health, uptime, incidents, windows] = await Promise.all([
      this.parts.health.systemsHealth(ids, now),
      this.parts.history.uptime(ids, ['90d']),
      incidentsOfSystems(this.parts.pool, ids, { open: true, limit: PAGE_INCIDENTS }),
      currentMaintenance(this.parts.pool, now, new Date(now.getTime() + MAINTENANCE_HORIZON_MS)),
    ]);
    const healthOf = new Map(health.map((h) => [h.systemId, h]));
    const uptimeOf = new Map(uptime.map((u) => [u.systemId, u]));
    const names = namesOf(systems);
    const shown = systems.map((system) => {
      const h = healthOf.get(system.id);
      const u = uptimeOf.get(system.id);
      return {
        name: system.name,
        description: system.description,
        ...systemLevel(h?.status ?? null, h?.inMaintenance ?? false),
        uptime: u?.ranges[0]?.uptime ?? null,
        days: { from: u?.days.from ?? now.toISOString().slice(0, 10), uptime: u?.days.uptime ?? [] },
      };
    });
    return {
      group,
      groups: group ? [] : groups.filter((g, i) => groups.findIndex((other) => other.slug === g.slug) === i).map((g) => ({ name: g.name, slug: g.slug })),
      overall: overallLevel(shown.map((s) => s.level)),
      systems: shown,
      incidents: incidents.map((incident) => publicIncident(incident, names)),
      maintenance: windows.flatMap((w) => {
        const covered = coveredBy(w, systems);
        if (!covered.length) return [];
        const occurrence = (w.current ?? w.next)!;
        return [{
          title: w.title,
          description: w.description,
          active: w.current !== null,
          startsAt: occurrence.startsAt.toISOString(),
          endsAt: occurrence.endsAt.toISOString(),
          systems: covered.sort(byName),
        }];
      }),
    };
  }

  /** Incidents naming public systems, open or resolved, most recently updated first. */
  async feed(): Promise<PublicIncident[]> {
    const systems = await publicSystems(this.parts.db);
    const incidents = await incidentsOfSystems(
      this.parts.pool,
      systems.map((s) => s.id),
      { open: false, limit: FEED_INCIDENTS },
    );
    const names = namesOf(systems);
    return incidents.map((incident) => publicIncident(incident, names));
  }

  /** A badge for a public system named by `key` (name or id); the not-found badge, and `found: false`, for anything else. */
  async badge(key: string, kind: { type: 'status' } | { type: 'uptime'; range: BadgeRange } | { type: 'latency' }): Promise<{ found: boolean; badge: Badge }> {
    const system = await publicSystemByKey(this.parts.db, key);
    if (!system) return { found: false, badge: NOT_FOUND_BADGE };
    if (kind.type === 'uptime') {
      const [uptime] = await this.parts.history.uptime([system.id], [kind.range]);
      return { found: true, badge: uptimeBadge(kind.range, uptime?.ranges[0]?.uptime ?? null) };
    }
    const [health] = await this.parts.health.systemsHealth([system.id], this.now());
    if (kind.type === 'latency') return { found: true, badge: latencyBadge(health?.avgLatencyMs ?? null) };
    return { found: true, badge: statusBadge(system.name, systemLevel(health?.status ?? null, health?.inMaintenance ?? false).level) };
  }
}

const byName = (a: string, b: string) => a.toLowerCase().localeCompare(b.toLowerCase());

/** The names of the systems a window covers, named directly or through a group: of `systems` only, so the others it covers stay unsaid. */
function coveredBy(window: CurrentWindow, systems: readonly PublicSystem[]): string[] {
  const direct = new Set(window.systemIds);
  const groups = new Set(window.groupIds);
  return systems.filter((s) => direct.has(s.id) || s.groupIds.some((g) => groups.has(g))).map((s) => s.name);
}

function namesOf(systems: readonly PublicSystem[]): Map<string, string> {
  return new Map(systems.map((s) => [s.id, s.name]));
}

/** The incident with its systems named, leaving out any that is not among `names` (not public, or not on this page). */
function publicIncident(incident: IncidentOfSystems, names: ReadonlyMap<string, string>): PublicIncident {
  return {
    title: incident.title,
    severity: incident.severity,
    status: incident.status,
    createdAt: incident.createdAt.toISOString(),
    updatedAt: incident.updatedAt.toISOString(),
    resolvedAt: incident.resolvedAt?.toISOString() ?? null,
    systems: incident.systemIds.flatMap((id) => names.get(id) ?? []).sort(byName),
    updates: incident.updates.map((u) => ({ status: u.status, message: u.message, at: u.createdAt.toISOString() })),
    // Stable per incident, and not its id: feed entry ids and page anchors need one, readers need no more.
    ref: createHash('sha256').update(`vigil-incident:${incident.id}`).digest('hex').slice(0, 20),
  };
}
