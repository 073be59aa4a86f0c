import { z } from 'zod';
import { SystemInput, type System } from '../../catalog/model.ts';
import { findCycle } from '../../catalog/dependencies.ts';
import { AssignmentInput, type Assignment } from '../../checks/model.ts';
import { ValidationError } from '../../kernel/errors.ts';
import { everything, type GitopsServices } from '../services.ts';
import { nameKey, Ref, refList } from './names.ts';
import type { ApplyContext, Kind, KindStore, Names, Reference } from './types.ts';

/** An assignment (SPEC §1.1) of a Healthcheck to this system, by name. */
const AssignmentDocument = AssignmentInput.omit({ systemId: true, configurationId: true, environmentIds: true, satelliteIds: true }).extend({
  ref: Ref.meta({ description: 'The Healthcheck' }),
  satellites: refList(100)
    .default([])
    .meta({ description: 'Also run on these satellites, by name (registered with POST /api/v1/satellites, not declared in files)' }),
  environments: refList(500)
    .nullable()
    .default(null)
    .meta({ description: "null: all of the system's environments; []: none (one env-less run); a list: those" }),
});

const spec = SystemInput.omit({ name: true, groupIds: true }).extend({
  groups: refList(500).default([]),
  environments: refList(500).default([]).meta({ description: "The system's environments, in the order runs and views list them" }),
  dependsOn: refList(500).default([]).meta({ description: 'The systems this one depends on (SPEC §3.7); no cycles' }),
  healthchecks: z
    .array(AssignmentDocument)
    .max(500, 'expected at most 500 healthchecks')
    .default([])
    .superRefine((assignments, ctx) => {
      // A healthcheck is assigned to a system once: the pair is the assignment's identity.
      const seen = new Set<string>();
      assignments.forEach((assignment, index) => {
        if (seen.has(nameKey(assignment.ref))) ctx.addIssue({ code: 'custom', path: [index, 'ref'], message: `expected each healthcheck once: "${assignment.ref}" is listed before` });
        seen.add(nameKey(assignment.ref));
      });
    }),
});
type SystemSpec = z.output<typeof spec>;
type AssignmentSpec = SystemSpec['healthchecks'][number];

/** A system as stored: the system and its assignments (a resource of their own in the API). */
interface StoredSystem {
  system: System;
  assignments: Assignment[];
}

/** A system with its memberships (groups, environments), dependencies and assigned healthchecks. */
export const systemKind: Kind<SystemSpec, StoredSystem> = {
  kind: 'System',
  order: 50,
  spec,
  named: true,
  references: (system) => [
    ...system.groups.map((name, index): Reference => ({ kind: 'Group', name, path: ['groups', index] })),
    ...system.environments.map((name, index): Reference => ({ kind: 'Environment', name, path: ['environments', index] })),
    ...system.dependsOn.map((name, index): Reference => ({ kind: 'System', name, path: ['dependsOn', index] })),
    ...system.healthchecks.flatMap((assignment, index): Reference[] => [
      { kind: 'Healthcheck', name: assignment.ref, path: ['healthchecks', index, 'ref'] },
      ...(assignment.environments ?? []).map((name, at): Reference => ({ kind: 'Environment', name, path: ['healthchecks', index, 'environments', at] })),
    ]),
  ],
  checkAll(systems) {
    const edges = new Map(systems.map((system) => [nameKey(system.name), system.spec.dependsOn.map(nameKey)]));
    const written = new Map(systems.map((system) => [nameKey(system.name), system.name]));
    return systems.flatMap((system) => {
      const cycle = findCycle(edges, nameKey(system.name), system.spec.dependsOn.map(nameKey));
      if (!cycle) return [];
      const names = cycle.map((key) => written.get(key) ?? key).join(' → ');
      return [{ name: system.name, path: ['dependsOn'], message: `expected no dependency cycle, but ${names} is one` }];
    });
  },
  store: (services) => systemStore(services),
};

function systemStore({ catalog, checks, satelliteNames }: GitopsServices): KindStore<SystemSpec, StoredSystem> {
  // Satellites by id, read with the systems: assignments hold their ids, documents their names.
  let satellites = new Map<string, string>();
  const satelliteIds = (names: readonly string[], at: string) =>
    names.map((name, index) => {
      const id = [...satellites].find(([, known]) => known.toLowerCase() === name.toLowerCase())?.[0];
      if (id === undefined) throw new ValidationError([{ path: `${at}.${index}`, message: `no satellite named "${name}": register it first (POST /api/v1/satellites)` }]);
      return id;
    });
  const satelliteName = (id: string) => satellites.get(id) ?? id;
  return {
    async list() {
      // One after the other: inside an apply these share the transaction's one connection.
      const systems = await everything((page) => catalog.listSystems(page));
      const assignments = await everything((page) => checks.listAssignments(page));
      satellites = await satelliteNames();
      const bySystem = new Map<string, Assignment[]>();
      for (const assignment of assignments) bySystem.set(assignment.systemId, [...(bySystem.get(assignment.systemId) ?? []), assignment]);
      return systems.map((system) => ({ id: system.id, name: system.name, resource: { system, assignments: bySystem.get(system.id) ?? [] } }));
    },
    toSpec: ({ system, assignments }: StoredSystem, names) =>
      inOrder({
        description: system.description,
        public: system.public,
        tags: system.tags,
        groups: system.groupIds.map((id) => names.name('Group', id)),
        environments: system.environmentIds.map((id) => names.name('Environment', id)),
        dependsOn: system.dependsOn.map((id) => names.name('System', id)),
        healthchecks: assignments.map((assignment) => assignmentSpec(assignment, names, satelliteName)),
      }),
    desired(system, { current, prune }) {
      // Without --prune, healthchecks assigned on the server but not listed stay assigned.
      const listed = new Set(system.healthchecks.map((assignment) => nameKey(assignment.ref)));
      const kept = prune || !current ? [] : current.healthchecks.filter((assignment) => !listed.has(nameKey(assignment.ref)));
      return inOrder({ ...system, healthchecks: [...system.healthchecks, ...kept] });
    },
    async create(document, context) {
      const [id] = await this.createMany!([document], context);
      return id!;
    },
    async createMany(documents, context) {
      const created = await catalog.createSystems(
        documents.map(({ name, spec: system }) => ({ name, ...fields(system, context.names), environmentIds: system.environments.map((environment) => context.names.id('Environment', environment)) })),
      );
      const wanted = documents.flatMap(({ spec: system }, index) => system.healthchecks.map((assignment, at) => assignmentInput(created[index]!.id, assignment, `${index}.healthchecks.${at}`, context)));
      await checks.createAssignments(wanted);
      return created.map((system) => system.id);
    },
    async update(id, { name, spec: system, current }, context) {
      await catalog.updateSystem(id, { name, ...fields(system, context.names) });
      const environmentIds = system.environments.map((environment) => context.names.id('Environment', environment));
      if (environmentIds.join() !== current.system.environmentIds.join()) await catalog.setSystemEnvironments(id, environmentIds);
      await syncAssignments(id, system.healthchecks, current.assignments, context);
    },
    // Dependencies name systems: set once every system of the documents exists.
    async link(id, { spec: system, current }, { names }) {
      const dependsOn = system.dependsOn.map((parent) => names.id('System', parent)).sort();
      if (dependsOn.join() !== [...(current?.system.dependsOn ?? [])].sort().join()) await catalog.setDependencies(id, dependsOn);
    },
    remove: (id) => catalog.deleteSystem(id),
  };

  /** An assignment of the document as the API takes it: ids for names. */
  function assignmentInput(systemId: string, assignment: AssignmentSpec, at: string, context: ApplyContext) {
    const { ref, environments, satellites: onSatellites, ...settings } = assignment;
    return {
      ...settings,
      systemId,
      configurationId: context.names.id('Healthcheck', ref),
      environmentIds: environments === null ? null : environments.map((environment) => context.names.id('Environment', environment)),
      satelliteIds: satelliteIds(onSatellites, `${at}.satellites`),
    };
  }

  /** Creates, updates and (with --prune) deletes the system's assignments to match its list. */
  async function syncAssignments(systemId: string, wanted: AssignmentSpec[], current: Assignment[], context: ApplyContext): Promise<void> {
    const byConfiguration = new Map(current.map((assignment) => [assignment.configurationId, assignment]));
    const listed = new Set<string>();
    for (const [at, assignment] of wanted.entries()) {
      const { systemId: _system, configurationId, ...fields } = assignmentInput(systemId, assignment, `healthchecks.${at}`, context);
      listed.add(configurationId);
      const existing = byConfiguration.get(configurationId);
      if (!existing) await checks.createAssignment({ systemId, configurationId, ...fields });
      else if (JSON.stringify(assignmentSpec(existing, context.names, satelliteName)) !== JSON.stringify(assignmentSpec({ ...existing, ...fields }, context.names, satelliteName))) {
        await checks.updateAssignment(existing.id, fields);
      }
    }
    if (context.prune) for (const assignment of current) if (!listed.has(assignment.configurationId)) await checks.deleteAssignment(assignment.id);
  }}

/** The system's own fields as the API takes them. */
function fields(system: SystemSpec, names: Names) {
  return { description: system.description, public: system.public, tags: system.tags, groupIds: system.groups.map((group) => names.id('Group', group)) };
}

/** An assignment as a file writes it: names for ids, the API's settings as they are (new ones included). */
function assignmentSpec(assignment: Assignment, names: Names, satelliteName: (id: string) => string): AssignmentSpec {
  const { id: _id, systemId: _system, configurationId, environmentIds, satelliteIds, pingUrl: _ping, createdAt: _created, updatedAt: _updated, ...settings } = assignment as Assignment & { warnings?: unknown };
  delete (settings as { warnings?: unknown }).warnings;
  return {
    ref: names.name('Healthcheck', configurationId),
    ...settings,
    satellites: satelliteIds.map(satelliteName),
    environments: environmentIds === null ? null : environmentIds.map((id) => names.name('Environment', id)),
  } as AssignmentSpec;
}

/** Lists whose order means nothing in one order (by name), so files and servers compare alike. */
function inOrder(system: SystemSpec): SystemSpec {
  const byName = (a: string, b: string) => nameKey(a).localeCompare(nameKey(b));
  return {
    ...system,
    groups: [...system.groups].sort(byName),
    dependsOn: [...system.dependsOn].sort(byName),
    healthchecks: [...system.healthchecks].sort((a, b) => byName(a.ref, b.ref)).map((assignment) => ({ ...assignment, satellites: [...assignment.satellites].sort(byName) })),
  };
}
