import { describe, expect, it } from 'vitest';
import { claimValues, planSignIn, roleFromClaims, type KnownUser, type SsoIdentity, type SsoPlan, type SsoPolicy } from './oidc-plan.ts';
import type { Role } from './roles.ts';

const MAP = [
  { value: 'vigil-admins', role: 'admin' as const },
  { value: 'vigil-editors', role: 'editor' as const },
  { value: 'everyone', role: 'viewer' as const },
];

describe('claimValues', () => {
  const rows: { name: string; claims: Record<string, unknown>; path: string; expected: string[] }[] = [
    { name: 'an array of strings', claims: { groups: ['a', 'b'] }, path: 'groups', expected: ['a', 'b'] },
    { name: 'a single string', claims: { groups: 'a' }, path: 'groups', expected: ['a'] },
    { name: 'the strings of a mixed array', claims: { groups: ['a', 3, null, { b: 1 }] }, path: 'groups', expected: ['a'] },
    { name: 'a nested path (Keycloak realm roles)', claims: { realm_access: { roles: ['x'] } }, path: 'realm_access.roles', expected: ['x'] },
    { name: 'a claim whose name has dots, before any nesting', claims: { 'https://vigil.test/roles': ['r'] }, path: 'https://vigil.test/roles', expected: ['r'] },
    { name: 'nothing for a missing claim', claims: {}, path: 'groups', expected: [] },
    { name: 'nothing for a path through a non-object', claims: { realm_access: 'x' }, path: 'realm_access.roles', expected: [] },
    { name: 'nothing for a number or an object', claims: { groups: { admin: true } }, path: 'groups', expected: [] },
  ];
  for (const row of rows) it(row.name, () => expect(claimValues(row.claims, row.path)).toEqual(row.expected));
});

describe('roleFromClaims', () => {
  const rows: { name: string; values: string[]; defaultRole: Role | null; expected: Role | null }[] = [
    { name: 'the highest matching role wins, whatever the order', values: ['everyone', 'vigil-admins', 'vigil-editors'], defaultRole: null, expected: 'admin' },
    { name: 'an editor who is also everyone', values: ['everyone', 'vigil-editors'], defaultRole: null, expected: 'editor' },
    { name: 'no match and no default: none', values: ['other'], defaultRole: null, expected: null },
    { name: 'no match: the default', values: [], defaultRole: 'viewer', expected: 'viewer' },
    { name: 'a match above the default', values: ['vigil-editors'], defaultRole: 'viewer', expected: 'editor' },
    { name: 'values match exactly, case included', values: ['Vigil-Admins'], defaultRole: null, expected: null },
  ];
  for (const row of rows) it(row.name, () => expect(roleFromClaims(row.values, MAP, row.defaultRole)).toBe(row.expected));
});

describe('planSignIn', () => {
  const identity: SsoIdentity = { issuer: 'https://sso.test', subject: 'sub-1', email: 'ann@vigil.test', emailVerified: true, name: 'Ann', roleValues: ['vigil-editors'] };
  const user = (fields: Partial<KnownUser> = {}): KnownUser => ({ id: 'u1', role: 'viewer', grants: [], disabled: false, oidcSubject: null, ...fields });
  const mapped: SsoPolicy = { roleClaim: 'groups', roleMap: MAP, defaultRole: null, autoCreate: true };
  const unmapped: SsoPolicy = { ...mapped, roleMap: [], defaultRole: 'viewer' };
  const refused = (reason: RegExp) => expect.objectContaining({ action: 'refuse', reason: expect.stringMatching(reason) });

  const rows: { name: string; identity?: Partial<SsoIdentity>; linked?: KnownUser; sameEmail?: KnownUser; policy: SsoPolicy; expected: SsoPlan | unknown }[] = [
    { name: 'a linked user signs in with the role the claims give now', linked: user({ oidcSubject: 'sub-1' }), policy: mapped, expected: { action: 'sign-in', userId: 'u1', link: false, role: 'editor' } },
    { name: 'a linked user keeps their role when the provider does not rule roles', linked: user({ oidcSubject: 'sub-1', role: 'admin' }), policy: unmapped, expected: { action: 'sign-in', userId: 'u1', link: false } },
    { name: 'a linked user whose groups no longer match is refused', identity: { roleValues: ['left-the-team'] }, linked: user({ oidcSubject: 'sub-1' }), policy: mapped, expected: refused(/no role claim matched/) },
    { name: 'a user without a role but with grants still signs in', identity: { roleValues: [] }, linked: user({ oidcSubject: 'sub-1', role: null, grants: [{ role: 'editor', groupIds: ['g'] }] }), policy: mapped, expected: { action: 'sign-in', userId: 'u1', link: false, role: null } },
    { name: 'a disabled user is refused', linked: user({ oidcSubject: 'sub-1', disabled: true }), policy: mapped, expected: refused(/disabled/) },
    { name: 'a user with the same verified email is linked', sameEmail: user(), policy: mapped, expected: { action: 'sign-in', userId: 'u1', link: true, role: 'editor' } },
    { name: 'linking works with auto-create off', sameEmail: user(), policy: { ...unmapped, autoCreate: false }, expected: { action: 'sign-in', userId: 'u1', link: true } },
    { name: 'an unverified email is never linked', identity: { emailVerified: false }, sameEmail: user(), policy: mapped, expected: refused(/not verified/) },
    { name: 'a user linked to another identity is not taken over', sameEmail: user({ oidcSubject: 'someone-else' }), policy: mapped, expected: refused(/linked to another identity/) },
    { name: 'a new user is created with the mapped role', policy: mapped, expected: { action: 'create', email: 'ann@vigil.test', name: 'Ann', role: 'editor' } },
    { name: 'a new user gets the default role when there is no map', identity: { name: undefined }, policy: unmapped, expected: { action: 'create', email: 'ann@vigil.test', name: '', role: 'viewer' } },
    { name: 'a new user matching no mapping, with no default, is refused', identity: { roleValues: ['other'] }, policy: mapped, expected: refused(/no default role/) },
    { name: 'a new user is refused when auto-create is off', policy: { ...mapped, autoCreate: false }, expected: refused(/auto-create is off/) },
    { name: 'a new user without an email is refused', identity: { email: undefined }, policy: mapped, expected: refused(/no email/) },
  ];
  for (const row of rows) {
    it(row.name, () => expect(planSignIn({ ...identity, ...row.identity }, row.linked, row.sameEmail, row.policy)).toEqual(row.expected));
  }
});
