/**
 * System dependencies (SPEC §3.7) must not loop: a child whose parent depends on it back would
 * have each silence the other. Decided purely over the stored edges plus the proposed ones.
 */

/**
 * The cycle `systemId → dependsOn` would close, as the path of ids from `systemId` back to
 * itself (`[a, b, a]`), or null. `edges` maps each system to what it depends on now; the
 * system's own current edges are replaced by `dependsOn`.
 */
export function findCycle(edges: ReadonlyMap<string, readonly string[]>, systemId: string, dependsOn: readonly string[]): string[] | null {
  const next = (id: string) => (id === systemId ? dependsOn : (edges.get(id) ?? []));
  // Depth first from each new parent, remembering the path: reaching systemId again is the cycle.
  const seen = new Set<string>();
  const walk = (id: string, path: string[]): string[] | null => {
    if (id === systemId) return [...path, id];
    if (seen.has(id)) return null;
    seen.add(id);
    for (const parent of next(id)) {
      const found = walk(parent, [...path, id]);
      if (found) return found;
    }
    return null;
  };
  for (const parent of dependsOn) {
    const found = walk(parent, [systemId]);
    if (found) return found;
  }
  return null;
}
