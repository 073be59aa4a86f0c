import { z } from 'zod';
import { MaintenanceWindowInput, windowProblems, type MaintenanceWindow } from '../../maintenance/model.ts';
import { everything } from '../services.ts';
import { refList } from './names.ts';
import { appliedName, type Kind, type Names, type Reference } from './types.ts';

/**
 * A planned maintenance window (one-off or recurring by an RFC 5545 rule). Its title is the
 * document's `metadata.title`, or its name without one.
 */
const spec = z
  .object(MaintenanceWindowInput.shape)
  .omit({ title: true, systemIds: true, groupIds: true })
  .extend({
    systems: refList(500).default([]).meta({ description: 'The systems in maintenance…' }),
    groups: refList(100).default([]).meta({ description: '…and every system of these groups' }),
  })
  .strict()
  .superRefine((window, ctx) => {
    for (const problem of windowProblems({ ...window, systemIds: window.systems, groupIds: window.groups })) {
      const path = problem.path === 'systemIds' ? 'systems' : problem.path === 'groupIds' ? 'groups' : problem.path;
      ctx.addIssue({ code: 'custom', path: [path], message: problem.message.replace('(systemIds or groupIds)', '(systems or groups)') });
    }
  });
type MaintenanceWindowSpec = z.output<typeof spec>;

export const maintenanceWindowKind: Kind<MaintenanceWindowSpec, MaintenanceWindow> = {
  kind: 'MaintenanceWindow',
  order: 80,
  spec,
  named: false,
  references: (window) => [
    ...window.systems.map((name, index): Reference => ({ kind: 'System', name, path: ['systems', index] })),
    ...window.groups.map((name, index): Reference => ({ kind: 'Group', name, path: ['groups', index] })),
  ],
  // The title is the document's metadata.title (its name without one), not a spec field.
  toFile: ({ title, ...window }: MaintenanceWindowSpec & { title?: string }) => ({ spec: window, ...(title === undefined ? {} : { title }) }),
  store: ({ maintenance, appliedNames }) => ({
    async list() {
      // One after the other: inside an apply these share the transaction's one connection.
      const windows = await everything((page) => maintenance.list(page));
      const applied = await appliedNames('MaintenanceWindow');
      return windows.map((window) => ({ id: window.id, name: appliedName('maintenance', window.id, applied), resource: window }));
    },
    toSpec: (window, names) => ({
      description: window.description,
      systems: window.systemIds.map((id) => names.name('System', id)).sort(),
      groups: window.groupIds.map((id) => names.name('Group', id)).sort(),
      startsAt: window.startsAt,
      endsAt: window.endsAt,
      rrule: window.rrule,
      timeZone: window.timeZone,
      suppressNotifications: window.suppressNotifications,
      title: window.title,
    }),
    // Times as the API answers them (UTC), lists in one order: `+02:00` and `Z` name one instant.
    desired: (window, { name, title }) => ({
      ...window,
      title: title ?? name, startsAt: new Date(window.startsAt).toISOString(), endsAt: new Date(window.endsAt).toISOString(), systems: [...window.systems].sort(),
      groups: [...window.groups].sort(),
    }),
    create: async ({ name, title, spec: window }, { names }) => (await maintenance.create(input(title ?? name, window, names))).id,
    update: async (id, { name, title, spec: window }, { names }) => void (await maintenance.update(id, input(title ?? name, window, names))),
    remove: (id) => maintenance.remove(id),
  }),
};

function input(title: string, window: MaintenanceWindowSpec, names: Names) {
  const { systems, groups, ...rest } = window;
  return { ...rest, title, systemIds: systems.map((system) => names.id('System', system)), groupIds: groups.map((group) => names.id('Group', group)) };
}
