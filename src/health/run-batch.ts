/**
 * Group commit (issue 25): runs that finish within a few milliseconds of each other are written as
 * one statement and one commit. What may share a batch is decided here, purely.
 */

/**
 * Pure: the next batch from `queue` (oldest first) and what stays queued, in order. A stream is in
 * a batch at most once — its runs are written one batch after another, in the order they came — and
 * never while a batch still being written holds it (`busy`). At most `max` runs.
 */
export function takeBatch<T>(queue: readonly T[], streamOf: (item: T) => string, busy: ReadonlySet<string>, max: number): { batch: T[]; rest: T[] } {
  const batch: T[] = [];
  const rest: T[] = [];
  const taken = new Set<string>();
  for (const item of queue) {
    const stream = streamOf(item);
    if (batch.length >= max || busy.has(stream) || taken.has(stream)) {
      rest.push(item);
      continue;
    }
    taken.add(stream);
    batch.push(item);
  }
  return { batch, rest };
}
