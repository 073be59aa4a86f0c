import { z } from 'zod';
import { SecretInput, SecretName } from '../../secrets/model.ts';
import { everything } from '../services.ts';
import type { Kind } from './types.ts';

/**
 * A secret by reference only: its value is read, when the documents are applied, from an
 * environment variable or a file of the machine applying them (a relative path from the
 * document's own file). A value written here would be committed with the file.
 */
const ValueFrom = z
  .object({
    env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name (letters, digits and _, not starting with a digit)').optional(),
    file: z.string().min(1, 'expected a path').optional(),
  })
  .strict()
  .refine((from) => (from.env === undefined) !== (from.file === undefined), 'expected exactly one of env and file');
export type ValueFrom = z.output<typeof ValueFrom>;

const spec = SecretInput.omit({ name: true, value: true }).extend({
  value: z
    .never({ error: 'a secret value does not belong in a file that gets committed: write valueFrom: {env: NAME} or valueFrom: {file: PATH} instead' })
    .optional(),
  valueFrom: ValueFrom,
});

/**
 * What the server takes: the value, read by whoever applies (`vigil apply` reads valueFrom on its
 * own machine). Without one, an existing secret keeps its value; a new one is refused.
 */
const wire = z
  .object({ value: SecretInput.shape.value.optional() })
  .strict()
  .meta({ description: 'A Secret document as the server takes it: its value read from valueFrom by the client (never written in a file)' });

type SecretSpec = { value?: string; valueFrom?: ValueFrom };

export const secretKind: Kind<SecretSpec> = {
  kind: 'Secret',
  order: 20,
  // Templates name secrets as the secrets API does (`{{ secrets.API_TOKEN }}`), so the names follow its rule.
  name: SecretName,
  spec,
  wire,
  named: true,
  references: () => [],
  secretPaths: () => ['value'],
  toFile: (_secret, { name }) => ({ spec: { valueFrom: { env: environmentVariable(name) } } }),
  store: ({ secrets }) => ({
    list: async () => {
      const stored = await everything((page) => secrets.list(page));
      const values = await secrets.resolve(stored.map((secret) => secret.name));
      return stored.map((secret) => ({ id: secret.name, name: secret.name, resource: { value: values.get(secret.name.toLowerCase()) } }));
    },
    toSpec: (secret: { value?: string }) => ({ ...(secret.value === undefined ? {} : { value: secret.value }) }),
    create: async ({ name, spec: secret }) => {
      if (secret.value === undefined) throw new Error(`Secret ${name} has no value: give it valueFrom: {env: NAME} or {file: PATH}, set on the machine applying`);
      return (await secrets.create({ name, value: secret.value })).name;
    },
    update: async (name, { spec: secret }) => {
      if (secret.value !== undefined) await secrets.update(name, secret.value);
    },
    remove: (name) => secrets.remove(name),
  }),
};

/** The environment variable an exported secret is read from: its name in capitals, other characters as _. */
export function environmentVariable(name: string): string {
  const variable = name.toUpperCase().replace(/[^A-Z0-9_]/g, '_');
  return /^[0-9]/.test(variable) ? `_${variable}` : variable;
}
