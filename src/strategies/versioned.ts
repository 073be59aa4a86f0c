import type { z } from 'zod';
import { issueDetails, plainMessage } from '../kernel/validation-messages.ts';

/**
 * Versioned configuration schemas (SPEC §2.3).
 *
 * A stored strategy or collector config carries its schema version inside
 * itself as the optional integer key `version`; a config without it was
 * written before versioning existed and is therefore v1. Reading a config
 * runs it through the declared migration chain up to the current version and
 * only then validates it strictly, so old rows keep working after a schema
 * changes shape and a typo never silently becomes a default.
 */

export interface Migration {
  from: number;
  to: number;
  description: string;
  /** Must be idempotent: re-running it on its own output changes nothing. */
  migrate(old: Record<string, unknown>): Record<string, unknown>;
}

export interface VersionedSchema<T> {
  /** The current version; the chain of `migrations` must end here. */
  version: number;
  /** Strict schema of the current version, without the `version` key. */
  schema: z.ZodType<T>;
  migrations: Migration[];
}

export type Versioned<T> = T & { version: number };

export interface ConfigIssue {
  path: (string | number)[];
  message: string;
}

export type MigrationResult<T> = { ok: true; config: Versioned<T> } | { ok: false; errors: ConfigIssue[] };

/**
 * Checks at boot that `vs.migrations` lead from v1 to `vs.version` one step
 * after the other, so a broken chain stops the process naming its owner
 * instead of failing on the first stored config at 3 a.m.
 */
export function assertMigrationChain(ownerId: string, vs: VersionedSchema<unknown>): void {
  if (!Number.isInteger(vs.version) || vs.version < 1) {
    throw new Error(`${ownerId}: config version must be a positive integer, got ${String(vs.version)}`);
  }
  let expectedFrom = 1;
  for (const [index, migration] of vs.migrations.entries()) {
    if (migration.from !== expectedFrom) {
      const problem = migration.from > expectedFrom ? 'gap' : 'wrong order';
      throw new Error(
        `${ownerId}: broken config migration chain (${problem}): migration #${index + 1} goes from v${migration.from} to v${migration.to}, expected one from v${expectedFrom}`,
      );
    }
    if (migration.to !== migration.from + 1) {
      throw new Error(
        `${ownerId}: broken config migration chain: migration #${index + 1} goes from v${migration.from} to v${migration.to}, expected v${migration.from + 1}`,
      );
    }
    expectedFrom = migration.to;
  }
  if (expectedFrom !== vs.version) {
    throw new Error(
      `${ownerId}: broken config migration chain: migrations end at v${expectedFrom} but the current version is v${vs.version}`,
    );
  }
}

/** Migrates a stored config to the current version, then validates it strictly. */
export function migrateConfig<T>(vs: VersionedSchema<T>, raw: unknown): MigrationResult<T> {
  const upgraded = upgradeConfig(vs, raw);
  if (!upgraded.ok) return upgraded;
  return validateConfig(vs, upgraded.body);
}

/** Runs the migration chain only: the current version's shape, not yet validated (nor defaulted). */
export function upgradeConfig(vs: VersionedSchema<unknown>, raw: unknown): { ok: true; body: Record<string, unknown> } | { ok: false; errors: ConfigIssue[] } {
  if (raw === undefined || raw === null) raw = {};
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, errors: [{ path: [], message: 'Expected an object' }] };
  }
  const { version: storedVersion, ...body } = raw as Record<string, unknown>;
  const version = storedVersion ?? 1;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    return { ok: false, errors: [{ path: ['version'], message: 'Expected a positive integer version' }] };
  }
  if (version > vs.version) {
    return {
      ok: false,
      errors: [{ path: ['version'], message: `Config version ${version} is newer than the supported version ${vs.version}` }],
    };
  }

  let migrated: Record<string, unknown> = body;
  for (const migration of vs.migrations) {
    if (migration.from >= version) migrated = migration.migrate(migrated);
  }
  return { ok: true, body: migrated };
}

/** Strict validation of an already current config body. */
export function validateConfig<T>(vs: VersionedSchema<T>, body: Record<string, unknown>): MigrationResult<T> {
  const parsed = vs.schema.safeParse(body, { error: plainMessage });
  if (!parsed.success) {
    return {
      ok: false,
      errors: issueDetails(parsed.error.issues).map((issue) => ({
        path: issue.path.map((segment) => (typeof segment === 'symbol' ? String(segment) : segment)),
        message: issue.message,
      })),
    };
  }
  return { ok: true, config: { ...parsed.data, version: vs.version } };
}
