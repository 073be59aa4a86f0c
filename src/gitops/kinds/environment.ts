import type { z } from 'zod';
import { EnvironmentInput } from '../../catalog/model.ts';
import type { Kind } from './types.ts';

const spec = EnvironmentInput.omit({ name: true });

/** A deployment target and its custom fields, read by templates as `{{ environment.<field> }}`. */
export const environmentKind: Kind<z.output<typeof spec>> = {
  kind: 'Environment',
  order: 10,
  spec,
  references: () => [],
};
