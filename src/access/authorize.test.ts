import { describe, expect, it } from 'vitest';
import { authorize, type Caller } from './authorize.ts';
import type { Role } from './roles.ts';

const as = (role: Role): Caller => ({ kind: 'user', userId: 'u', email: 'u@vigil.test', role, grants: [] });

describe('authorize (SPEC §8.1)', () => {
  const rows: { name: string; caller?: Role; method: string; path: string; expected: 200 | 401 | 403 }[] = [
    { name: 'nobody may sign in', method: 'POST', path: '/auth/login', expected: 200 },
    { name: 'nobody may finish setup', method: 'POST', path: '/auth/setup', expected: 200 },
    { name: 'nobody may ask whether single sign-on is on', method: 'GET', path: '/auth/oidc', expected: 200 },
    { name: 'nobody may start single sign-on', method: 'GET', path: '/auth/oidc/login', expected: 200 },
    { name: 'nobody may come back from the provider', method: 'GET', path: '/auth/oidc/callback', expected: 200 },
    { name: 'single sign-on is public for GET only', method: 'POST', path: '/auth/oidc/callback', expected: 401 },
    { name: 'nothing else under /auth/oidc is public', method: 'GET', path: '/auth/oidc/other', expected: 401 },
    { name: 'nobody may read systems', method: 'GET', path: '/systems', expected: 401 },
    { name: 'nobody may ask who they are', method: 'GET', path: '/auth/me', expected: 401 },
    { name: 'a route nobody listed still needs a caller', method: 'GET', path: '/something-new', expected: 401 },
    { name: 'a viewer reads systems', caller: 'viewer', method: 'GET', path: '/systems/1', expected: 200 },
    { name: 'a viewer reads run history', caller: 'viewer', method: 'GET', path: '/runs', expected: 200 },
    { name: 'a viewer may not create a system', caller: 'viewer', method: 'POST', path: '/systems', expected: 403 },
    { name: 'a viewer may not run a check now', caller: 'viewer', method: 'POST', path: '/assignments/1/run', expected: 403 },
    { name: 'a viewer manages their own tokens', caller: 'viewer', method: 'POST', path: '/tokens', expected: 200 },
    { name: 'a viewer revokes their own token', caller: 'viewer', method: 'DELETE', path: '/tokens/1', expected: 200 },
    { name: 'a viewer changes their password', caller: 'viewer', method: 'PUT', path: '/auth/password', expected: 200 },
    { name: 'a viewer reads secret names', caller: 'viewer', method: 'GET', path: '/secrets', expected: 200 },
    { name: 'an editor changes configurations', caller: 'editor', method: 'PATCH', path: '/configurations/1', expected: 200 },
    { name: 'an editor deletes an environment', caller: 'editor', method: 'DELETE', path: '/environments/1', expected: 200 },
    { name: 'an editor may not write a secret', caller: 'editor', method: 'PUT', path: '/secrets/db-password', expected: 403 },
    { name: 'an editor may not create a secret', caller: 'editor', method: 'POST', path: '/secrets', expected: 403 },
    { name: 'an editor may not list users', caller: 'editor', method: 'GET', path: '/users', expected: 403 },
    { name: 'an admin lists users', caller: 'admin', method: 'GET', path: '/users', expected: 200 },
    { name: 'an admin writes secrets', caller: 'admin', method: 'DELETE', path: '/secrets/x', expected: 200 },
    { name: 'methods are read in any case', caller: 'viewer', method: 'post', path: '/systems', expected: 403 },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const decision = authorize(row.caller ? as(row.caller) : undefined, row.method, row.path);
      expect(decision.allowed ? 200 : decision.status).toBe(row.expected);
    });
  }

  it('says which role was needed and which the caller has', () => {
    expect(authorize(as('viewer'), 'POST', '/systems')).toEqual({ allowed: false, status: 403, reason: 'This needs the editor role; you have viewer' });
  });
});
