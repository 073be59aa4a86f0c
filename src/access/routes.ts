import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { deleteCookie } from 'hono/cookie';
import { ErrorBody, IdParam, PageQuery, createRouter, errorResponses, jsonBody, jsonResponse, z } from '../api/openapi.ts';
import { UnauthorizedError } from '../kernel/errors.ts';
import type { Logger } from '../kernel/log.ts';
import type { LoginLimiter } from './login-limit.ts';
import { runAs } from './audit.ts';
import { SESSION_COOKIE, clientAddress, requestCaller } from './middleware.ts';
import { ApiToken, AuditEntry, CreatedToken, LoginInput, Me, PasswordChange, SetupInput, TokenInput, User, UserInput, UserPatch } from './model.ts';
import type { AccessService } from './service.ts';
import { setSessionCookie } from './session-cookie.ts';

export interface AccessHttpOptions {
  /** A session unused this long ends; the cookie lives as long. */
  sessionIdleMs: number;
  /** Believe `X-Forwarded-Proto: https` from a proxy in front of Vigil. */
  trustProxy: boolean;
  limiter: LoginLimiter;
  /** Sign-ins (and failed ones), setup, tokens and password changes are logged: who and from where, never a credential. */
  log: Logger;
}

const signedIn = { 401: errorResponses[401] };

const setup = createRoute({
  method: 'post', path: '/auth/setup', operationId: 'setupFirstAdmin', tags: ['Access'], security: [],
  summary: 'Create the first admin with the one-time token from the setup link, and sign in',
  request: jsonBody(SetupInput),
  responses: { 201: jsonResponse(User, 'The admin, signed in (session cookie set)'), 400: errorResponses[400], ...signedIn },
});
const login = createRoute({
  method: 'post', path: '/auth/login', operationId: 'login', tags: ['Access'], security: [],
  summary: 'Sign in with email and password: sets an HTTP-only session cookie',
  request: jsonBody(LoginInput),
  responses: {
    200: jsonResponse(z.object({ user: User }), 'Signed in (session cookie set)'),
    400: errorResponses[400],
    ...signedIn,
    429: { description: 'Too many failed sign-ins from this address or for this account (10 per 15 min); see Retry-After', content: { 'application/json': { schema: ErrorBody } } },
  },
});
const logout = createRoute({
  method: 'post', path: '/auth/logout', operationId: 'logout', tags: ['Access'],
  summary: 'End this session', responses: { 204: { description: 'Signed out' }, ...signedIn },
});
const me = createRoute({
  method: 'get', path: '/auth/me', operationId: 'getMe', tags: ['Access'],
  summary: 'Who is calling, with which role', responses: { 200: jsonResponse(Me, 'The caller'), ...signedIn },
});
const password = createRoute({
  method: 'put', path: '/auth/password', operationId: 'changePassword', tags: ['Access'],
  summary: 'Change your password (ends all your sessions)',
  request: jsonBody(PasswordChange),
  responses: { 204: { description: 'Changed; sign in again' }, 400: errorResponses[400], ...signedIn },
});
const listTokens = createRoute({
  method: 'get', path: '/tokens', operationId: 'listTokens', tags: ['Access'],
  summary: 'Your API tokens (never the tokens themselves)', responses: { 200: jsonResponse(z.object({ items: z.array(ApiToken) }), 'Your tokens'), ...signedIn },
});
const createToken = createRoute({
  method: 'post', path: '/tokens', operationId: 'createToken', tags: ['Access'],
  summary: 'Create an API token (shown once; its role is at most yours)',
  request: jsonBody(TokenInput),
  responses: { 201: jsonResponse(CreatedToken, 'The token, shown this once'), 400: errorResponses[400], ...signedIn, 403: errorResponses[403] },
});
const revokeToken = createRoute({
  method: 'delete', path: '/tokens/{id}', operationId: 'revokeToken', tags: ['Access'],
  summary: 'Revoke an API token at once (yours; admins: anyone’s)',
  request: { params: IdParam },
  responses: { 204: { description: 'Revoked' }, 404: errorResponses[404], ...signedIn },
});
const listUsers = createRoute({
  method: 'get', path: '/users', operationId: 'listUsers', tags: ['Users'],
  summary: 'List users (admin)', responses: { 200: jsonResponse(z.object({ items: z.array(User) }), 'Every user'), ...signedIn, 403: errorResponses[403] },
});
const createUser = createRoute({
  method: 'post', path: '/users', operationId: 'createUser', tags: ['Users'],
  summary: 'Create a user (admin)', request: jsonBody(UserInput),
  responses: { 201: jsonResponse(User, 'The user'), 400: errorResponses[400], ...signedIn, 403: errorResponses[403], 409: errorResponses[409] },
});
const getUser = createRoute({
  method: 'get', path: '/users/{id}', operationId: 'getUser', tags: ['Users'],
  summary: 'Get a user (admin)', request: { params: IdParam },
  responses: { 200: jsonResponse(User, 'The user'), 404: errorResponses[404], ...signedIn, 403: errorResponses[403] },
});
const updateUser = createRoute({
  method: 'patch', path: '/users/{id}', operationId: 'updateUser', tags: ['Users'],
  summary: 'Change a user: role, name, email, password, or disable them (their sessions end) (admin)',
  request: { params: IdParam, ...jsonBody(UserPatch) },
  responses: { 200: jsonResponse(User, 'The user'), 400: errorResponses[400], 404: errorResponses[404], 409: errorResponses[409], ...signedIn, 403: errorResponses[403] },
});
const deleteUser = createRoute({
  method: 'delete', path: '/users/{id}', operationId: 'deleteUser', tags: ['Users'],
  summary: 'Delete a user with their sessions and tokens (admin)', request: { params: IdParam },
  responses: { 204: { description: 'Deleted' }, 404: errorResponses[404], 409: errorResponses[409], ...signedIn, 403: errorResponses[403] },
});

const dateTime = (description: string) =>
  z.iso.datetime({ offset: true, message: 'expected an ISO-8601 date-time' }).optional().openapi({ description });
const audit = createRoute({
  method: 'get', path: '/audit', operationId: 'listAudit', tags: ['Users'],
  summary: 'The audit log, newest first (admin): who changed what, when, from where',
  request: {
    query: PageQuery.extend({
      resourceType: z.string().max(100).optional().openapi({ description: 'e.g. system, configuration, assignment, secret, user, token' }),
      resourceId: z.string().max(200).optional(),
      actor: z.string().max(320).optional().openapi({ description: 'A user id, an email (that user’s changes, also by their tokens), or a system actor (vigil, setup)' }),
      from: dateTime('Entries at or after this time'),
      to: dateTime('Entries at or before this time'),
      changeSet: z.uuid({ message: 'expected a UUID' }).optional().openapi({ description: 'Only the changes of one apply (its changeSet)' }),
    }),
  },
  responses: {
    200: jsonResponse(z.object({ items: z.array(AuditEntry), nextCursor: z.string().nullable() }).openapi('AuditPage'), 'A page of entries'),
    400: errorResponses[400], ...signedIn, 403: errorResponses[403],
  },
});

/** Sign-in, the caller's own tokens and password, users and the audit log (SPEC §8.1). */
export function accessRoutes(access: AccessService, options: AccessHttpOptions) {
  const router = createRouter();
  const { limiter, log } = options;
  const addressOf = (c: Context) => clientAddress(c, options.trustProxy);
  /** Sign-in attempts are counted per address and account; a failure counts, a success clears the account. */
  const throttled = async <T>(c: Context, account: string, attempt: () => Promise<T>): Promise<T> => {
    const address = addressOf(c);
    await limiter.check(address, account);
    try {
      const result = await attempt();
      await limiter.succeeded(account);
      return result;
    } catch (error) {
      if (error instanceof UnauthorizedError) {
        log.info({ account, address }, 'Sign-in failed');
        await limiter.failed(address, account);
      }
      throw error;
    }
  };
  const startSession = (c: Context, sessionId: string) => setSessionCookie(c, sessionId, options);

  router.openapi(setup, async (c) => {
    const { token, email, password: secret } = c.req.valid('json');
    const actor = { kind: 'system', id: 'setup', label: 'first-admin setup link', ip: addressOf(c) } as const;
    const user = await throttled(c, 'setup', () => runAs(actor, () => access.setup(token, email, secret)));
    startSession(c, (await access.login(email, secret)).sessionId);
    log.info({ userId: user.id, email: user.email }, 'First admin created through the setup link');
    return c.json(user, 201);
  });
  router.openapi(login, async (c) => {
    const { email, password: secret } = c.req.valid('json');
    const { sessionId, user } = await throttled(c, email, () => access.login(email, secret));
    startSession(c, sessionId);
    log.info({ userId: user.id, address: addressOf(c) }, 'Signed in');
    return c.json({ user }, 200);
  });
  router.openapi(logout, async (c) => {
    const caller = requestCaller(c);
    if (caller.sessionId) await access.logout(caller.sessionId);
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.body(null, 204);
  });
  router.openapi(me, async (c) => {
    const caller = requestCaller(c);
    return c.json({ user: await access.me(caller), via: caller.via, role: caller.role, grants: caller.grants }, 200);
  });
  router.openapi(password, async (c) => {
    const body = c.req.valid('json');
    await access.changePassword(requestCaller(c), body.current, body.new);
    log.info({ userId: requestCaller(c).userId }, 'Password changed; every session of the user ended');
    deleteCookie(c, SESSION_COOKIE, { path: '/' });
    return c.body(null, 204);
  });
  router.openapi(listTokens, async (c) => c.json({ items: await access.listTokens(requestCaller(c)) }, 200));
  router.openapi(createToken, async (c) => {
    const created = await access.createToken(requestCaller(c), c.req.valid('json'));
    log.info({ userId: requestCaller(c).userId, tokenId: created.id, name: created.name, role: created.role }, 'API token created');
    return c.json(created, 201);
  });
  router.openapi(revokeToken, async (c) => {
    await access.revokeToken(requestCaller(c), c.req.valid('param').id);
    return c.body(null, 204);
  });
  router.openapi(audit, async (c) => {
    const { limit, cursor, from, to, ...filter } = c.req.valid('query');
    return c.json(await access.audit({ ...filter, from: from ? new Date(from) : undefined, to: to ? new Date(to) : undefined }, { limit, cursor }), 200);
  });
  router.openapi(listUsers, async (c) => c.json({ items: await access.listUsers() }, 200));
  router.openapi(createUser, async (c) => c.json(await access.createUser(c.req.valid('json')), 201));
  router.openapi(getUser, async (c) => c.json(await access.getUser(c.req.valid('param').id), 200));
  router.openapi(updateUser, async (c) => c.json(await access.updateUser(requestCaller(c), c.req.valid('param').id, c.req.valid('json')), 200));
  router.openapi(deleteUser, async (c) => {
    await access.deleteUser(requestCaller(c), c.req.valid('param').id);
    return c.body(null, 204);
  });
  return router;
}
