import type { Context, MiddlewareHandler } from 'hono';
import { getCookie } from 'hono/cookie';
import { getConnInfo } from '@hono/node-server/conninfo';
import { ForbiddenError, UnauthorizedError } from '../kernel/errors.ts';
import { actorOf, runAs, type Actor } from './audit.ts';
import { authorize, type Caller } from './authorize.ts';
import { checkScope, scopeTarget, type ScopeDecision, type ScopeFacts, type ScopedRequest } from './scope.ts';
import type { AccessService } from './service.ts';

export const SESSION_COOKIE = 'vigil_session';
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export type RequestCaller = Caller & { via: 'session' | 'token'; sessionId?: string };

export interface AccessMiddlewareOptions {
  /** Where every /api/v1 route is mounted, stripped before the route rules are read. */
  prefix: string;
  /** Believe X-Forwarded-For from a proxy in front of Vigil (the address audit entries record). */
  trustProxy?: boolean;
  /** What group-scoped grants are checked against; without it a scoped grant allows nothing. */
  scopeFacts?: ScopeFacts;
}

/** The caller's address: the socket's, or the proxy's X-Forwarded-For when it is trusted. */
export function clientAddress(c: Context, trustProxy: boolean): string {
  const forwarded = trustProxy ? c.req.header('x-forwarded-for')?.split(',')[0]?.trim() : undefined;
  if (forwarded) return forwarded;
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown'; // no socket (a request made in-process)
  }
}

/**
 * Runs before every /api/v1 route: finds the caller (bearer token or session cookie), refuses what
 * authorize() refuses, and refuses cookie-authenticated writes from another origin (CSRF: the
 * Fetch standard's Origin and Sec-Fetch-Site headers, which every browser sends on such writes).
 */
export function accessMiddleware(access: AccessService, options: AccessMiddlewareOptions): MiddlewareHandler {
  // Once a user exists there is always one (the last admin cannot delete or demote themselves).
  let usersExist = false;
  return async (c, next) => {
    const caller = await callerOf(c, access);
    const path = c.req.path.startsWith(options.prefix) ? c.req.path.slice(options.prefix.length) || '/' : c.req.path;
    const decision = authorize(caller, c.req.method, path);
    if (!decision.allowed) {
      if (decision.status === 403) throw new ForbiddenError(decision.reason);
      usersExist ||= await access.hasUsers();
      if (!usersExist) {
        throw new UnauthorizedError(
          'Vigil has no admin yet: open the setup link it printed at start (…/setup?token=…), or start it with VIGIL_ADMIN_EMAIL and VIGIL_ADMIN_PASSWORD',
        );
      }
      throw new UnauthorizedError(decision.reason);
    }
    if (decision.scope) {
      const body = WRITES.has(c.req.method) ? await c.req.json().catch(() => undefined) : undefined;
      const scoped = await checkScopedRequest({ method: c.req.method, path, query: c.req.query(), body }, decision.scope, options.scopeFacts);
      if (!scoped.allowed) throw new ForbiddenError(scoped.reason);
    }
    if (caller?.via === 'session' && WRITES.has(c.req.method) && crossOrigin(c)) {
      throw new ForbiddenError('Cross-origin request refused: a write signed in by cookie must come from Vigil’s own pages (or use an API token)');
    }
    if (!caller) return next();
    c.set('caller' as never, caller as never);
    // Every change made while answering is audited as this caller (and, asked by an AI tool, says so).
    const actor = actorOf(caller, clientAddress(c, options.trustProxy ?? false));
    const via = viaOf(c);
    await runAs(via ? { ...actor, via } : actor, next);
  };
}

/**
 * Whether `caller` may make `request` (its path under /api/v1), decided exactly as the middleware
 * decides it: for callers that reach a route's service another way (the AI tools).
 */
export async function mayRequest(caller: Caller, request: ScopedRequest, scopeFacts?: ScopeFacts): Promise<ScopeDecision> {
  const decision = authorize(caller, request.method, request.path);
  if (!decision.allowed) return decision;
  if (!decision.scope) return { allowed: true };
  return checkScopedRequest(request, decision.scope, scopeFacts);
}

function checkScopedRequest(request: ScopedRequest, scope: string[], scopeFacts: ScopeFacts | undefined): Promise<ScopeDecision> {
  if (!scopeFacts) return Promise.resolve({ allowed: false, reason: 'Group-scoped roles are not available here' });
  return checkScope(scopeTarget(request), scope, scopeFacts);
}

/**
 * What an in-process request was made through (`mcp`: an AI tool), from the server's own request
 * environment: a header would let any caller claim it.
 */
export const VIA_KEY = 'vigilVia';

function viaOf(c: Context): Actor['via'] {
  const env = c.env as Record<string, unknown> | undefined;
  return env?.[VIA_KEY] === 'mcp' ? 'mcp' : undefined;
}

/** The caller this request was authorized as (routes that need one run after the middleware). */
export function requestCaller(c: Context): RequestCaller {
  const caller = c.get('caller' as never) as RequestCaller | undefined;
  if (!caller) throw new UnauthorizedError('Sign in first');
  return caller;
}

async function callerOf(c: Context, access: AccessService): Promise<RequestCaller | undefined> {
  const header = c.req.header('authorization');
  if (header !== undefined) {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    // A credential that was sent but does not work is an error, never a silent anonymous request.
    const caller = match ? await access.callerOfToken(match[1]!) : undefined;
    if (!caller) throw new UnauthorizedError('The API token is not valid (unknown, expired, revoked, or its user is disabled)');
    return { ...caller, via: 'token' };
  }
  const sessionId = getCookie(c, SESSION_COOKIE);
  if (!sessionId) return undefined;
  const caller = await access.callerOfSession(sessionId);
  return caller ? { ...caller, via: 'session', sessionId } : undefined;
}

/** Sec-Fetch-Site says cross-site/same-site, or Origin names another origin than the one asked. */
function crossOrigin(c: Context): boolean {
  const site = c.req.header('sec-fetch-site');
  if (site && site !== 'same-origin' && site !== 'none') return true;
  const origin = c.req.header('origin');
  if (!origin) return false;
  const host = c.req.header('x-forwarded-host') ?? c.req.header('host');
  try {
    return new URL(origin).host !== host;
  } catch {
    return true;
  }
}
