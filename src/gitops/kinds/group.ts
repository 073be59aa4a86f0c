import type { z } from 'zod';
import { GroupInput, type Group } from '../../catalog/model.ts';
import { everyNamed } from '../services.ts';
import type { Kind } from './types.ts';

/** Membership is written once, on the System (`spec.groups`), so two files never disagree about it. */
const spec = GroupInput.omit({ name: true, systemIds: true });
type GroupSpec = z.output<typeof spec>;

export const groupKind: Kind<GroupSpec> = {
  kind: 'Group',
  order: 30,
  spec,
  named: true,
  references: () => [],
  store: ({ catalog }) => ({
    list: () => everyNamed((page) => catalog.listGroups(page)),
    toSpec: (group: Group) => ({ description: group.description }),
    // Created empty: each System document adds itself.
    create: async ({ name, spec: group }) => (await catalog.createGroup({ name, ...group, systemIds: [] })).id,
    update: async (id, { name, spec: group }) => void (await catalog.updateGroup(id, { name, ...group })),
    remove: (id) => catalog.deleteGroup(id),
  }),
};
