import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../test/support/api.ts';
import { environmentsOutsideSystem, membershipIdsSql, membershipSql, missingEnvironments, missingSystems, systemExistsSql, systemIdsOfGroupsSql, systemNameSql } from './read.ts';

// Each read runs against the migrated schema: renaming a column the SQL names fails here.
let api: TestApi;
let systemId: string;
let prod: string;
let staging: string;

beforeAll(async () => {
  api = await createTestApi();
  prod = (await api.call('POST', '/api/v1/environments', { name: 'prod', fields: { baseUrl: 'https://p' } })).body.id;
  staging = (await api.call('POST', '/api/v1/environments', { name: 'staging' })).body.id;
  systemId = (await api.call('POST', '/api/v1/systems', { name: 'payments' })).body.id;
  await api.call('PUT', `/api/v1/systems/${systemId}/environments`, { environmentIds: [staging, prod] });
});
afterAll(() => api.close());

const one = async (sql: string, id: string) => (await api.database.pool.query(`SELECT ${sql} AS v`, [id])).rows[0].v;
const unknown = '00000000-0000-4000-8000-000000000000';

describe('catalog reads for other domains', () => {
  it('the name and existence of a system', async () => {
    expect(await one(systemNameSql('$1::uuid'), systemId)).toBe('payments');
    expect(await one(systemNameSql('$1::uuid'), unknown)).toBeNull();
    expect(await one(systemExistsSql('$1::uuid'), systemId)).toBe(true);
    expect(await one(systemExistsSql('$1::uuid'), unknown)).toBe(false);
  });

  it("a system's environments in its order", async () => {
    expect(await one(membershipIdsSql('$1::uuid'), systemId)).toEqual([staging, prod]);
    expect(await one(membershipSql('$1::uuid'), systemId)).toEqual([{ id: staging, name: 'staging' }, { id: prod, name: 'prod' }]);
    expect(await one(membershipSql('$1::uuid', { fields: true }), systemId)).toEqual([
      { id: staging, name: 'staging', fields: {} },
      { id: prod, name: 'prod', fields: { baseUrl: 'https://p' } },
    ]);
    expect(await one(membershipIdsSql('$1::uuid'), unknown)).toEqual([]);
  });

  it("names the environments that exist but are not the system's", async () => {
    const elsewhere = (await api.call('POST', '/api/v1/environments', { name: 'elsewhere' })).body.id;
    expect(await environmentsOutsideSystem(api.database.db, systemId, [prod, elsewhere, unknown])).toEqual(new Map([[elsewhere, 'elsewhere']]));
    expect(await environmentsOutsideSystem(api.database.db, systemId, [])).toEqual(new Map());
  });

  it('the systems of the groups a subquery names', async () => {
    const other = (await api.call('POST', '/api/v1/systems', { name: 'ledger' })).body.id;
    const group = (await api.call('POST', '/api/v1/groups', { name: 'money', systemIds: [systemId, other] })).body.id;
    const { rows } = await api.database.pool.query(`SELECT id FROM ${systemIdsOfGroupsSql('(SELECT $1::uuid)')} AS s(id) ORDER BY id`, [group]);
    expect(rows.map((row) => row.id)).toEqual([systemId, other].sort());
    expect((await api.database.pool.query(`SELECT * FROM ${systemIdsOfGroupsSql('(SELECT $1::uuid)')} AS s`, [unknown])).rows).toEqual([]);
  });

  it('names the ids that do not exist', async () => {
    expect(await missingSystems(api.database.db, [systemId, unknown], 'systemIds')).toEqual([{ path: 'systemIds.1', message: `no system with id ${unknown}` }]);
    expect(await missingEnvironments(api.database.db, [unknown], 'environmentIds')).toEqual([{ path: 'environmentIds.0', message: `no environment with id ${unknown}` }]);
  });
});
