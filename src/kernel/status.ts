/** The one status vocabulary of runs, checks, views and transitions (SPEC §1, §3): worst is last. */
export const STATUSES = ['healthy', 'degraded', 'unhealthy'] as const;

export type Status = (typeof STATUSES)[number];
