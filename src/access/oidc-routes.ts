import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { createRouter, errorResponses, jsonResponse, z } from '../api/openapi.ts';
import { TooManyRequestsError, ValidationError } from '../kernel/errors.ts';
import type { Logger } from '../kernel/log.ts';
import type { LoginLimiter } from './login-limit.ts';
import { isSameSitePath } from './oidc-pending.ts';
import { SignInRefused, type OidcService } from './oidc.ts';
import { clientAddress } from './middleware.ts';
import { isHttps, requestOrigin, setSessionCookie } from './session-cookie.ts';

/**
 * Single sign-on over HTTP (issue 17): a browser is sent to the provider and comes back to the
 * callback. Everything that goes wrong on that journey answers with a redirect to
 * `/login?error=<message>`, where the sign-in page shows it: a person, not a program, is there.
 */

/** The pending sign-in (oidc-pending.ts), sent back only to these routes. */
export const PENDING_COOKIE = 'vigil_oidc';

export interface OidcHttpOptions {
  /** A session unused this long ends; the cookie lives as long. */
  sessionIdleMs: number;
  /** Believe X-Forwarded-For/-Proto/-Host from a proxy in front of Vigil. */
  trustProxy: boolean;
  /** Failed callbacks count against the address, as failed password sign-ins do. */
  limiter: LoginLimiter;
  /** Sign-ins and refusals are logged: who and from where, never a code or a token. */
  log: Logger;
  /** VIGIL_PUBLIC_URL: where the provider sends people back; absent: the origin each request came to. */
  publicUrl?: string;
}

const SingleSignOn = z
  .object({
    enabled: z.boolean().meta({ description: 'Whether “Sign in with …” should be offered (GET /api/v1/auth/oidc/login)' }),
    name: z.string().optional().meta({ description: 'The provider’s name for the button (VIGIL_OIDC_NAME)' }),
  })
  .meta({ id: 'SingleSignOn' });

const redirect = (description: string) => ({ description, headers: { Location: { description: 'Where the browser goes next', schema: { type: 'string' as const } } } });
const methodNotAllowed = { ...errorResponses[400], description: 'A method the path does not have (method_not_allowed)' };
const toLoginPage = 'or, when the sign-in fails, to `/login?error=<message>`';

const info = createRoute({
  method: 'get', path: '/auth/oidc', operationId: 'getSingleSignOn', tags: ['Access'], security: [],
  summary: 'Whether single sign-on (OpenID Connect) is configured, for the sign-in page',
  responses: { 200: jsonResponse(SingleSignOn, 'Single sign-on, on or off'), 405: methodNotAllowed },
});
const login = createRoute({
  method: 'get', path: '/auth/oidc/login', operationId: 'startSingleSignOn', tags: ['Access'], security: [],
  summary: 'Sign in with the OpenID provider: redirects there (authorization code flow with PKCE)',
  request: {
    query: z.object({
      returnTo: z
        .string()
        .max(2048, 'expected at most 2048 characters')
        .refine(isSameSitePath, 'expected a path on this site starting with / (e.g. /systems)')
        .optional()
        .meta({ description: 'Where to go once signed in: a path on this site (default /)' }),
    }),
  },
  responses: {
    302: redirect(`To the provider, with a short-lived cookie holding this sign-in’s state, nonce and PKCE verifier; ${toLoginPage}`),
    400: errorResponses[400],
  },
});
const callback = createRoute({
  method: 'get', path: '/auth/oidc/callback', operationId: 'finishSingleSignOn', tags: ['Access'], security: [],
  summary: 'Where the OpenID provider sends the browser back: checks the answer and signs in',
  description:
    'Checks state, nonce and PKCE, exchanges the code, then finds the user by their identity at the provider, else by verified email (linking it), else creates them (VIGIL_OIDC_AUTO_CREATE); roles come from the role claim when VIGIL_OIDC_ROLE_MAP is set. 10 failed callbacks per address in 15 minutes are refused for the rest of the window.',
  parameters: [
    { name: 'code', in: 'query', description: 'The authorization code', schema: { type: 'string' } },
    { name: 'state', in: 'query', description: 'Must match the pending sign-in', schema: { type: 'string' } },
    { name: 'iss', in: 'query', description: 'The issuer (RFC 9207), checked when the provider sends it', schema: { type: 'string' } },
    { name: 'error', in: 'query', description: 'The provider’s refusal, e.g. access_denied', schema: { type: 'string' } },
  ],
  responses: {
    302: redirect(`To the returnTo path, signed in (session cookie set); ${toLoginPage}`),
    400: { ...errorResponses[400], description: 'Neither a code nor an error: not an answer from the provider (validation_failed)' },
  },
});

/** `GET /auth/oidc` always; the sign-in routes only when single sign-on is configured (`oidc`). */
export function oidcRoutes(oidc: OidcService | undefined, options: OidcHttpOptions) {
  const router = createRouter();
  const { limiter, log, trustProxy } = options;
  // Behind a proxy that serves Vigil under a path (https://example.com/vigil), cookies and pages live under it too.
  const publicPath = options.publicUrl ? new URL(options.publicUrl).pathname.replace(/\/$/, '') : '';
  const pendingPath = (c: Context) => `${publicPath}${c.req.path.replace(/\/(login|callback)$/, '')}`;
  const toLogin = (c: Context, message: string) => c.redirect(`${publicPath}/login?error=${encodeURIComponent(message)}`, 302);

  router.openapi(info, (c) => c.json({ enabled: oidc !== undefined, ...(oidc?.name ? { name: oidc.name } : {}) }, 200));
  if (!oidc) return router;

  router.openapi(login, async (c) => {
    const { returnTo = '/' } = c.req.valid('query');
    c.header('Cache-Control', 'no-store');
    const redirectUri = `${options.publicUrl ?? requestOrigin(c, trustProxy)}${c.req.path.replace(/\/login$/, '/callback')}`;
    try {
      const { url, pending, maxAgeSeconds } = await oidc.begin(returnTo, redirectUri);
      setCookie(c, PENDING_COOKIE, pending, { httpOnly: true, sameSite: 'Lax', path: pendingPath(c), secure: isHttps(c, trustProxy), maxAge: maxAgeSeconds });
      return c.redirect(url.href, 302);
    } catch (error) {
      if (!(error instanceof SignInRefused)) throw error;
      log.warn({ reason: error.reason }, 'Could not start a sign-in by SSO');
      return toLogin(c, error.message);
    }
  });

  router.openapi(callback, async (c) => {
    const answer = new URL(c.req.url).searchParams;
    if (!answer.has('code') && !answer.has('error')) {
      throw new ValidationError([{ path: 'code', message: 'expected the provider’s answer: code and state, or error' }]);
    }
    c.header('Cache-Control', 'no-store');
    const pending = getCookie(c, PENDING_COOKIE);
    // One use: whatever happens next, this sign-in is over.
    deleteCookie(c, PENDING_COOKIE, { path: pendingPath(c), secure: isHttps(c, trustProxy) });
    const address = clientAddress(c, trustProxy);
    // Counted per address only: one person's failures must not lock everyone out of SSO.
    const account = `sso:${address}`;
    try {
      await limiter.check(address, account);
      const signedIn = await oidc.complete(answer, pending);
      await limiter.succeeded(account);
      setSessionCookie(c, signedIn.sessionId, options);
      log.info({ userId: signedIn.user.id, address, via: 'sso', user: signedIn.how }, 'Signed in');
      return c.redirect(signedIn.returnTo, 302);
    } catch (error) {
      if (error instanceof TooManyRequestsError) return toLogin(c, error.message);
      if (!(error instanceof SignInRefused)) throw error;
      await limiter.failed(address, account);
      log.info({ address, reason: error.reason }, 'Sign-in by SSO refused');
      return toLogin(c, error.message);
    }
  });
  return router;
}
