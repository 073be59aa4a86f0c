/** SPEC §8.1 roles, least to most. */
export const ROLES = ['viewer', 'editor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

const rank: Record<Role, number> = { viewer: 0, editor: 1, admin: 2 };

export function atLeast(role: Role, needed: Role): boolean {
  return rank[role] >= rank[needed];
}

/** The smaller of two roles: a token never exceeds its creator. */
export function lesser(a: Role, b: Role): Role {
  return rank[a] <= rank[b] ? a : b;
}
