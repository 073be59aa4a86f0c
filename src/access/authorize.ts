import { atLeast, type Grant, type Role } from './roles.ts';

/**
 * Who may call which route (SPEC §8.1), decided purely from the method and the path under
 * /api/v1, so a route added anywhere is protected by default: reading needs `viewer`, changing
 * needs `editor`, and the rows below raise (admin-only areas) or lower (signing in) the bar.
 */

export interface Caller {
  kind: 'user' | 'token';
  userId: string;
  /** Who, for people and the audit log: the user's email. */
  email: string;
  /** The role everywhere; null: none outside the groups of `grants`. */
  role: Role | null;
  /** Roles within some groups only (Vigil). */
  grants: Grant[];
  /** The token this request came with (kind `token`). */
  tokenId?: string;
  tokenName?: string;
}

/** What a route needs: nobody (public), any signed-in caller, or at least a role. */
export type Requirement = { public: true } | { role: Role | 'any' };

interface Rule {
  /** Matches the path under /api/v1, e.g. `/users/123`. */
  path: RegExp;
  methods?: readonly string[];
  requirement: Requirement;
}

const WRITE = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** First match wins. */
const RULES: Rule[] = [
  { path: /^\/auth\/(setup|login)$/, methods: ['POST'], requirement: { public: true } },
  // Single sign-on: whether it is on, and the browser's way to the provider and back.
  { path: /^\/auth\/oidc(\/login|\/callback)?$/, methods: ['GET'], requirement: { public: true } },
  { path: /^\/auth\/(me|logout|password)$/, requirement: { role: 'any' } },
  // Every signed-in caller manages their own tokens; the service keeps them to their own.
  { path: /^\/tokens(\/[^/]+)?$/, requirement: { role: 'any' } },
  { path: /^\/users(\/|$)/, requirement: { role: 'admin' } },
  { path: /^\/audit$/, requirement: { role: 'admin' } },
  // Satellites are credentials: only admins register, change or delete them.
  { path: /^\/satellites(\/|$)/, methods: WRITE, requirement: { role: 'admin' } },
  // Configuration as code writes (and reads, to compare) everything, secrets included.
  { path: /^\/(apply|export)$/, requirement: { role: 'admin' } },
  // Secret values are written by admins only; their names are readable by every role.
  { path: /^\/secrets(\/|$)/, methods: WRITE, requirement: { role: 'admin' } },
];

function requirementOf(method: string, path: string): Requirement {
  const upper = method.toUpperCase();
  for (const rule of RULES) {
    if (rule.path.test(path) && (!rule.methods || rule.methods.includes(upper))) return rule.requirement;
  }
  return { role: (WRITE as readonly string[]).includes(upper) ? 'editor' : 'viewer' };
}

/**
 * Allowed everywhere; allowed only within the groups `scope` (the caller holds the role needed by a
 * grant, not everywhere: the route's resource must then be in those groups); or refused.
 */
export type Decision = { allowed: true; scope?: string[] } | { allowed: false; status: 401 | 403; reason: string };

/** Whether `caller` (undefined: nobody signed in) may call `method path`. */
export function authorize(caller: Caller | undefined, method: string, path: string): Decision {
  const requirement = requirementOf(method, path);
  if ('public' in requirement) return { allowed: true };
  if (!caller) return { allowed: false, status: 401, reason: 'Sign in (session cookie) or send an API token (Authorization: Bearer vgl_…)' };
  if (requirement.role === 'any' || atLeast(caller.role, requirement.role)) return { allowed: true };
  const needed = requirement.role;
  const scope = [...new Set(caller.grants.filter((g) => atLeast(g.role, needed)).flatMap((g) => g.groupIds))];
  if (scope.length) return { allowed: true, scope };
  return { allowed: false, status: 403, reason: `This needs the ${needed} role; you have ${describeRole(caller)}` };
}

/** `editor`, `no role`, `viewer (editor in 2 groups)`. */
export function describeRole(caller: Pick<Caller, 'role' | 'grants'>): string {
  const base = caller.role ?? 'no role';
  if (!caller.grants.length) return base;
  const byRole = caller.grants.map((g) => `${g.role} in ${g.groupIds.length === 1 ? '1 group' : `${g.groupIds.length} groups`}`);
  return `${base} (${byRole.join(', ')})`;
}
