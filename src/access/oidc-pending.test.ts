import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { isSameSitePath, openPendingLogin, pendingLoginKey, sealPendingLogin, type PendingLogin } from './oidc-pending.ts';

const key = pendingLoginKey(randomBytes(32));
const now = Date.parse('2026-01-01T00:00:00Z');
const pending: PendingLogin = { state: 's', nonce: 'n', codeVerifier: 'v', returnTo: '/systems', redirectUri: 'http://127.0.0.1/api/v1/auth/oidc/callback', expiresAt: now + 600_000 };
const sealed = sealPendingLogin(pending, key);

describe('the pending sign-in cookie', () => {
  it('opens what it sealed, until it expires', () => {
    expect(openPendingLogin(sealed, key, now)).toEqual(pending);
    expect(openPendingLogin(sealed, key, pending.expiresAt)).toBe('expired');
  });

  const forged = (text: string) => expect(openPendingLogin(text, key, now)).toBe('forged');
  it('refuses a payload changed without the key (another return path, a longer life)', () => {
    const [, signature] = sealed.split('.');
    forged(`${Buffer.from(JSON.stringify({ ...pending, returnTo: '/users' })).toString('base64url')}.${signature}`);
    forged(`${Buffer.from(JSON.stringify({ ...pending, expiresAt: now * 2 })).toString('base64url')}.${signature}`);
  });
  it('refuses a cookie sealed under another key', () => forged(sealPendingLogin(pending, pendingLoginKey(randomBytes(32)))));
  it('refuses garbage, a truncated signature and extra parts', () => {
    for (const text of ['x', 'x.', '.y', `${sealed}.more`, sealed.slice(0, -4)]) forged(text);
  });
  it('says when there is none', () => expect(openPendingLogin(undefined, key, now)).toBe('missing'));
  it('derives its key: never the secret key itself, and another for another secret key', () => {
    const secret = randomBytes(32);
    expect(pendingLoginKey(secret).equals(secret)).toBe(false);
    expect(pendingLoginKey(secret).equals(pendingLoginKey(randomBytes(32)))).toBe(false);
    expect(pendingLoginKey(secret).equals(pendingLoginKey(secret))).toBe(true);
  });
});

describe('isSameSitePath', () => {
  const rows: { path: string; expected: boolean }[] = [
    { path: '/', expected: true },
    { path: '/systems/1?tab=runs#latest', expected: true },
    { path: '/a//b', expected: true },
    { path: '//evil.test/x', expected: false },
    { path: '/\\evil.test', expected: false },
    { path: '/\t/evil.test', expected: false },
    { path: 'https://evil.test/', expected: false },
    { path: 'javascript:alert(1)', expected: false },
    { path: 'systems', expected: false },
    { path: '', expected: false },
  ];
  for (const row of rows) it(`${row.expected ? 'takes' : 'refuses'} ${JSON.stringify(row.path)}`, () => expect(isSameSitePath(row.path)).toBe(row.expected));
});
