import { z } from 'zod';
import { SystemInput } from '../../catalog/model.ts';
import { findCycle } from '../../catalog/dependencies.ts';
import { AssignmentInput } from '../../checks/model.ts';
import { nameKey, Ref, refList } from './names.ts';
import type { Kind, Reference } from './types.ts';

/** An assignment (SPEC §1.1) of a Healthcheck to this system, by name. */
const Assignment = AssignmentInput.omit({ systemId: true, configurationId: true, environmentIds: true }).extend({
  ref: Ref.meta({ description: 'The Healthcheck' }),
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
    .array(Assignment)
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

/** A system with its memberships (groups, environments), dependencies and assigned healthchecks. */
export const systemKind: Kind<SystemSpec> = {
  kind: 'System',
  order: 50,
  spec,
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
};
