import { atLeast, type Grant, type Role } from './roles.ts';

/**
 * Who a single sign-on is, decided purely from the provider's claims and the users that match
 * them (SPEC §8.1, issue 17): oidc.ts reads the users and carries the plan out.
 */

/** A claim value (e.g. a group) and the role it gives. */
export interface RoleMapping {
  value: string;
  role: Role;
}

export interface SsoPolicy {
  /** The claim holding groups or roles: a name, or a dotted path into nested claims (`realm_access.roles`). */
  roleClaim: string;
  /** Empty: the provider does not decide roles (admins do, in Vigil). */
  roleMap: RoleMapping[];
  /** The role when no mapping matches, and of new users when there is no map; null: none. */
  defaultRole: Role | null;
  /** Create a user on their first sign-in; false: only users an admin created may sign in. */
  autoCreate: boolean;
}

/** What the provider vouched for. */
export interface SsoIdentity {
  issuer: string;
  subject: string;
  email?: string;
  emailVerified: boolean;
  name?: string;
  /** The role claim's values (groups, roles). */
  roleValues: string[];
}

/** A user as the plan needs it. */
export interface KnownUser {
  id: string;
  role: Role | null;
  grants: Grant[];
  disabled: boolean;
  oidcSubject: string | null;
}

export type SsoPlan =
  /** `role` replaces the user's when the provider rules roles (undefined: keep it). */
  | { action: 'sign-in'; userId: string; link: boolean; role?: Role | null }
  | { action: 'create'; email: string; name: string; role: Role }
  /** `message` is for the person signing in; `reason` for the log. */
  | { action: 'refuse'; message: string; reason: string };

const NO_ROLE = 'Vigil has no role for you; ask an admin for access';

/** The claim's strings: a string is one, an array gives its strings, anything else none. */
export function claimValues(claims: Record<string, unknown>, path: string): string[] {
  // A claim whose own name has dots (Auth0's `https://example.com/roles`) wins over the nested reading.
  const value = path in claims ? claims[path] : path.split('.').reduce<unknown>((at, key) => (at && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined), claims);
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  return [];
}

/** The highest role any value maps to; the default when none matches. */
export function roleFromClaims(values: readonly string[], map: readonly RoleMapping[], defaultRole: Role | null): Role | null {
  const held = new Set(values);
  return map.reduce<Role | null>((best, { value, role }) => (held.has(value) && (!best || !atLeast(best, role)) ? role : best), null) ?? defaultRole;
}

/**
 * The user this identity signs in as: the one linked to it; else the one with its email, linked now
 * when the provider verified that email and the user has no identity yet; else a new user.
 */
export function planSignIn(identity: SsoIdentity, linked: KnownUser | undefined, sameEmail: KnownUser | undefined, policy: SsoPolicy): SsoPlan {
  const mapped = policy.roleMap.length ? roleFromClaims(identity.roleValues, policy.roleMap, policy.defaultRole) : undefined;
  const linkable = !linked && sameEmail && identity.emailVerified && sameEmail.oidcSubject === null ? sameEmail : undefined;
  const user = linked ?? linkable;
  if (user) {
    if (user.disabled) return { action: 'refuse', message: 'Your Vigil account is disabled', reason: 'the user is disabled' };
    const role = mapped === undefined ? user.role : mapped;
    // Grants an admin gave still let a user without a role everywhere in.
    if (role === null && !user.grants.length) return { action: 'refuse', message: NO_ROLE, reason: 'no role claim matched and the user has no grant' };
    return { action: 'sign-in', userId: user.id, link: !linked, ...(mapped === undefined ? {} : { role: mapped }) };
  }
  if (sameEmail) {
    const why = identity.emailVerified ? 'that user is linked to another identity' : 'the provider has not verified the email';
    return { action: 'refuse', message: 'Your email address belongs to another Vigil account; ask an admin', reason: `a user has this email, not linked: ${why}` };
  }
  if (!policy.autoCreate) return { action: 'refuse', message: 'You have no Vigil account; ask an admin to create one with your email address', reason: 'unknown user and auto-create is off' };
  if (!identity.email) return { action: 'refuse', message: 'The provider sent no email address; Vigil needs one (scope email)', reason: 'no email claim' };
  const role = mapped === undefined ? policy.defaultRole : mapped;
  if (!role) return { action: 'refuse', message: NO_ROLE, reason: 'no role claim matched and there is no default role' };
  return { action: 'create', email: identity.email, name: identity.name ?? '', role };
}
