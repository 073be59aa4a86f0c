import { ConflictError, ValidationError } from '../kernel/errors.ts';
import { withArticle } from '../kernel/words.ts';

interface PgError {
  code?: string;
  constraint?: string;
  detail?: string;
}

/** What a unique index protects, in the caller's words: index name → field. */
const uniqueFields: Record<string, { resource: string; field: string }> = {
  systems_name_key: { resource: 'system', field: 'name' },
  groups_name_key: { resource: 'group', field: 'name' },
  environments_name_key: { resource: 'environment', field: 'name' },
  configurations_name_key: { resource: 'configuration', field: 'name' },
  secrets_name_key: { resource: 'secret', field: 'name' },
  assignments_system_configuration_key: { resource: 'assignment', field: 'configurationId' },
  slos_name_key: { resource: 'service-level objective', field: 'name' },
  automation_rules_name_key: { resource: 'automation rule', field: 'name' },
  satellites_name_key: { resource: 'satellite', field: 'name' },
  users_email_key: { resource: 'user', field: 'email' },
};

/**
 * Turns the constraint violations a caller can cause into domain errors; anything else is rethrown
 * as it is. Race-free: the database, not a prior SELECT, decides what is a duplicate.
 */
export function translateDbError(error: unknown): never {
  const pgError = ((error as { cause?: unknown })?.cause ?? error) as PgError;
  if (pgError.code === '23505' && pgError.constraint) {
    const known = uniqueFields[pgError.constraint];
    if (known) {
      const message =
        known.resource === 'assignment'
          ? 'this configuration is already assigned to this system'
          : known.field === 'email'
            ? 'a user with this email already exists (emails are unique, ignoring case)'
            : `${withArticle(known.resource)} with this name already exists (names are unique, ignoring case)`;
      throw new ConflictError(`Conflict: ${message}`, [{ path: known.field, message }]);
    }
  }
  if (pgError.code === '23503') {
    throw new ValidationError([{ path: '', message: `refers to something that does not exist (${pgError.detail ?? pgError.constraint})` }]);
  }
  throw error;
}

/** Socket-level failures: the server is not there, or went away mid-conversation. */
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOENT', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/** PostgreSQL's own: shutting down or starting (57P01–57P03), connection exceptions (08…), disk full (53100), out of memory or connections (53200, 53300). */
const UNAVAILABLE_STATES = /^(57P0[123]|08...|53100|53200|53300)$/;
/** What pg says, without a code, when a connection ends or cannot be had in time. */
const UNAVAILABLE_MESSAGES = /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection ended unexpectedly/i;

/**
 * Pure: whether `error` says the database cannot be used right now (down, restarting, unreachable,
 * out of disk) — a state that passes, where a retry later succeeds — rather than that this
 * statement is wrong. Runs are held through the first and never through the second.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const { code, message } = ((error as { cause?: unknown })?.cause ?? error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string' && (UNREACHABLE_CODES.has(code) || UNAVAILABLE_STATES.test(code))) return true;
  return typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message);
}
