import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * A sign-in begun at the provider and not finished yet: kept in the browser's cookie, not in this
 * process, so any API process can finish it. The HMAC makes a cookie Vigil did not write worthless;
 * the state inside it must match the provider's answer, which is what stops a forged callback.
 */
export interface PendingLogin {
  state: string;
  nonce: string;
  codeVerifier: string;
  /** Where to go once signed in: a path on this site. */
  returnTo: string;
  /** The callback URL the provider was given (the code grant must name it again). */
  redirectUri: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

export const PENDING_LOGIN_MS = 10 * 60_000;

/** The cookie's own key, derived from Vigil's secret key so the raw key is used for nothing else. */
export function pendingLoginKey(secretKey: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', secretKey, Buffer.alloc(0), 'vigil/oidc-pending-login/v1', 32));
}

const mac = (key: Buffer, payload: string) => createHmac('sha256', key).update(payload).digest();

export function sealPendingLogin(pending: PendingLogin, key: Buffer): string {
  const payload = Buffer.from(JSON.stringify(pending)).toString('base64url');
  return `${payload}.${mac(key, payload).toString('base64url')}`;
}

/** The pending sign-in, or why there is none usable. */
export function openPendingLogin(text: string | undefined, key: Buffer, now: number): PendingLogin | 'missing' | 'forged' | 'expired' {
  if (!text) return 'missing';
  const [payload, signature, extra] = text.split('.');
  if (!payload || !signature || extra !== undefined) return 'forged';
  const expected = mac(key, payload);
  const given = Buffer.from(signature, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'forged';
  const pending = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as PendingLogin;
  return pending.expiresAt > now ? pending : 'expired';
}

/**
 * A path on this site (`/systems?x=1#top`), never a way off it: `//host`, `/\host`, `https://…`,
 * backslashes and control characters are refused (browsers read some of them as another host).
 */
export function isSameSitePath(text: string): boolean {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (!text.startsWith('/') || text.startsWith('//') || /[\\\u0000-\u001f\u007f]/.test(text)) return false;
  const base = new URL('http://vigil.invalid');
  try {
    return new URL(text, base).origin === base.origin;
  } catch {
    return false;
  }
}
