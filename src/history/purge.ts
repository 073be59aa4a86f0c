import type pg from 'pg';
import { purgeStream, readOrphanStreams } from '../health/tiers.ts';
import type { Logger } from '../kernel/log.ts';

/**
 * Removes the history of deleted systems and configurations (SPEC §6.3) in the background: the
 * delete itself answers at once, and this job takes the runs and buckets away in batches, so a
 * system with years of history never holds one huge transaction. Deleting is idempotent, so any
 * number of processes may run it at once.
 */
export class HistoryPurge {
  constructor(
    private readonly pool: pg.Pool,
    private readonly log: Logger,
    private readonly batch = 5_000,
  ) {}

  /** Purges every orphaned stream completely; answers the rows deleted. */
  async run(): Promise<number> {
    let total = 0;
    for (const stream of await readOrphanStreams(this.pool)) {
      try {
        for (let deleted = this.batch; deleted > 0; ) {
          deleted = await purgeStream(this.pool, stream, this.batch);
          total += deleted;
        }
      } catch (error) {
        this.log.error({ err: error, ...stream }, 'Could not remove the history of a deleted check; will try again');
      }
    }
    if (total) this.log.info({ rows: total }, 'Removed the history of deleted systems and checks');
    return total;
  }
}
