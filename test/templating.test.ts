import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretCipher } from '../src/secrets/cipher.ts';
import { SecretsService } from '../src/secrets/service.ts';
import { createTestApi, type TestApi } from './support/api.ts';
import { createTestDatabase } from './support/database.ts';
import { connectionUrl } from './support/postgres.ts';
import { apiFetch, runVigil, startVigil } from './support/vigil-process.ts';
import { startHttpTarget, type HttpTarget } from './targets/http.ts';
import { startTcpTarget } from './targets/tcp.ts';

/**
 * Templated configs and secrets through the real API and executor (SPEC §2.5, §2.7, §7.3): each
 * environment's run renders its own values and hits its own target, secrets reach scripts and
 * never come back out — not from the API, not from a stored run.
 */
let api: TestApi;
let east: HttpTarget;
let west: HttpTarget;

beforeAll(async () => {
  api = await createTestApi();
  [east, west] = await Promise.all([startHttpTarget(), startHttpTarget()]);
});
afterAll(async () => {
  await Promise.all([east.close(), west.close()]);
  await api.close();
});

interface StoredRun {
  status: string;
  message: string;
  environmentId: string | null;
  result: { collectors: { fields: { stdout?: string; stderr?: string }; error?: string }[]; error?: string; target?: string };
}

async function created(path: string, body: unknown) {
  const response = await api.call('POST', path, body);
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

async function systemWith(name: string, configuration: Record<string, unknown>, environments: { name: string; fields: Record<string, unknown> }[], environmentIds?: string[]) {
  const system = await created('/api/v1/systems', { name });
  const envs = [];
  for (const environment of environments) envs.push(await created('/api/v1/environments', environment));
  if (envs.length) await api.call('PUT', `/api/v1/systems/${system.id}/environments`, { environmentIds: envs.map((e) => e.id) });
  const check = await created('/api/v1/configurations', { name: `${name}-check`, intervalSeconds: 60, ...configuration });
  const assignment = await created('/api/v1/assignments', { systemId: system.id, configurationId: check.id, environmentIds: environmentIds ?? null });
  return { system, environments: envs, assignment };
}

async function runNow(assignmentId: string): Promise<StoredRun[]> {
  const response = await api.call('POST', `/api/v1/assignments/${assignmentId}/run`);
  expect(response.status).toBe(200);
  return response.body.items;
}

async function storedRuns(systemId: string): Promise<StoredRun[]> {
  return (await api.call('GET', `/api/v1/runs?systemId=${systemId}`)).body.items;
}

describe('templated configs', () => {
  it('runs {{ environment.baseUrl }}/health against each environment’s own target', async () => {
    const { system, environments } = await systemWith(
      'tpl-two-envs',
      { strategy: 'http', config: { url: '{{ environment.baseUrl }}/health', timeout: 5000 }, assertions: ['statusCode == 200'] },
      [
        { name: 'tpl-east', fields: { baseUrl: east.url } },
        { name: 'tpl-west', fields: { baseUrl: west.url } },
      ],
    );
    const before = { east: east.requests, west: west.requests };
    const runs = await runNow((await api.call('GET', `/api/v1/assignments?systemId=${system.id}`)).body.items[0].id);
    expect(runs.map((r) => `${r.environmentId}:${r.status}`)).toEqual(environments.map((e) => `${e.id}:healthy`));
    expect({ east: east.requests - before.east, west: west.requests - before.west }).toEqual({ east: 1, west: 1 });
  });

  it('fails only the environment whose rendered URL is invalid; its sibling still runs and records', async () => {
    const { system, environments, assignment } = await systemWith(
      'tpl-bad-url',
      { strategy: 'http', config: { url: '{{ environment.baseUrl }}/health', timeout: 5000 } },
      [
        { name: 'tpl-broken', fields: { baseUrl: 'not a url' } },
        { name: 'tpl-fine', fields: { baseUrl: east.url } },
      ],
    );
    const before = east.requests;
    const runs = await runNow(assignment.id);
    expect(runs.map((r) => [r.environmentId, r.status, r.message])).toEqual([
      [environments[0].id, 'unhealthy', 'Rendered URL is invalid: not a url/health'],
      [environments[1].id, 'healthy', expect.stringMatching(/^Completed in \d+ms$/)],
    ]);
    expect(east.requests - before).toBe(1);
    expect((await storedRuns(system.id)).map((r) => r.environmentId).sort()).toEqual(environments.map((e) => e.id).sort());
    await runNow(assignment.id); // a second failure in a row: the default thresholds call it degraded
    const health = (await api.call('GET', `/api/v1/systems/${system.id}/health`)).body;
    expect(health.environments.map((e: { name: string; status: string }) => `${e.name}:${e.status}`)).toEqual(['tpl-broken:degraded', 'tpl-fine:healthy']);
  });

  it('fails the run of an environment whose field a TCP host needs is missing, instead of checking localhost', async () => {
    const listener = await startTcpTarget(); // on 127.0.0.1, where an empty host would end up
    try {
      const { environments, assignment } = await systemWith(
        'tpl-empty-host',
        { strategy: 'tcp', config: { host: '{{ environment.dbHost }}', port: listener.port, timeout: 5000 } },
        [
          { name: 'tpl-with-host', fields: { dbHost: '127.0.0.1' } },
          { name: 'tpl-without-host', fields: { baseUrl: 'http://unrelated' } },
        ],
      );
      const runs = await runNow(assignment.id);
      expect(runs.map((r) => [r.environmentId, r.status, r.message])).toEqual([
        [environments[0].id, 'healthy', expect.stringMatching(/^Completed in \d+ms$/)],
        [environments[1].id, 'unhealthy', 'Rendered host is empty'],
      ]);
      expect(runs[1]!.result).toEqual({ error: 'Rendered host is empty', target: `:${listener.port}`, collectors: [] });
    } finally {
      await listener.close();
    }
  });

  it('renders environment variables empty in an env-less run', async () => {
    const { assignment } = await systemWith(
      'tpl-env-less',
      { strategy: 'script', config: { command: 'sh', args: ['-c', 'echo "[{{ environment.baseUrl }}|{{ system.name }}|{{ check.intervalSeconds }}]"'] } },
      [{ name: 'tpl-unused', fields: { baseUrl: 'http://never' } }],
      [],
    );
    const [run] = await runNow(assignment.id);
    expect(run!.environmentId).toBeNull();
    expect(run!.result.collectors[0]!.fields.stdout).toBe('[|tpl-env-less|60]\n');
  });

  it('refuses on save what a run could not render, naming the field', async () => {
    const unknown = await api.call('POST', '/api/v1/configurations', { name: 'tpl-unknown', strategy: 'http', intervalSeconds: 60, config: { url: '{{ environment.baseUrl }}{{ check.owner }}' } });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.details).toEqual([{ path: 'config.url', message: expect.stringMatching(/^Unknown template variable "check\.owner"/) }]);

    const port = await api.call('POST', '/api/v1/configurations/validate', { strategy: 'tcp', config: { host: 'h', port: '{{ environment.port }}' } });
    expect(port.body).toEqual({ valid: false, errors: [{ path: ['config', 'port'], message: expect.stringMatching(/^Templates .* are not supported in this field/) }] });

    const secret = await api.call('POST', '/api/v1/configurations', { name: 'tpl-no-secret', strategy: 'script', intervalSeconds: 60, config: { command: 'true', secretEnv: { API_TOKEN: 'never-created' } } });
    expect(secret.status).toBe(400);
    expect(secret.body.error.details).toEqual([{ path: 'config.secretEnv.API_TOKEN', message: expect.stringMatching(/^Secret "never-created" does not exist/) }]);
  });
});

describe('secrets in runs', () => {
  // Characters that JSON, URLs and base64 each write differently, so every form is distinct.
  const value = `s3cr3t/"pw"&x y+${randomBytes(6).toString('hex')}`;
  const forms = [value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value), Buffer.from(value).toString('base64')];
  const printEveryForm = [
    'const t = process.env.API_TOKEN;',
    "console.log('plain ' + t);",
    "console.log('json ' + JSON.stringify({ t }));",
    "console.log('url ' + encodeURIComponent(t));",
    "console.log('base64 ' + Buffer.from(t).toString('base64'));",
    "console.log('split ' + t.slice(0, 9) + '\\n' + t.slice(9));",
    "console.log('template ' + process.argv[1]);",
    "console.log('sha256 ' + require('node:crypto').createHash('sha256').update(t).digest('hex'));",
    'process.stderr.write(t); process.exit(3);',
  ].join('\n');

  it('hands a script its secretEnv and stores every printed form of it as ****', async () => {
    await created('/api/v1/secrets', { name: 'payments-token', value });
    const { system, assignment } = await systemWith(
      'tpl-secret-script',
      { strategy: 'script', config: { command: process.execPath, args: ['-e', printEveryForm, '{{ secrets.Payments-Token }}'], secretEnv: { API_TOKEN: 'payments-token' } } },
      [],
    );
    await runNow(assignment.id);
    const [run] = await storedRuns(system.id);
    const stdout = run!.result.collectors[0]!.fields.stdout!;
    // The script did receive the value: it printed its hash, which the mask cannot know.
    expect(stdout).toContain(`sha256 ${createHash('sha256').update(value).digest('hex')}`);
    expect(stdout).toContain('plain ****\njson {"t":"****"}\nurl ****\nbase64 ****\nsplit ****\ntemplate ****\n');
    expect(run!.result.collectors[0]!.fields.stderr).toBe('****');
    expect(run!.message).toBe('Check failed: Shell script exited with code 3');

    const stored = JSON.stringify(await storedRuns(system.id));
    const raw = JSON.stringify((await api.database.pool.query('SELECT message, result FROM runs WHERE system_id = $1', [system.id])).rows);
    for (const form of forms) {
      expect(stored).not.toContain(form);
      expect(raw).not.toContain(form);
      expect(raw).not.toContain(JSON.stringify(form).slice(1, -1)); // as the JSON column writes it
    }
  });

  it('fails the collector whose secret is gone, naming the secret', async () => {
    await created('/api/v1/secrets', { name: 'short-lived', value: 'gone-soon' });
    const { assignment } = await systemWith('tpl-secret-gone', { strategy: 'script', config: { command: 'true', secretEnv: { T: 'short-lived' } } }, []);
    expect((await api.call('DELETE', '/api/v1/secrets/short-lived')).status).toBe(204);
    const [run] = await runNow(assignment.id);
    expect(run).toMatchObject({ status: 'unhealthy', message: "Check failed: secret 'short-lived' not found" });
  });

  it('fails the run when its strategy config needs a secret that is gone', async () => {
    await created('/api/v1/secrets', { name: 'header-token', value: 'h-value' });
    const { assignment } = await systemWith('tpl-header-gone', { strategy: 'http', config: { url: `${east.url}/health`, headers: { authorization: 'Bearer {{ secrets.header-token }}' } } }, []);
    await api.call('DELETE', '/api/v1/secrets/header-token');
    const before = east.requests;
    const [run] = await runNow(assignment.id);
    expect(run).toMatchObject({ status: 'unhealthy', message: "secret 'header-token' not found" });
    expect(east.requests).toBe(before);
  });

  it('masks a secret inside a rendered URL that turned out invalid', async () => {
    await created('/api/v1/secrets', { name: 'url-secret', value: 'not-a-host-but-secret' });
    const { assignment } = await systemWith('tpl-url-secret', { strategy: 'http', config: { url: '{{ secrets.url-secret }}/health' } }, []);
    const [run] = await runNow(assignment.id);
    expect(run).toMatchObject({ status: 'unhealthy', message: 'Rendered URL is invalid: ****/health', result: { error: 'Rendered URL is invalid: ****/health', target: '****/health' } });
  });
});

describe('the secrets API', () => {
  const value = `api-${randomBytes(8).toString('hex')}`;

  it('never answers with a value: create, list, replace, conflicts and errors', async () => {
    const responses = [];
    const create = await api.call('POST', '/api/v1/secrets', { name: 'api-secret', value });
    expect(create.status).toBe(201);
    expect(create.body).toEqual({ name: 'api-secret', createdAt: expect.any(String), updatedAt: expect.any(String) });
    responses.push(create);
    const list = await api.call('GET', '/api/v1/secrets');
    expect(list.body.items.map((s: { name: string }) => s.name)).toContain('api-secret');
    responses.push(list);
    const replaced = await api.call('PUT', '/api/v1/secrets/API-SECRET', { value: `${value}-2` });
    expect(replaced.status).toBe(200);
    responses.push(replaced);

    const duplicate = await api.call('POST', '/api/v1/secrets', { name: 'Api-Secret', value });
    expect(duplicate.status).toBe(409);
    expect(duplicate.body.error.details).toEqual([{ path: 'name', message: expect.any(String) }]);
    const badName = await api.call('POST', '/api/v1/secrets', { name: 'has space', value });
    expect(badName.status).toBe(400);
    expect(badName.body.error.details.map((d: { path: string }) => d.path)).toEqual(['name']);
    const badValue = await api.call('POST', '/api/v1/secrets', { name: 'typed', value: 42 });
    expect(badValue.body.error.details.map((d: { path: string }) => d.path)).toEqual(['value']);
    const extra = await api.call('POST', '/api/v1/secrets', { name: 'extra', value, note: value });
    expect(extra.status).toBe(400);
    const missing = await api.call('PUT', '/api/v1/secrets/nobody', { value });
    expect(missing.status).toBe(404);
    expect(missing.body.error.details).toEqual([{ path: 'name', message: 'no secret with name nobody' }]);
    responses.push(duplicate, badName, badValue, extra, missing);

    for (const response of responses) expect(JSON.stringify(response.body)).not.toContain(value);
    const openapi = JSON.stringify((await api.call('GET', '/api/openapi.json')).body);
    expect(openapi).toContain('/api/v1/secrets/{name}');

    const { rows } = await api.database.pool.query(`SELECT * FROM secrets WHERE lower(name) = 'api-secret'`);
    expect(JSON.stringify(rows)).not.toContain(value);
    expect((await api.services.secrets.resolve(['api-secret'])).get('api-secret')).toBe(`${value}-2`);

    expect((await api.call('DELETE', '/api/v1/secrets/api-secret')).status).toBe(204);
    expect((await api.call('DELETE', '/api/v1/secrets/api-secret')).status).toBe(404);
  });
});

describe('vigil secrets rotate-key', () => {
  it('re-encrypts every secret under the new key, which then reads them; the old key no longer does', async () => {
    const database = await createTestDatabase();
    const dir = mkdtempSync(join(tmpdir(), 'vigil-rotate-'));
    try {
      const oldKey = randomBytes(32);
      const newKey = randomBytes(32);
      const before = new SecretsService(database.db, new SecretCipher(oldKey));
      await before.create({ name: 'one', value: 'first value' });
      await before.create({ name: 'two', value: 'second value' });
      writeFileSync(join(dir, 'new.key'), `${newKey.toString('base64')}\n`, { mode: 0o600 });

      const run = runVigil(['secrets', 'rotate-key', '--new-key-file', join(dir, 'new.key'), '--data-dir', dir], {
        DATABASE_URL: connectionUrl(database.connection),
        VIGIL_SECRET_KEY: oldKey.toString('hex'),
      });
      expect(await run.exited, run.output()).toBe(0);
      expect(run.output()).toMatch(/Re-encrypted 2 secret\(s\) and notification channel\(s\) under key [0-9a-f]{16}/);
      expect(run.output()).not.toContain(newKey.toString('base64'));

      const after = new SecretsService(database.db, new SecretCipher(newKey));
      expect(Object.fromEntries(await after.resolve(['one', 'two']))).toEqual({ one: 'first value', two: 'second value' });
      await expect(before.resolve(['one'])).rejects.toThrow(/^secret 'one' cannot be decrypted: it was encrypted under key/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await database.close();
    }
  }, 60_000);

  it('on the embedded default: stop Vigil, rotate, start again — the key file is replaced and checks still get the secret', async () => {
    const root = mkdtempSync('/tmp/vigil-rotate-embedded-');
    chmodSync(root, 0o755); // as root, PostgreSQL runs as `postgres`, which must reach the data dir
    const dataDir = join(root, 'data');
    const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const hashOf = (text: string) => createHash('sha256').update(text).digest('hex');
    try {
      const first = await startVigil(['--data-dir', dataDir]);
      expect((await apiFetch(first.url, `/api/v1/secrets`, json({ name: 'rotated', value: 'before and after' }))).status).toBe(201);
      const system = await (await apiFetch(first.url, `/api/v1/systems`, json({ name: 'rotation' }))).json();
      const configuration = await (
        await apiFetch(
          first.url,
          `/api/v1/configurations`,
          json({
            name: 'rotation-check',
            strategy: 'script',
            intervalSeconds: 3600,
            config: { command: process.execPath, args: ['-e', "console.log(require('node:crypto').createHash('sha256').update(process.env.T).digest('hex'))"], secretEnv: { T: 'rotated' } },
          }),
        )
      ).json();
      const assignment = await (await apiFetch(first.url, `/api/v1/assignments`, json({ systemId: system.id, configurationId: configuration.id }))).json();
      const runNow = async (url: string) => (await (await apiFetch(url, `/api/v1/assignments/${assignment.id}/run`, { method: 'POST' })).json()).items[0];
      expect(JSON.stringify(await runNow(first.url))).toContain(hashOf('before and after'));
      expect(await first.stop()).toBe(0);

      const keyBefore = readFileSync(join(dataDir, 'secret.key'), 'utf8');
      const rotate = runVigil(['secrets', 'rotate-key', '--data-dir', dataDir]);
      expect(await rotate.exited, rotate.output()).toBe(0);
      const keyAfter = readFileSync(join(dataDir, 'secret.key'), 'utf8');
      expect(keyAfter).not.toBe(keyBefore);
      expect(rotate.output()).not.toContain(keyAfter.trim());

      const second = await startVigil(['--data-dir', dataDir]);
      const run = await runNow(second.url);
      expect(run.status, JSON.stringify(run)).toBe('healthy');
      expect(JSON.stringify(run)).toContain(hashOf('before and after'));
      expect(await second.stop()).toBe(0);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }, 90_000);

  it('says how to make a key when DATABASE_URL has none', async () => {
    const run = runVigil(['secrets', 'rotate-key'], { DATABASE_URL: 'postgres://127.0.0.1:1/none', VIGIL_SECRET_KEY: '' });
    expect(await run.exited).toBe(1);
    expect(run.output()).toMatch(/VIGIL_SECRET_KEY: is required with DATABASE_URL.*openssl rand -base64 32/);
  }, 30_000);
});
