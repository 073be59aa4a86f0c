import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from './support/api.ts';

/** Reading runs (SPEC §1.1): one run by id, and the list narrowed to a time range without losing pages. */

let api: TestApi;
let systemId: string;
const MINUTE = 60_000;
// Ten runs one minute apart, the newest an hour ago: [0] is the oldest.
const base = Math.floor(Date.now() / MINUTE) * MINUTE - 70 * MINUTE;
const at = (i: number) => new Date(base + i * MINUTE);
const runIds: string[] = [];

beforeAll(async () => {
  api = await createTestApi();
  systemId = (await api.call('POST', '/api/v1/systems', { name: 'ranged' })).body.id;
  const configurationId = (await api.call('POST', '/api/v1/configurations', { name: 'ranged-tcp', strategy: 'tcp', config: { host: '127.0.0.1', port: 9 }, intervalSeconds: 60, enabled: false })).body.id;
  for (let i = 0; i < 10; i += 1) {
    const id = await api.services.recorder.recordRun({
      systemId, configurationId, environmentId: null, source: 'Local', status: i % 3 ? 'healthy' : 'unhealthy', latencyMs: 10 + i,
      message: `run ${i}`, result: { connected: i % 3 !== 0, banner: `b${i}` }, scheduledFor: at(i), at: at(i),
    });
    runIds.push(id!);
  }
}, 60_000);
afterAll(() => api.close());

const list = async (query: string) => api.call('GET', `/api/v1/runs?systemId=${systemId}&${query}`);

describe('GET /runs/{id}', () => {
  it('answers the whole run, its result included', async () => {
    const response = await api.call('GET', `/api/v1/runs/${runIds[3]}`);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      id: runIds[3], systemId, configurationId: expect.any(String), environmentId: null, source: 'Local', status: 'unhealthy', latencyMs: 13,
      message: 'run 3', result: { connected: false, banner: 'b3' }, scheduledFor: at(3).toISOString(), createdAt: at(3).toISOString(),
    });
  });

  it('answers 404 naming the id for a run that does not exist, and 400 for one that is not an id', async () => {
    const missing = '00000000-0000-4000-8000-000000000000';
    const response = await api.call('GET', `/api/v1/runs/${missing}`);
    expect(response.status).toBe(404);
    expect(response.body.error).toMatchObject({ code: 'not_found', details: [{ path: 'id', message: `no run with id ${missing}` }] });
    expect((await api.call('GET', '/api/v1/runs/latest')).status).toBe(400);
  });
});

describe('GET /runs?from=&to=', () => {
  it('keeps runs created at or after from and before to', async () => {
    const page = await list(`from=${at(2).toISOString()}&to=${at(5).toISOString()}`);
    expect(page.status).toBe(200);
    expect(page.body.items.map((r: { id: string }) => r.id)).toEqual([runIds[4], runIds[3], runIds[2]]);
    expect(page.body.nextCursor).toBeNull();
  });

  it('takes either bound alone, and times with an offset', async () => {
    expect((await list(`from=${at(8).toISOString()}`)).body.items.map((r: { id: string }) => r.id)).toEqual([runIds[9], runIds[8]]);
    const plusTwo = new Date(at(2).getTime() + 2 * 3_600_000).toISOString().replace('Z', '+02:00').replace('.000', '');
    expect((await list(`to=${encodeURIComponent(plusTwo)}`)).body.items.map((r: { id: string }) => r.id)).toEqual([runIds[1], runIds[0]]);
  });

  it('pages through a range with the cursor, with the other filters, missing and repeating nothing', async () => {
    const range = `from=${at(1).toISOString()}&to=${at(9).toISOString()}&status=healthy&limit=2`;
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string; status: string }[]; nextCursor: string | null } } = await list(cursor ? `${range}&cursor=${cursor}` : range);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.items.map((r) => r.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    // Healthy runs are those with i % 3 ≠ 0: 8, 7, 5, 4, 2, 1 within [1, 9).
    expect(seen).toEqual([8, 7, 5, 4, 2, 1].map((i) => runIds[i]));
  });

  it('answers 400 naming the field for a time that does not parse, or a to before from', async () => {
    const bad = await list('from=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([{ path: 'from', message: 'expected an ISO-8601 date-time' }]);
    const backwards = await list(`from=${at(5).toISOString()}&to=${at(2).toISOString()}`);
    expect(backwards.status).toBe(400);
    expect(backwards.body.error.details).toEqual([{ path: 'to', message: 'expected a time at or after from' }]);
  });
});
