import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../test/support/api.ts';
import { inAmbientTransaction } from './transaction.ts';

/**
 * The ambient transaction (db/ambient.ts) over the real services: what they do inside one
 * commits together or not at all, a service's own failure inside it is undone alone, and outside
 * one they behave as always.
 */
let api: TestApi;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(() => api.close());

const count = async (sql: string) => Number((await api.database.pool.query(sql)).rows[0].n);

describe('an ambient transaction', () => {
  it('takes back everything the services did when the work fails', async () => {
    const audit = await count(`SELECT count(*) AS n FROM audit_log`);
    await expect(
      inAmbientTransaction(api.database.pool, async () => {
        const system = await api.services.catalog.createSystem({ name: 'ambient-a', description: '', public: false, groupIds: [], tags: {} });
        await api.services.catalog.createEnvironment({ name: 'ambient-env', description: '', fields: {} });
        // A pool-client transaction (incidents write the outbox that way) joins it too.
        await api.services.incidents.create({ title: 'ambient', description: '', systemIds: [system.id], severity: 'minor', status: 'investigating', suppressNotifications: false });
        // Its reads see its own writes.
        expect((await api.services.catalog.getSystem(system.id)).name).toBe('ambient-a');
        throw new Error('the last document is broken');
      }),
    ).rejects.toThrow('the last document is broken');
    expect(await count(`SELECT count(*) AS n FROM systems WHERE name = 'ambient-a'`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM environments WHERE name = 'ambient-env'`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM incidents WHERE title = 'ambient'`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM outbox WHERE topic = 'incident.created' AND payload->>'title' = 'ambient'`)).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM audit_log`)).toBe(audit);
  });

  it('commits everything together, a failed step undone alone', async () => {
    await inAmbientTransaction(api.database.pool, async () => {
      await api.services.catalog.createSystem({ name: 'ambient-b', description: '', public: false, groupIds: [], tags: {} });
      // Refused (the name is taken): that step is undone, the rest goes on.
      await expect(api.services.catalog.createSystem({ name: 'AMBIENT-B', description: '', public: false, groupIds: [], tags: {} })).rejects.toMatchObject({ code: 'conflict' });
      await api.services.catalog.createSystem({ name: 'ambient-c', description: '', public: false, groupIds: [], tags: {} });
      // Nothing is visible to others before the commit.
      expect(await count(`SELECT count(*) AS n FROM systems WHERE name LIKE 'ambient-%'`)).toBe(0);
    });
    expect(await count(`SELECT count(*) AS n FROM systems WHERE name IN ('ambient-b', 'ambient-c')`)).toBe(2);
  });

  it('leaves the services as they were outside one', async () => {
    await api.services.catalog.createSystem({ name: 'ambient-d', description: '', public: false, groupIds: [], tags: {} });
    expect(await count(`SELECT count(*) AS n FROM systems WHERE name = 'ambient-d'`)).toBe(1);
  });
});
