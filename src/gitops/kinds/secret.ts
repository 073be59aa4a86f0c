import { z } from 'zod';
import { SecretInput, SecretName } from '../../secrets/model.ts';
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

const spec = SecretInput.omit({ name: true, value: true }).extend({
  value: z
    .never({ error: 'a secret value does not belong in a file that gets committed: write valueFrom: {env: NAME} or valueFrom: {file: PATH} instead' })
    .optional(),
  valueFrom: ValueFrom,
});

export const secretKind: Kind<z.output<typeof spec>> = {
  kind: 'Secret',
  order: 20,
  // Templates name secrets as the secrets API does (`{{ secrets.API_TOKEN }}`), so the names follow its rule.
  name: SecretName,
  spec,
  references: () => [],
};
