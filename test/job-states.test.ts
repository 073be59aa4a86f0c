import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readJobState, readJobStates } from '../src/checks/read.ts';
import { createTestApi, type TestApi } from './support/api.ts';

/** The executor reads the state of the jobs that start together in one query (issue 25): the same answers as one by one. */
let api: TestApi;
const ids: { systemId: string; configurationId: string }[] = [];
beforeAll(async () => {
  api = await createTestApi();
  const environment = (await api.call('POST', '/api/v1/environments', { name: 'gathered-prod' })).body.id as string;
  const configurationId = (await api.call('POST', '/api/v1/configurations', { name: 'gathered', strategy: 'tcp', config: { host: '127.0.0.1', port: 9 }, intervalSeconds: 60, enabled: false })).body.id as string;
  for (const name of ['gathered-a', 'gathered-b']) {
    const systemId = (await api.call('POST', '/api/v1/systems', { name })).body.id as string;
    await api.call('POST', '/api/v1/assignments', { systemId, configurationId });
    ids.push({ systemId, configurationId });
  }
  await api.call('PUT', `/api/v1/systems/${ids[1]!.systemId}/environments`, { environmentIds: [environment] });
}, 60_000);
afterAll(() => api.close());

describe('readJobStates', () => {
  it('answers each job in the order asked, as readJobState does, and undefined for an assignment that is not there', async () => {
    const missing = { systemId: randomUUID(), configurationId: ids[0]!.configurationId };
    const asked = [ids[1]!, missing, ids[0]!, ids[1]!];
    const gathered = await readJobStates(api.database.pool, asked);
    const single = await Promise.all(asked.map((job) => readJobState(api.database.pool, job.configurationId, job.systemId)));
    expect(gathered).toEqual(single);
    expect(gathered[1]).toBeUndefined();
    expect(gathered[0]!.system_name).toBe('gathered-b');
    expect(gathered[0]!.environments).toEqual([expect.objectContaining({ name: 'gathered-prod' })]);
    expect(gathered[2]!.system_name).toBe('gathered-a');
  });

  it('answers nothing for nothing asked', async () => {
    expect(await readJobStates(api.database.pool, [])).toEqual([]);
  });
});
