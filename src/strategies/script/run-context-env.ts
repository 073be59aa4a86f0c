import type { RunContext } from '../types.ts';

/**
 * The run context as environment variables for scripts (SPEC §2.6):
 * `VIGIL_CHECK_ID` … and one `VIGIL_ENV_<FIELD>` per environment field.
 * Pure, so the naming rules are a table test.
 */
export function runContextEnv(run: RunContext): Record<string, string> {
  const env: Record<string, string> = {
    VIGIL_CHECK_ID: run.check.id,
    VIGIL_CHECK_NAME: run.check.name,
    VIGIL_CHECK_INTERVAL_SECONDS: String(run.check.intervalSeconds),
    VIGIL_SYSTEM_ID: run.system.id,
    VIGIL_SYSTEM_NAME: run.system.name,
  };
  if (!run.environment) return env;
  env.VIGIL_ENV_ID = run.environment.id;
  env.VIGIL_ENV_NAME = run.environment.name;
  for (const [field, value] of Object.entries(run.environment.fields)) {
    const name = environmentFieldName(field);
    // ID and NAME already mean the environment's own id and name.
    if (name === 'ID' || name === 'NAME' || name === '') continue;
    const key = `VIGIL_ENV_${name}`;
    if (key in env) continue;
    env[key] = typeof value === 'string' ? value : JSON.stringify(value);
  }
  return env;
}

/** `baseUrl` → `BASE_URL`, `db-host` → `DB_HOST`, `apiV2Key` → `API_V2_KEY`. */
export function environmentFieldName(field: string): string {
  return field
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1_$2')
    .toUpperCase()
    .replace(/[^A-Z0-9_]/g, '_');
}
