import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from './support/api.ts';
import { serveOnLoopback, type RunningServer } from './support/http-server.ts';
import { startReceiver, type Receiver } from './targets/receiver.ts';
import { startTcpTarget, type TcpTarget } from './targets/tcp.ts';
import { runVigil } from './support/vigil-process.ts';

/**
 * The AI tools (SPEC §7.5) driven by the SDK's own client over streamable HTTP against a real
 * server: each tool's happy path, every documented error verbatim, a viewer refused with the API's
 * reason, dry runs that change nothing, and secrets never returned.
 */

let api: TestApi;
let server: RunningServer;
let receiver: Receiver;
let tcp: TcpTarget;
let admin: Client;
let viewer: Client;
let viewerToken: string;
let systemId: string;
let groupId: string;
let checkId: string;

const UNKNOWN = '00000000-0000-4000-8000-000000000000';

async function connect(token: string): Promise<Client> {
  const client = new Client({ name: 'vigil-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(`${server.base}/mcp`), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  return client;
}

type CallResult = { isError?: boolean; content: { type: string; text: string }[] };

async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<CallResult> {
  return (await client.callTool({ name, arguments: args })) as CallResult;
}

/** The tool's answer as JSON; fails the test with the tool's message when it answered an error. */
async function answer(client: Client, name: string, args: Record<string, unknown> = {}): Promise<any> {
  const result = await call(client, name, args);
  expect(result.isError, result.content[0]?.text).toBeFalsy();
  return JSON.parse(result.content[0]!.text);
}

/** The tool's error message (the test fails if it succeeded). */
async function refusal(client: Client, name: string, args: Record<string, unknown> = {}): Promise<string> {
  const result = await call(client, name, args);
  expect(result.isError, result.content[0]?.text).toBe(true);
  return result.content[0]!.text;
}

async function created(path: string, body: unknown): Promise<any> {
  const response = await api.call('POST', path, body);
  expect(response.status, JSON.stringify(response.body)).toBe(201);
  return response.body;
}

beforeAll(async () => {
  api = await createTestApi();
  server = await serveOnLoopback(api.app.fetch);
  receiver = await startReceiver();
  tcp = await startTcpTarget();
  const group = await created('/api/v1/groups', { name: 'mcp-group' });
  groupId = group.id;
  const system = await created('/api/v1/systems', { name: 'mcp-system', groupIds: [groupId] });
  systemId = system.id;
  const check = await created('/api/v1/configurations', { name: 'mcp-tcp', strategy: 'tcp', config: { host: '127.0.0.1', port: tcp.port, timeout: 1000 }, intervalSeconds: 60 });
  checkId = check.id;
  await created('/api/v1/assignments', { systemId, configurationId: checkId });
  const user = await api.services.access.createUser({ email: 'viewer@vigil.test', name: '', role: 'viewer', grants: [], password: 'a long enough password' });
  viewerToken = (await api.services.access.createToken({ kind: 'user', userId: user.id, email: user.email, role: 'viewer', grants: [] }, { name: 'assistant' })).token;
  admin = await connect(api.token);
  viewer = await connect(viewerToken);
});

afterAll(async () => {
  await admin?.close();
  await viewer?.close();
  await server?.close();
  await receiver?.close();
  await tcp?.close();
  await api?.close();
});

describe('the MCP endpoint', () => {
  it('refuses a request without a valid API token (401), before any tool is reached', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const refusals = [
      [undefined, 'Send an API token (Authorization: Bearer vgl_…): the AI tools run with its role and groups'],
      ['Bearer vgl_not-a-token', 'The API token is not valid (unknown, expired, revoked, or its user is disabled)'],
    ] as const;
    for (const [authorization, message] of refusals) {
      const response = await fetch(`${server.base}/mcp`, { method: 'POST', headers: { ...headers, ...(authorization && { authorization }) }, body });
      expect(response.status).toBe(401);
      expect(((await response.json()) as { error: { message: string } }).error.message).toBe(message);
    }
  });

  it('lists every tool of SPEC §7.5 with a description and a JSON input schema', async () => {
    const { tools } = await admin.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(
      [
        'healthcheck.listCapabilities',
        'healthcheck.getCapabilitySchema',
        'healthcheck.propose',
        'healthcheck.update',
        'healthcheck.delete',
        'healthcheck.getScriptContext',
        'healthcheck.testScript',
        'healthcheck.notifySystemSubscribers',
        'healthcheck.notifySystemGroupSubscribers',
        'healthcheck.status',
        'systems.list',
        'runs.list',
        'history.get',
        'incidents.list',
      ].sort(),
    );
    for (const tool of tools) {
      expect(tool.description!.length, tool.name).toBeGreaterThan(40);
      expect(tool.inputSchema.type, tool.name).toBe('object');
    }
    const update = tools.find((t) => t.name === 'healthcheck.update')!;
    expect(update.inputSchema.required).toEqual(['id', 'body']);
    expect(update.annotations?.readOnlyHint).toBe(false);
  });
});

describe('capabilities', () => {
  it('lists the strategies, and describes one with its result fields and their operators', async () => {
    const { kinds } = await answer(admin, 'healthcheck.listCapabilities');
    expect(kinds.map((k: { kind: string }) => k.kind)).toEqual(expect.arrayContaining(['http', 'tcp', 'script']));
    const http = await answer(admin, 'healthcheck.getCapabilitySchema', { kind: 'http' });
    expect(http.configSchema.type).toBe('object');
    const fields = http.collectors.flatMap((c: { resultFields: { name: string; operators: string[] }[] }) => c.resultFields);
    expect(fields.find((f: { name: string }) => f.name === 'statusCode')?.operators).toContain('equals');
  });

  it('names the known kinds for an unknown one', async () => {
    const message = await refusal(admin, 'healthcheck.getCapabilitySchema', { kind: 'telnet' });
    expect(message).toMatch(/^Unknown healthcheck capability kind "telnet"\. Known kinds: .*\bhttp\b.*\btcp\b/);
  });
});

describe('drafting and changing a check', () => {
  const draft = () => ({ name: 'drafted', strategy: 'tcp', intervalSeconds: 30, config: { host: '127.0.0.1', port: tcp.port, timeout: 1000 } });

  it('proposes a valid draft, test-runs it against a system, saves nothing; the draft then saves through the API', async () => {
    const before = await api.call('GET', '/api/v1/configurations?limit=500');
    const proposed = await answer(admin, 'healthcheck.propose', { definition: draft(), systemId });
    expect(proposed.valid).toBe(true);
    expect(proposed.testRun).toMatchObject({ status: 'healthy', systemId });
    expect((await api.call('GET', '/api/v1/configurations?limit=500')).body.items).toHaveLength(before.body.items.length);
    const saved = await api.call('POST', '/api/v1/configurations', proposed.definition);
    expect(saved.status, JSON.stringify(saved.body)).toBe(201);
    await api.call('DELETE', `/api/v1/configurations/${saved.body.id}`);
  });

  it('says what is wrong with an invalid draft, path by path', async () => {
    const message = await refusal(admin, 'healthcheck.propose', { definition: { ...draft(), strategy: 'telnet' } });
    expect(message).toMatch(/^The drafted health check is invalid: strategy: Unknown health-check strategy "telnet"\. Available: /);
    const config = await refusal(admin, 'healthcheck.propose', { definition: { ...draft(), config: { host: '127.0.0.1', port: 'eighty' } } });
    expect(config).toMatch(/^The drafted health check is invalid: config\.port: /);
  });

  it('shows the diff of an update on a dry run (the default) and changes nothing; dryRun false saves it, audited via mcp', async () => {
    const dry = await answer(admin, 'healthcheck.update', { id: checkId, body: { intervalSeconds: 120, config: { timeout: 2000 } } });
    expect(dry.dryRun).toBe(true);
    expect(dry.diff).toEqual(
      expect.arrayContaining([
        { path: 'intervalSeconds', before: 60, after: 120 },
        { path: 'config.timeout', before: 1000, after: 2000 },
      ]),
    );
    expect((await api.call('GET', `/api/v1/configurations/${checkId}`)).body).toMatchObject({ intervalSeconds: 60, config: { timeout: 1000 } });

    const saved = await answer(admin, 'healthcheck.update', { id: checkId, body: { intervalSeconds: 120 }, dryRun: false });
    expect(saved).toMatchObject({ dryRun: false, diff: [{ path: 'intervalSeconds', before: 60, after: 120 }] });
    expect((await api.call('GET', `/api/v1/configurations/${checkId}`)).body.intervalSeconds).toBe(120);
    const audit = await api.call('GET', `/api/v1/audit?resourceId=${checkId}`);
    expect(audit.body.items[0]).toMatchObject({ action: 'update', actor: { kind: 'token', label: 'admin@vigil.test (token tests) via mcp' } });
  });

  it('refuses an update that would be invalid, and names an unknown id as SPEC §7.5 says', async () => {
    expect(await refusal(admin, 'healthcheck.update', { id: checkId, body: { config: { port: 'eighty' } } })).toMatch(/^The updated health check is invalid: config\.port: /);
    for (const id of [UNKNOWN, 'not-an-id']) {
      expect(await refusal(admin, 'healthcheck.update', { id, body: { intervalSeconds: 5 } })).toBe(`No health check found with id "${id}". List health checks first to get a valid id.`);
      expect(await refusal(admin, 'healthcheck.delete', { id, confirm: true })).toBe(`No health check found with id "${id}". List health checks first to get a valid id.`);
    }
  });

  it('asks for confirmation before deleting, then deletes', async () => {
    const doomed = await created('/api/v1/configurations', { ...draft(), name: 'doomed' });
    const asked = await answer(admin, 'healthcheck.delete', { id: doomed.id });
    expect(asked).toMatchObject({ id: doomed.id, deleted: false, confirmationRequired: expect.stringContaining('confirm: true') });
    expect((await api.call('GET', `/api/v1/configurations/${doomed.id}`)).status).toBe(200);
    expect(await answer(admin, 'healthcheck.delete', { id: doomed.id, confirm: true })).toEqual({ id: doomed.id, deleted: true });
    expect((await api.call('GET', `/api/v1/configurations/${doomed.id}`)).status).toBe(404);
  });
});

describe('a viewer’s assistant', () => {
  it('reads, but every changing tool answers the API’s 403 reason and changes nothing', async () => {
    expect((await answer(viewer, 'systems.list')).items.map((s: { id: string }) => s.id)).toContain(systemId);
    const reason = 'This needs the editor role; you have viewer';
    expect(await refusal(viewer, 'healthcheck.update', { id: checkId, body: { intervalSeconds: 5 } })).toBe(reason);
    expect(await refusal(viewer, 'healthcheck.update', { id: checkId, body: { intervalSeconds: 5 }, dryRun: false })).toBe(reason);
    expect(await refusal(viewer, 'healthcheck.delete', { id: checkId })).toBe(reason);
    expect(await refusal(viewer, 'healthcheck.delete', { id: checkId, confirm: true })).toBe(reason);
    expect(await refusal(viewer, 'healthcheck.notifySystemSubscribers', { systemId, title: 't', body: 'b', importance: 'info' })).toBe(reason);
    expect(await refusal(viewer, 'healthcheck.notifySystemGroupSubscribers', { groupId, title: 't', body: 'b', importance: 'info' })).toBe(reason);
    expect(await refusal(viewer, 'healthcheck.testScript', { script: 'echo hi', timeoutMs: 5000 })).toBe(reason);
    expect((await api.call('GET', `/api/v1/configurations/${checkId}`)).status).toBe(200);
  });
});

describe('a group-limited editor’s assistant', () => {
  it('may change only what lies in its groups, refused in the API’s words', async () => {
    const other = await created('/api/v1/groups', { name: 'other-group' });
    const grants = [{ role: 'editor' as const, groupIds: [other.id] }];
    const user = await api.services.access.createUser({ email: 'scoped@vigil.test', name: '', role: null, grants, password: 'a long enough password' });
    const { token } = await api.services.access.createToken({ kind: 'user', userId: user.id, email: user.email, role: null, grants }, { name: 'scoped' });
    const scoped = await connect(token);
    try {
      expect(await refusal(scoped, 'healthcheck.update', { id: checkId, body: { intervalSeconds: 5 } })).toBe(
        'A configuration may be changed only when every system it is assigned to is in groups your role covers',
      );
      expect(await refusal(scoped, 'healthcheck.notifySystemSubscribers', { systemId, title: 't', body: 'b', importance: 'info' })).toBe(
        'This is outside the groups your role is limited to',
      );
      expect(await refusal(scoped, 'systems.list')).toBe('Your role is limited to some groups: list systems with ?groupId= one of yours');
      expect((await answer(scoped, 'systems.list', { groupId: other.id })).items).toEqual([]);
    } finally {
      await scoped.close();
    }
  });
});

describe('an editor’s assistant and checks that run on the host', () => {
  it('is refused a script check even on a dry run, in the API’s words', async () => {
    const script = await created('/api/v1/configurations', { name: 'host-script', strategy: 'script', config: { command: 'true', timeout: 5000 }, intervalSeconds: 60 });
    const user = await api.services.access.createUser({ email: 'editor-mcp@vigil.test', name: '', role: 'editor', grants: [], password: 'a long enough password' });
    const { token } = await api.services.access.createToken({ kind: 'user', userId: user.id, email: user.email, role: 'editor', grants: [] }, { name: 'editor' });
    const editor = await connect(token);
    try {
      const reason = 'Configurations of strategy "script" run commands on the Vigil host: they need the admin role; you have editor';
      expect(await refusal(editor, 'healthcheck.update', { id: script.id, body: { intervalSeconds: 120 } })).toBe(reason);
      expect(await refusal(editor, 'healthcheck.update', { id: script.id, body: { intervalSeconds: 120 }, dryRun: false })).toBe(reason);
      // An ordinary check it may change.
      expect((await answer(editor, 'healthcheck.update', { id: checkId, body: { intervalSeconds: 45 } })).dryRun).toBe(true);
    } finally {
      await editor.close();
    }
  });
});

describe('scripts', () => {
  it('describes the run context a script sees for a check, a system and an environment', async () => {
    const environment = await created('/api/v1/environments', { name: 'staging', fields: { baseUrl: 'https://staging.example' } });
    const { variables } = await answer(admin, 'healthcheck.getScriptContext', { configurationId: checkId, systemId, environmentId: environment.id });
    expect(variables).toMatchObject({
      VIGIL_CHECK_ID: checkId,
      VIGIL_CHECK_NAME: 'mcp-tcp',
      VIGIL_SYSTEM_ID: systemId,
      VIGIL_SYSTEM_NAME: 'mcp-system',
      VIGIL_ENV_NAME: 'staging',
      VIGIL_ENV_BASE_URL: 'https://staging.example',
    });
  });

  it('test-runs a script with the shell test-run’s result shape, secrets masked', async () => {
    await created('/api/v1/secrets', { name: 'MCP_TOKEN', value: 'hunter2-very-secret' });
    const withSecret = await created('/api/v1/configurations', {
      name: 'uses-secret',
      strategy: 'http',
      intervalSeconds: 60,
      config: { url: 'http://127.0.0.1:1/', headers: { authorization: 'Bearer {{ secrets.MCP_TOKEN }}' } },
    });
    const ran = await answer(admin, 'healthcheck.testScript', { script: 'echo "token=$T"; echo oops >&2; exit 3', secretEnv: { T: 'MCP_TOKEN' }, timeoutMs: 5000 });
    expect(ran).toMatchObject({ stdout: 'token=****\n', stderr: 'oops\n', exitCode: 3, timedOut: false, error: 'Shell script exited with code 3' });
    expect(typeof ran.durationMs).toBe('number');
    const json = await answer(admin, 'healthcheck.testScript', { script: 'echo \'{"ok": true}\'', timeoutMs: 5000 });
    expect(json.result).toEqual({ ok: true });
    // No tool answers the secret's value: not the stored check, not a change to it, not a run.
    const answers = [
      await call(admin, 'healthcheck.update', { id: withSecret.id, body: { intervalSeconds: 90 } }),
      await call(admin, 'healthcheck.propose', { definition: { name: 'x', strategy: 'http', intervalSeconds: 60, config: { url: 'http://127.0.0.1:1/?t={{ secrets.MCP_TOKEN }}' } }, systemId }),
      await call(admin, 'healthcheck.testScript', { script: 'echo "$T"', secretEnv: { T: 'MCP_TOKEN' }, timeoutMs: 5000 }),
    ];
    for (const result of answers) {
      expect(result.isError, result.content[0]!.text).toBeFalsy();
      expect(result.content[0]!.text).not.toContain('hunter2');
    }
  });
});

describe('notifying subscribers', () => {
  it('sends to each channel subscribed to the system (directly or by its group) and to the group, and counts them', async () => {
    const direct = await created('/api/v1/notification-channels', { name: 'direct', type: 'webhook', config: { url: `${receiver.url}/direct` } });
    const byGroup = await created('/api/v1/notification-channels', { name: 'by-group', type: 'webhook', config: { url: `${receiver.url}/group` } });
    await created('/api/v1/subscriptions', { systemId, channelId: direct.id, on: ['any'] });
    await created('/api/v1/subscriptions', { groupId, channelId: byGroup.id, on: ['any'] });
    const message = { title: 'Deploy at 5', body: 'Expect a short blip', importance: 'warning', actionLabel: 'Runbook', actionUrl: 'https://runbook.example/deploy' };

    expect(await answer(admin, 'healthcheck.notifySystemSubscribers', { systemId, ...message })).toEqual({ notifiedCount: 2 });
    expect(receiver.received.map((r) => r.path).sort()).toEqual(['/direct', '/group']);
    expect(receiver.received[0]!.body).toContain('Deploy at 5');
    expect(receiver.received[0]!.body).toContain('https://runbook.example/deploy');

    receiver.received.length = 0;
    expect(await answer(admin, 'healthcheck.notifySystemGroupSubscribers', { groupId, ...message })).toEqual({ notifiedCount: 1 });
    expect(receiver.received.map((r) => r.path)).toEqual(['/group']);
  });
});

describe('reading health, runs, history and incidents', () => {
  it('reports health with the failing checks and their last message, runs, history and incidents', async () => {
    // Five failures in a row make a check unhealthy (SPEC §3.1's default thresholds).
    for (let i = 5; i > 0; i--) {
      const at = new Date(Date.now() - i * 1000);
      await api.services.recorder.recordRun({
        systemId, configurationId: checkId, environmentId: null, source: 'Local', status: 'unhealthy', latencyMs: 3, message: 'Connection refused', result: {}, scheduledFor: at, at,
      });
    }
    const one = await answer(admin, 'healthcheck.status', { systemId });
    expect(one.systems[0]).toMatchObject({ systemId, status: 'unhealthy', failing: [{ configurationId: checkId, name: 'mcp-tcp', status: 'unhealthy', message: 'Connection refused' }] });
    const all = await answer(admin, 'healthcheck.status');
    expect(all.systems.map((s: { systemId: string }) => s.systemId)).toContain(systemId);

    const runs = await answer(viewer, 'runs.list', { systemId });
    expect(runs.items[0]).toMatchObject({ systemId, status: 'unhealthy', message: 'Connection refused' });
    const history = await answer(viewer, 'history.get', { systemId });
    expect(history.total.runs).toBeGreaterThanOrEqual(1);

    await created('/api/v1/incidents', { title: 'Outage', systemIds: [systemId], severity: 'major' });
    const incidents = await answer(viewer, 'incidents.list', { systemId });
    expect(incidents.items.map((i: { title: string }) => i.title)).toContain('Outage');
  });

  it('answers an API error in the API’s words', async () => {
    expect(await refusal(admin, 'runs.list', { systemId: 'nope' })).toMatch(/systemId: expected a UUID/);
  });
});

describe('over stdio (vigil mcp)', () => {
  const bin = fileURLToPath(new URL('../bin/vigil.js', import.meta.url));

  it('offers the same tools, run as the token’s user by the server', async () => {
    const client = new Client({ name: 'vigil-stdio-test', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: process.execPath, args: [bin, 'mcp', '--server', server.base, '--token', viewerToken], stderr: 'pipe' }));
    try {
      expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual((await admin.listTools()).tools.map((t) => t.name).sort());
      const listed = (await client.callTool({ name: 'systems.list', arguments: {} })) as CallResult;
      expect(JSON.parse(listed.content[0]!.text).items.map((s: { id: string }) => s.id)).toContain(systemId);
      const refused = (await client.callTool({ name: 'healthcheck.update', arguments: { id: checkId, body: { intervalSeconds: 5 } } })) as CallResult;
      expect(refused).toMatchObject({ isError: true, content: [{ text: 'This needs the editor role; you have viewer' }] });
    } finally {
      await client.close();
    }
  }, 120_000);

  it('says which token the server refused, or that one is missing, and exits 1', async () => {
    const refused = runVigil(['mcp', '--server', server.base, '--token', 'vgl_wrong'], { VIGIL_TOKEN: undefined, VIGIL_SERVER: undefined, XDG_CONFIG_HOME: '/nonexistent' });
    expect(await refused.exited, refused.output()).toBe(1);
    expect(refused.output()).toContain(`vigil mcp: could not open the AI tools at ${server.base}/mcp: `);
    expect(refused.output()).toContain('The API token is not valid');
    const missing = runVigil(['mcp', '--server', server.base], { VIGIL_TOKEN: undefined, VIGIL_SERVER: undefined, XDG_CONFIG_HOME: '/nonexistent' });
    expect(await missing.exited).toBe(1);
    expect(missing.output()).toContain('vigil mcp: which token? Give --token vgl_… (or set VIGIL_TOKEN, or run vigil login)');
  }, 120_000);
});
