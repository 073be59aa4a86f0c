/** SPEC §8.1 roles, least to most. */
export const ROLES = ['viewer', 'editor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

const rank: Record<Role, number> = { viewer: 0, editor: 1, admin: 2 };

/** Whether `role` (null: none) is `needed` or more. */
export function atLeast(role: Role | null, needed: Role): boolean {
  return role !== null && rank[role] >= rank[needed];
}

/** The smaller of two roles: a token never exceeds its creator. */
export function lesser<R extends Role>(a: R, b: Role | null): R | null {
  if (b === null) return null;
  return (rank[a] <= rank[b] ? a : b) as R;
}

/** The most a caller may do anywhere: their role, or a grant's when that is more. */
export function highestRole(holder: { role: Role | null; grants: readonly Grant[] }): Role | null {
  return [holder.role, ...holder.grants.map((g) => g.role)].reduce<Role | null>((best, r) => (r && (!best || rank[r] > rank[best]) ? r : best), null);
}

/** A token's grants: each capped at the token's role, dropping those capped to nothing. */
export function capGrants(grants: readonly Grant[], cap: Role): Grant[] {
  return grants.flatMap((g) => {
    const role = lesser(g.role, cap);
    return role ? [{ role, groupIds: g.groupIds }] : [];
  });
}

/** A role within some groups only (SPEC §8.1, Vigil): over their systems and the configurations assigned only to them. */
export interface Grant {
  role: Exclude<Role, 'admin'>;
  groupIds: string[];
}
