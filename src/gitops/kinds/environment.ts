import type { z } from 'zod';
import { EnvironmentInput, type Environment } from '../../catalog/model.ts';
import { everyNamed } from '../services.ts';
import type { Kind } from './types.ts';

const spec = EnvironmentInput.omit({ name: true });
type EnvironmentSpec = z.output<typeof spec>;

/** A deployment target and its custom fields, read by templates as `{{ environment.<field> }}`. */
export const environmentKind: Kind<EnvironmentSpec> = {
  kind: 'Environment',
  order: 10,
  spec,
  named: true,
  references: () => [],
  store: ({ catalog }) => ({
    list: () => everyNamed((page) => catalog.listEnvironments(page)),
    toSpec: (environment: Environment) => ({ description: environment.description, fields: environment.fields as EnvironmentSpec['fields'] }),
    create: async ({ name, spec: environment }) => (await catalog.createEnvironment({ name, ...environment })).id,
    update: async (id, { name, spec: environment }) => void (await catalog.updateEnvironment(id, { name, ...environment })),
    remove: (id) => catalog.deleteEnvironment(id),
  }),
};
