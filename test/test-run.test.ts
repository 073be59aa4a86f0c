import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpApp } from '../src/app.ts';
import { silentLogger } from '../src/kernel/log.ts';
import { createTestApi, type TestApi } from './support/api.ts';
import { startHttpTarget, type HttpTarget } from './targets/http.ts';

/**
 * The check workbench's test run through the real HTTP app, queue, worker and bus (SPEC §7.3):
 * a draft or stored check runs once against a real target and answers with its result, while
 * nothing is recorded; a shell script answers in SPEC's shape; secrets never come back out.
 */
let api: TestApi;
let target: HttpTarget;
// Loosely typed: the assertions read whichever payload fields the topic has.
const events: { topic: string; payload: any }[] = [];

beforeAll(async () => {
  api = await createTestApi();
  target = await startHttpTarget();
  api.services.bus.subscribe((event) => events.push(event));
});
afterAll(async () => {
  await target.close();
  await api.close();
});

const testRun = (body: unknown, headers?: Record<string, string>) => api.call('POST', '/api/v1/configurations/test-run', body, headers);

async function created(path: string, body: unknown): Promise<any> {
  const response = await api.call('POST', `/api/v1${path}`, body);
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

/** What a run leaves behind anywhere: rows of every table a recorded run writes to. */
async function recorded(): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ['runs', 'run_hourly', 'run_daily', 'transitions', 'stream_states', 'health_states', 'outbox']) {
    counts[table] = Number((await api.database.pool.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
  }
  return counts;
}

async function tokenOf(role: 'viewer' | 'editor'): Promise<string> {
  const email = `${role}-${Math.random().toString(36).slice(2)}@vigil.test`;
  const user = (await api.call('POST', '/api/v1/users', { email, role, password: 'a perfectly long password' })).body;
  const { token } = await api.services.access.createToken({ kind: 'user', userId: user.id, email, role, grants: [] }, { name: 'test-run' });
  return token;
}

describe('a test run of a check definition', () => {
  it('runs a draft http check against a real target, answers its result and records nothing', async () => {
    const system = await created('/systems', { name: 'test-run-http' });
    const environment = await created('/environments', { name: 'test-run-local', fields: { baseUrl: target.url } });
    await api.call('PUT', `/api/v1/systems/${system.id}/environments`, { environmentIds: [environment.id] });
    const before = await recorded();
    const topicsBefore = events.length;
    const requestsBefore = target.requests;

    const response = await testRun({
      definition: { strategy: 'http', config: { url: '{{ environment.baseUrl }}/health', timeout: 5000 }, assertions: ['statusCode == 200', 'json $.status == "DOWN"'] },
      systemId: system.id,
      environmentId: environment.id,
    });

    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toMatchObject({
      status: 'unhealthy',
      message: 'Assertion failed: json $.status equals DOWN',
      latencyMs: expect.any(Number),
      configurationId: null,
      systemId: system.id,
      environmentId: environment.id,
    });
    const [collector] = response.body.result.collectors;
    expect(collector.collector).toBe('http.request');
    expect(collector.fields).toMatchObject({ statusCode: 200 });
    expect(collector.assertions.map((a: { passed: boolean; actual: unknown }) => [a.passed, a.actual])).toEqual([
      [true, 200],
      [false, 'UP'],
    ]);
    expect(target.requests).toBe(requestsBefore + 1);
    expect(await recorded()).toEqual(before);
    // The answer itself is the only thing on the bus: no run, failure or health event.
    expect(events.slice(topicsBefore).map((e) => e.topic)).toEqual(['test-run.completed']);
  });

  it('runs a stored configuration (assigned or not) as it is, once, without recording it', async () => {
    const system = await created('/systems', { name: 'test-run-stored' });
    const configuration = await created('/configurations', { name: 'test-run-stored-check', strategy: 'http', config: { url: `${target.url}/status/503`, timeout: 5000 }, intervalSeconds: 60 });
    const before = await recorded();

    const response = await testRun({ configurationId: configuration.id, systemId: system.id });

    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toMatchObject({ status: 'unhealthy', configurationId: configuration.id, systemId: system.id, environmentId: null });
    expect(response.body.message).toMatch(/^Check failed: Unexpected status code 503/);
    expect(await recorded()).toEqual(before);
    expect((await api.call('GET', `/api/v1/runs?systemId=${system.id}`)).body.items).toEqual([]);
  });

  it('runs a stored configuration whose secret was deleted as a scheduled run would: unhealthy, naming the secret', async () => {
    await api.call('POST', '/api/v1/secrets', { name: 'test-run-gone', value: 'gone-value' });
    const configuration = await created('/configurations', {
      name: 'test-run-gone-secret',
      strategy: 'http',
      config: { url: `${target.url}/health`, headers: { 'x-key': '{{ secrets.test-run-gone }}' }, timeout: 5000 },
      intervalSeconds: 60,
    });
    expect((await api.call('DELETE', '/api/v1/secrets/test-run-gone')).status).toBe(204);
    const response = await testRun({ configurationId: configuration.id });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toMatchObject({ status: 'unhealthy', systemId: null });
    expect(response.body.message).toMatch(/test-run-gone/);
  });

  it('answers 400 with every problem of an invalid draft, and runs nothing', async () => {
    const requestsBefore = target.requests;
    const response = await testRun({
      definition: { strategy: 'http', config: { url: target.url, method: 'FETCH' }, assertions: ['statusCod == 200'], collectors: [{ collector: 'http.nope' }] },
    });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('validation_failed');
    const paths = response.body.error.details.map((d: { path: string }) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['definition.config.method', 'definition.assertions.0', 'definition.collectors.0.collector']));
    expect(target.requests).toBe(requestsBefore);
  });

  it('answers 400 for neither or both of definition and configurationId, and for ids that name nothing', async () => {
    expect((await testRun({})).body.error.details).toEqual([expect.objectContaining({ path: 'definition' })]);
    const missing = '00000000-0000-4000-8000-000000000000';
    const response = await testRun({ definition: { strategy: 'http', config: { url: target.url } }, systemId: missing });
    expect(response.status).toBe(400);
    expect(response.body.error.details).toEqual([expect.objectContaining({ path: 'systemId' })]);
  });

  it('masks a secret the target echoes back, in the result and on the bus', async () => {
    const value = `s3cr3t-${Math.random().toString(36).slice(2)}`;
    expect((await api.call('POST', '/api/v1/secrets', { name: 'test-run-token', value })).status).toBe(201);
    const topicsBefore = events.length;

    const response = await testRun({
      definition: { strategy: 'http', config: { url: `${target.url}/echo`, headers: { authorization: 'Bearer {{ secrets.test-run-token }}' }, timeout: 5000 }, assertions: ['statusCode == 200'] },
    });

    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body.status).toBe('healthy');
    expect(JSON.stringify(response.body.result)).toContain('Bearer ****');
    expect(JSON.stringify(response.body)).not.toContain(value);
    expect(JSON.stringify(events.slice(topicsBefore))).not.toContain(value);
  });

  it('cuts a large result to fit, and says what it cut', async () => {
    const response = await testRun({ definition: { strategy: 'http', config: { url: `${target.url}/big/1000000`, maxBodyBytes: 1_000_000, timeout: 5000 } } });
    expect(response.status).toBe(200);
    expect(response.body.status).toBe('healthy');
    expect(JSON.stringify(response.body).length).toBeLessThanOrEqual(256 * 1024);
    const body: string = response.body.result.collectors[0].fields.body;
    expect(response.body.truncated).toEqual([{ path: 'result.collectors.0.fields.body', originalBytes: 1_000_000, keptBytes: body.length }]);
    expect(body).toMatch(/^x{100000,}$/);
  });
});

describe('a shell test run', () => {
  const shell = (body: Record<string, unknown>, headers?: Record<string, string>) => testRun({ kind: 'shell', timeoutMs: 5000, ...body }, headers);

  it('answers stdout, stderr, the exit code and stdout parsed as JSON', async () => {
    const before = await recorded();
    const response = await shell({ script: 'echo \'{"queue": 3}\'; echo warn >&2' });
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toEqual({ result: { queue: 3 }, stdout: '{"queue": 3}\n', stderr: 'warn\n', exitCode: 0, durationMs: expect.any(Number), timedOut: false });
    expect(await recorded()).toEqual(before);
  });

  it('reports a non-zero exit as an answer, not as a failed request', async () => {
    const response = await shell({ script: 'echo broken; exit 3' });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ stdout: 'broken\n', exitCode: 3, timedOut: false, error: 'Shell script exited with code 3' });
  });

  it('kills a script at its timeout and keeps what it printed', async () => {
    const response = await shell({ script: 'echo started; sleep 5 & sleep 5; wait', timeoutMs: 300 });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ stdout: 'started\n', timedOut: true, error: 'Script execution timed out' });
    expect(response.body).not.toHaveProperty('exitCode');
    expect(response.body.durationMs).toBeLessThan(3000);
  });

  it('hands the script its env, secrets and run context, and masks every secret value', async () => {
    const stored = `stored-${Math.random().toString(36).slice(2)}`;
    const inline = `inline-${Math.random().toString(36).slice(2)}`;
    expect((await api.call('POST', '/api/v1/secrets', { name: 'test-run-stored', value: stored })).status).toBe(201);
    const topicsBefore = events.length;

    const response = await shell({
      script: 'echo "$GREETING $STORED $INLINE $VIGIL_SYSTEM_NAME $VIGIL_ENV_BASE_URL"; echo "$INLINE" >&2; printf \'{"token":"%s"}\' "$STORED" > /dev/null',
      env: { GREETING: 'hello' },
      secretEnv: { STORED: 'test-run-stored', INLINE: 'not-stored-yet' },
      secretOverrides: { 'not-stored-yet': inline },
      runContext: { system: { id: 's', name: 'billing' }, environment: { id: 'e', name: 'prod', fields: { baseUrl: 'https://prod' } } },
    });

    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toMatchObject({ stdout: 'hello **** **** billing https://prod\n', stderr: '****\n', exitCode: 0 });
    for (const secret of [stored, inline]) {
      expect(JSON.stringify(response.body)).not.toContain(secret);
      expect(JSON.stringify(events.slice(topicsBefore))).not.toContain(secret);
    }
  });

  it('answers a secret that is neither stored nor given, by name, without running the script', async () => {
    const response = await shell({ script: 'echo ran', secretEnv: { TOKEN: 'nowhere' } });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ stdout: '', timedOut: false, error: "secret 'nowhere' not found" });
  });

  it('answers 400 for a body that is not a shell run', async () => {
    const response = await shell({ script: '', timeoutMs: 50, env: { 'NOT A NAME': 'x' } });
    expect(response.status).toBe(400);
    expect(response.body.error.details.map((d: { path: string }) => d.path)).toEqual(expect.arrayContaining(['script', 'timeoutMs']));
  });
});

describe('who may test-run', () => {
  it('refuses a viewer', async () => {
    const viewer = await tokenOf('viewer');
    expect((await testRun({ definition: { strategy: 'http', config: { url: target.url } } }, { authorization: `Bearer ${viewer}` })).status).toBe(403);
  });

  it('lets an editor test an http check but not a shell script or a script check, unless VIGIL_SCRIPT_ROLE=editor', async () => {
    const editor = { authorization: `Bearer ${await tokenOf('editor')}` };
    const http = { definition: { strategy: 'http', config: { url: `${target.url}/health`, timeout: 5000 } } };
    const shellRun = { kind: 'shell', script: 'echo hi', timeoutMs: 5000 };
    const scriptCheck = { definition: { strategy: 'script', config: { command: 'echo hi', timeout: 5000 } } };
    expect((await testRun(http, editor)).status).toBe(200);
    const refused = await testRun(shellRun, editor);
    expect(refused.status).toBe(403);
    expect(refused.body.error.message).toMatch(/need the admin role/);
    expect((await testRun(scriptCheck, editor)).status).toBe(403);

    const scriptsForEditors = createHttpApp(api.database, api.services, silentLogger(), { scriptRole: 'editor' });
    const call = (body: unknown) =>
      scriptsForEditors.request('/api/v1/configurations/test-run', { method: 'POST', headers: { 'content-type': 'application/json', ...editor }, body: JSON.stringify(body) });
    const allowed = await call(shellRun);
    expect(allowed.status).toBe(200);
    expect(await allowed.json()).toMatchObject({ stdout: 'hi\n', exitCode: 0 });
    expect((await call(scriptCheck)).status).toBe(200);
  });
});
