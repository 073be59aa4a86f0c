/**
 * Errors a caller can act on, thrown by services and turned into 4xx responses (or CLI messages)
 * at the edge. Anything else that escapes is a bug: logged with context, answered with a 500.
 */
export interface ErrorDetail {
  path: string;
  message: string;
}

export abstract class DomainError extends Error {
  abstract readonly code: string;
  constructor(
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
  }
}

export class NotFoundError extends DomainError {
  readonly code = 'not_found';
  /** `field`: what the caller identified it by (`id`, or e.g. `name` for secrets). */
  constructor(resource: string, id: string, field = 'id') {
    super(`${resource} ${id} not found`, [{ path: field, message: `no ${resource.toLowerCase()} with ${field} ${id}` }]);
  }
}

/** Answered 409; `code` is `conflict` unless the caller is meant to tell this one apart (`incident_resolved`). */
export class ConflictError extends DomainError {
  constructor(
    message: string,
    details: ErrorDetail[] = [],
    readonly code: string = 'conflict',
  ) {
    super(message, details);
  }
}

/** No known caller, or credentials that do not work. Never says which part was wrong. */
export class UnauthorizedError extends DomainError {
  readonly code = 'unauthorized';
}

/** A known caller whose role (or grant) is too small for what was asked. */
export class ForbiddenError extends DomainError {
  readonly code = 'forbidden';
}

/** Too many attempts: the caller may try again after `retryAfterSeconds` (the Retry-After header). */
export class TooManyRequestsError extends DomainError {
  readonly code = 'too_many_requests';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

export class ValidationError extends DomainError {
  readonly code = 'validation_failed';
  constructor(details: ErrorDetail[]) {
    super(`Invalid input: ${details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; ')}`, details);
  }
}

/** Zod-style paths (['collectors', 0, 'config']) as the dotted form in error details (`collectors.0.config`). */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.map(String).join('.');
}

/** A reason Vigil cannot start that the person starting it can fix: printed as one line, exit 1, no stack. */
export class StartError extends Error {}
