import type { z } from 'zod';
import { GroupInput } from '../../catalog/model.ts';
import type { Kind } from './types.ts';

/** Membership is written once, on the System (`spec.groups`), so two files never disagree about it. */
const spec = GroupInput.omit({ name: true, systemIds: true });

export const groupKind: Kind<z.output<typeof spec>> = {
  kind: 'Group',
  order: 30,
  spec,
  references: () => [],
};
