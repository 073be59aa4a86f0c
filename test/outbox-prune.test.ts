import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pruneOutbox } from '../src/events/outbox.ts';
import type { Database } from '../src/db/database.ts';
import { createTestDatabase } from './support/database.ts';

/** The outbox is a queue: delivered events go after two days (in batches), undelivered ones never. */

let database: Database;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(() => database.close());

describe('pruneOutbox', () => {
  it('deletes delivered events older than the limit, in batches, and keeps the rest', async () => {
    const insert = (ageHours: number, delivered: boolean, count: number) =>
      database.pool.query(
        `INSERT INTO outbox (topic, payload, created_at, delivered_at)
         SELECT 'healthcheck.system_health_changed', '{}'::jsonb, now() - make_interval(hours => $1), CASE WHEN $2 THEN now() END FROM generate_series(1, $3)`,
        [ageHours, delivered, count],
      );
    await insert(72, true, 25); // old and delivered: go
    await insert(72, false, 3); // old but never delivered: stay
    await insert(1, true, 4); // recent: stay
    expect(await pruneOutbox(database.pool, new Date(Date.now() - 48 * 3_600_000), 10)).toBe(25);
    const { rows } = await database.pool.query(`SELECT count(*)::int AS n, count(*) FILTER (WHERE delivered_at IS NULL)::int AS pending FROM outbox`);
    expect(rows[0]).toEqual({ n: 7, pending: 3 });
  });
});
