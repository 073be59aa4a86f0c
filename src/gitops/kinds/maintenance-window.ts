import { z } from 'zod';
import { MaintenanceWindowInput, windowProblems } from '../../maintenance/model.ts';
import { refList } from './names.ts';
import type { Kind, Reference } from './types.ts';

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

export const maintenanceWindowKind: Kind<MaintenanceWindowSpec> = {
  kind: 'MaintenanceWindow',
  order: 80,
  spec,
  references: (window) => [
    ...window.systems.map((name, index): Reference => ({ kind: 'System', name, path: ['systems', index] })),
    ...window.groups.map((name, index): Reference => ({ kind: 'Group', name, path: ['groups', index] })),
  ],
};
