import type { Context } from 'hono';
import { setCookie } from 'hono/cookie';
import { SESSION_COOKIE } from './middleware.ts';

/** What a request says about the browser behind it; a proxy's X-Forwarded-* headers only when it is trusted. */

export function isHttps(c: Context, trustProxy: boolean): boolean {
  return new URL(c.req.url).protocol === 'https:' || (trustProxy && c.req.header('x-forwarded-proto') === 'https');
}

/** The origin the browser asked, e.g. `https://vigil.example.com`. */
export function requestOrigin(c: Context, trustProxy: boolean): string {
  const url = new URL(c.req.url);
  const host = (trustProxy && c.req.header('x-forwarded-host')?.split(',')[0]?.trim()) || url.host;
  return `${isHttps(c, trustProxy) ? 'https' : url.protocol.slice(0, -1)}://${host}`;
}

/** The HTTP-only session cookie, as every way of signing in sets it. */
export function setSessionCookie(c: Context, sessionId: string, options: { sessionIdleMs: number; trustProxy: boolean }): void {
  setCookie(c, SESSION_COOKIE, sessionId, {
    httpOnly: true,
    sameSite: 'Lax',
    path: '/',
    secure: isHttps(c, options.trustProxy),
    maxAge: Math.floor(options.sessionIdleMs / 1000),
  });
}
