import { z } from 'zod';
import { SECRET_NAME_PATTERN, SECRET_NAME_RULE } from '../kernel/secret-name.ts';

const Timestamp = z.string().meta({ format: 'date-time' });

export const SecretName = z.string().regex(SECRET_NAME_PATTERN, SECRET_NAME_RULE).meta({ example: 'payments-token' });

// Messages here must never quote the input: it is a secret.
const SecretValue = z
  .string({ message: 'expected the secret value as a string' })
  .min(1, 'expected a non-empty value')
  .max(65_536, 'expected at most 65536 characters')
  .meta({ description: 'Write-only: never returned by any API, log or export', writeOnly: true });

export const SecretInput = z.object({ name: SecretName, value: SecretValue }).strict().meta({ id: 'SecretInput' });
export const SecretValueInput = z.object({ value: SecretValue }).strict().meta({ id: 'SecretValueInput' });

/** What the API says about a secret: never its value. */
export const Secret = z.object({ name: z.string(), createdAt: Timestamp, updatedAt: Timestamp }).meta({ id: 'Secret' });

export type SecretInput = z.infer<typeof SecretInput>;
export type Secret = z.infer<typeof Secret>;
