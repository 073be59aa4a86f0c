import type { CollectorConfigBase } from '../strategies/types.ts';
import { upgradeConfig, validateConfig, type ConfigIssue, type VersionedSchema } from '../strategies/versioned.ts';
import { isTemplatable, secretOf, templatedStrings, variableProblem, variablesIn } from './templating.ts';

/**
 * One stored config, as planning sees it (SPEC §2.3, §7.3): migrated, its templates checked, then
 * validated strictly. A template in a field that is not templatable is reported once, in words,
 * rather than as the type error the strict schema would give (a templated port is not a number).
 */

export interface ConfigCheckOptions {
  /** Whether a secret exists (by any case of its name); absent: secret references are not checked. */
  secretExists?: (name: string) => boolean;
}

export type ConfigCheck<T> = { ok: true; config: T; secrets: string[] } | { ok: false; errors: ConfigIssue[] };

export function checkConfig<T>(vs: VersionedSchema<T>, templatable: readonly string[], raw: unknown, options: ConfigCheckOptions = {}): ConfigCheck<T> {
  const upgraded = upgradeConfig(vs, raw);
  if (!upgraded.ok) return upgraded;

  const errors: ConfigIssue[] = [];
  const secrets = new Set<string>();
  const templated = templatedStrings(upgraded.body);
  for (const { path, text } of templated) {
    if (!isTemplatable(path, templatable)) {
      const where = templatable.length ? `only in: ${templatable.join(', ')}` : 'in none of its fields';
      errors.push({ path, message: `Templates ({{ … }}) are not supported in this field; this config renders them ${where}` });
      continue;
    }
    const { variables, unterminated } = variablesIn(text);
    if (unterminated) errors.push({ path, message: 'Unterminated template: a "{{" has no closing "}}"' });
    for (const variable of variables) {
      const problem = variableProblem(variable);
      if (problem !== undefined) {
        errors.push({ path, message: problem });
        continue;
      }
      const secret = secretOf(variable);
      if (secret !== undefined) secrets.add(secret.toLowerCase());
      if (secret !== undefined && options.secretExists && !options.secretExists(secret)) errors.push({ path, message: missingSecret(secret) });
    }
  }

  const validated = validateConfig(vs, upgraded.body);
  if (!validated.ok) {
    const reported = new Set(templated.filter(({ path }) => !isTemplatable(path, templatable)).map(({ path }) => path.join('.')));
    errors.push(...validated.errors.filter((issue) => !reported.has(issue.path.join('.'))));
  } else {
    for (const [variable, secret] of Object.entries(secretEnvOf(validated.config))) {
      secrets.add(secret.toLowerCase());
      if (options.secretExists && !options.secretExists(secret)) errors.push({ path: ['secretEnv', variable], message: missingSecret(secret) });
    }
  }
  if (errors.length > 0 || !validated.ok) return { ok: false, errors };
  return { ok: true, config: validated.config, secrets: [...secrets] };
}

/** A strategy or collector config's `secretEnv` (environment variable → secret name, SPEC §2.7), `{}` when it has none. */
export function secretEnvOf(config: unknown): Record<string, string> {
  return (config as CollectorConfigBase | null)?.secretEnv ?? {};
}

function missingSecret(name: string): string {
  return `Secret "${name}" does not exist; create it first (POST /api/v1/secrets)`;
}
