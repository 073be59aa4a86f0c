/**
 * The environments one run of an assignment fans out over (SPEC §2.4), re-read every run.
 * An empty result means one env-less run.
 */
export function effectiveEnvironments(assignmentEnvironmentIds: readonly string[] | null, membership: readonly string[]): string[] {
  if (assignmentEnvironmentIds === null) return [...membership];
  const wanted = new Set(assignmentEnvironmentIds);
  // In the system's order; ids no longer in the membership drop out silently.
  return membership.filter((id) => wanted.has(id));
}
