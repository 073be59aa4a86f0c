import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../../test/support/api.ts';
import { enabledChecksSql, readDefinition, readJobState, readScheduledAssignments, thresholdsSql } from './read.ts';

// Each read runs against the migrated schema: renaming a column the SQL names fails here.
let api: TestApi;
let systemId: string;
let environmentId: string;
let alpha: { id: string };
let beta: { id: string };
let assignmentId: string;
const thresholds = { mode: 'consecutive', healthy: { minSuccessCount: 1 }, degraded: { minFailureCount: 3 }, unhealthy: { minFailureCount: 4 } };

beforeAll(async () => {
  api = await createTestApi();
  environmentId = (await api.call('POST', '/api/v1/environments', { name: 'prod', fields: { dbHost: 'db' } })).body.id;
  systemId = (await api.call('POST', '/api/v1/systems', { name: 'payments' })).body.id;
  await api.call('PUT', `/api/v1/systems/${systemId}/environments`, { environmentIds: [environmentId] });
  const config = { host: '127.0.0.1', port: 9 };
  alpha = (await api.call('POST', '/api/v1/configurations', { name: 'alpha', strategy: 'tcp', config, intervalSeconds: 30, assertions: ['connectMs < 100'] })).body;
  beta = (await api.call('POST', '/api/v1/configurations', { name: 'Beta', strategy: 'tcp', config, intervalSeconds: 60, paused: true })).body;
  assignmentId = (await api.call('POST', '/api/v1/assignments', { systemId, configurationId: alpha.id, stateThresholds: thresholds })).body.id;
  await api.call('POST', '/api/v1/assignments', { systemId, configurationId: beta.id, environmentIds: [] });
});
afterAll(() => api.close());

const one = async (sql: string, ...values: string[]) => (await api.database.pool.query(`SELECT ${sql} AS v`, values)).rows[0].v;

describe('checks reads for other domains', () => {
  it("a system's enabled checks: paused configurations do not count", async () => {
    const sources = { includeLocal: true, satelliteIds: [], quorum: null, intervalSeconds: 30 };
    expect(await one(enabledChecksSql('$1::uuid'), systemId)).toEqual([{ configurationId: alpha.id, environmentIds: null, thresholds, sources }]);
    expect(await one(enabledChecksSql('$1::uuid', { names: true }), systemId)).toEqual([{ configurationId: alpha.id, name: 'alpha', environmentIds: null, thresholds, sources }]);
  });

  it("an assignment's thresholds", async () => {
    expect(await one(thresholdsSql('$1::uuid', '$2::uuid'), systemId, alpha.id)).toEqual(thresholds);
    expect(await one(thresholdsSql('$1::uuid', '$2::uuid'), systemId, beta.id)).toBeNull();
  });

  it("a job's state, with and without the system's environments", async () => {
    const state = await readJobState(api.database.pool, alpha.id, systemId);
    expect(state).toMatchObject({
      configuration_id: alpha.id,
      name: 'alpha',
      strategy: 'tcp',
      interval_seconds: 30,
      configuration_enabled: true,
      paused: false,
      assignment_enabled: true,
      environment_ids: null,
      system_name: 'payments',
      environments: [{ id: environmentId, name: 'prod', fields: { dbHost: 'db' } }],
    });
    expect(state!.updated_at).toBeInstanceOf(Date);
    expect((await readJobState(api.database.pool, alpha.id, systemId, false))?.environments).toBeNull();
    // An env-less assignment ([]) does not read the membership at all.
    expect((await readJobState(api.database.pool, beta.id, systemId))?.environments).toBeNull();
    expect(await readJobState(api.database.pool, alpha.id, '00000000-0000-4000-8000-000000000000')).toBeUndefined();
  });

  it("a configuration's stored definition", async () => {
    expect(await readDefinition(api.database.pool, alpha.id)).toEqual({
      config: expect.objectContaining({ host: '127.0.0.1', port: 9, version: 1 }),
      assertions: [{ field: 'connectMs', operator: 'lessThan', value: 100 }],
      collectors: [],
    });
  });

  it('the assignments to schedule: enabled, unpaused, on the central workers', async () => {
    expect(await readScheduledAssignments(api.database.pool)).toEqual([{ id: assignmentId, configurationId: alpha.id, systemId, intervalSeconds: 30, strategy: 'tcp' }]);
  });
});
