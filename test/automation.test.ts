import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AutomationRunner } from '../src/automation/runner.ts';
import { silentLogger } from '../src/kernel/log.ts';
import type { Status } from '../src/kernel/status.ts';
import { createTestApi, type TestApi } from './support/api.ts';
import { startReceiver, type Receiver } from './targets/receiver.ts';

/**
 * Automation rules end to end (SPEC §6.1; issue 20) through the real write path: status changes
 * recorded by the recorder reach the outbox, the runner evaluates them against the rules (filter →
 * window → for) and runs the actions, each recorded in the rule's executions.
 */

let api: TestApi;
let receiver: Receiver;
let configurationId: string;
let at = Date.now() - 3 * 3_600_000;

// One failure is unhealthy, one success healthy: every run below is a status change.
const sharp = { mode: 'consecutive', healthy: { minSuccessCount: 1 }, degraded: { minFailureCount: 1 }, unhealthy: { minFailureCount: 1 } };

async function system(name: string): Promise<string> {
  const id = (await api.call('POST', '/api/v1/systems', { name })).body.id;
  expect((await api.call('POST', '/api/v1/assignments', { systemId: id, configurationId, stateThresholds: sharp })).status).toBe(201);
  return id;
}
async function run(systemId: string, status: Status) {
  at += 1_000;
  await api.services.recorder.recordRun({ systemId, configurationId, environmentId: null, source: 'Local', status, latencyMs: 3, message: status === 'healthy' ? '' : 'connection refused', result: {}, scheduledFor: new Date(at), at: new Date(at) });
}
/** A rule, through the API. */
async function rule(fields: { name: string; trigger: string; filter?: string; window?: unknown; for?: string; actions: unknown[] }): Promise<string> {
  const created = await api.call('POST', '/api/v1/automations', fields);
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  return created.body.id;
}
const settle = async () => {
  for (let i = 0; i < 3; i++) await api.services.automationLoop.kick();
};
const executions = async (ruleId: string) =>
  (await api.database.pool.query(`SELECT state, reason, partition FROM automation_executions WHERE rule_id = $1 ORDER BY created_at`, [ruleId])).rows;
const hooks = (path: string) => receiver.received.filter((r) => r.path === path);

beforeAll(async () => {
  api = await createTestApi({ notifications: { groupWindowSeconds: 0 } });
  receiver = await startReceiver();
  configurationId = (await api.call('POST', '/api/v1/configurations', { name: 'tcp', strategy: 'tcp', config: { host: '127.0.0.1', port: 9 }, intervalSeconds: 60 })).body.id;
});
afterAll(async () => {
  await api.close();
  await receiver.close();
});

describe('flapping (SPEC §6.1, exactly as written there)', () => {
  it('fires once when a system turns bad three times within the hour, with the rendered input and an idempotency key', async () => {
    const payments = await system('payments');
    await run(payments, 'healthy');
    const ruleId = await rule({
      name: 'flapping',
      trigger: 'healthcheck.system_health_changed',
      filter: 'trigger.payload.newStatus != "healthy"',
      window: { count: 3, minutes: 60, refire: 'once' },
      actions: [{ type: 'webhook', input: { url: `${receiver.url}/flapping`, body: { text: '{{ trigger.payload.systemName }} is flapping' } } }],
    });
    for (const status of ['unhealthy', 'healthy', 'unhealthy', 'healthy', 'unhealthy', 'healthy', 'unhealthy'] as Status[]) await run(payments, status);
    await settle();
    expect(hooks('/flapping').map((r) => r.json)).toEqual([{ text: 'payments is flapping' }]);
    const key = hooks('/flapping')[0]!.headers['x-vigil-key'];
    const { rows: actions } = await api.database.pool.query(`SELECT id, state, attempts FROM automation_action_runs WHERE execution_id IN (SELECT id FROM automation_executions WHERE rule_id = $1)`, [ruleId]);
    expect(actions).toEqual([{ id: key, state: 'succeeded', attempts: 1 }]);
    // Seven changes: three back to healthy (filtered out, not recorded), then 1 and 2 of 3, the third fires, the fourth is in the episode.
    expect((await executions(ruleId)).map((x) => [x.state, x.reason])).toEqual([
      ['skipped', '1 of 3 events in 60 min'],
      ['skipped', '2 of 3 events in 60 min'],
      ['succeeded', null],
      ['skipped', 'already fired in this episode (refire once)'],
    ]);
  });
});

describe('sustained outages and auto-incidents', () => {
  it('open an incident when a system stays degraded for the duration, once, and resolve it on recovery', async () => {
    const orders = await system('orders');
    await run(orders, 'healthy');
    const open = await rule({
      name: 'sustained outage',
      trigger: 'healthcheck.system_degraded',
      for: '2s',
      actions: [{ type: 'incident.open', input: { title: '{{ trigger.payload.systemName }} is down', severity: 'major' } }],
    });
    const resolve = await rule({ name: 'recovered', trigger: 'healthcheck.system_healthy', actions: [{ type: 'incident.resolve', input: { message: 'Back to healthy.' } }] });
    await run(orders, 'unhealthy');
    await settle();
    expect((await executions(open)).map((x) => x.state)).toEqual(['waiting']);
    await new Promise((resolve) => setTimeout(resolve, 2_200));
    // Two passes at once, as on two workers: the for fires once.
    await Promise.all([api.services.automationLoop.kick(), api.services.automationLoop.kick()]);
    await settle();
    expect((await executions(open)).map((x) => x.state)).toEqual(['succeeded']);
    const incidents = (await api.call('GET', `/api/v1/incidents?systemId=${orders}`)).body.items;
    expect(incidents).toMatchObject([{ title: 'orders is down', severity: 'major', status: 'investigating' }]);

    await run(orders, 'healthy');
    await settle();
    expect((await executions(resolve)).map((x) => x.state)).toEqual(['succeeded']);
    expect((await api.call('GET', `/api/v1/incidents/${incidents[0].id}`)).body).toMatchObject({ status: 'resolved' });
  });

  it('cancel a waiting for when the system recovers first', async () => {
    const search = await system('search');
    await run(search, 'healthy');
    const ruleId = await rule({ name: 'search down', trigger: 'healthcheck.system_degraded', for: '1m', actions: [{ type: 'webhook', input: { url: `${receiver.url}/never` } }] });
    await run(search, 'unhealthy');
    await settle();
    await run(search, 'healthy');
    await settle();
    expect(await executions(ruleId)).toEqual([{ state: 'cancelled', reason: 'healthcheck.system_healthy arrived before the for ended', partition: search }]);
    expect(hooks('/never')).toEqual([]);
  });
});

describe('a for and another worker', () => {
  it('is not fired while the recovery that cancels it waits to be evaluated elsewhere', async () => {
    const queue = await system('queue');
    await run(queue, 'healthy');
    const ruleId = await rule({ name: 'queue down', trigger: 'healthcheck.system_degraded', for: '1s', actions: [{ type: 'webhook', input: { url: `${receiver.url}/raced` } }] });
    await run(queue, 'unhealthy');
    await settle();
    await run(queue, 'healthy'); // in the outbox, not evaluated yet
    await new Promise((resolve) => setTimeout(resolve, 1_200)); // the for is due
    // Another worker is evaluating (it holds the cursor): this one's pass must not fire the for.
    const other = await api.database.pool.connect();
    try {
      await other.query('BEGIN');
      await other.query(`SELECT 1 FROM automation_cursor WHERE name = 'rules' FOR UPDATE`);
      const elsewhere = new AutomationRunner(api.database.pool, { log: silentLogger(), doors: {} as never });
      expect(await elsewhere.fireDue()).toBe(0);
      expect((await executions(ruleId)).map((x) => x.state)).toEqual(['waiting']);
    } finally {
      await other.query('ROLLBACK');
      other.release();
    }
    await settle();
    expect((await executions(ruleId)).map((x) => x.state)).toEqual(['cancelled']);
    expect(hooks('/raced')).toEqual([]);
  });
});

describe('actions', () => {
  it('fail visibly, naming the assignment, when it does not exist', async () => {
    const cart = await system('cart');
    await run(cart, 'healthy');
    const ruleId = await rule({ name: 'disable it', trigger: 'healthcheck.system_degraded', actions: [{ type: 'disable_assignment', input: { systemId: '{{ trigger.payload.systemId }}', configurationId: '00000000-0000-4000-8000-000000000000' } }, { type: 'webhook', input: { url: `${receiver.url}/after` } }] });
    await run(cart, 'unhealthy');
    await settle();
    const [execution] = await executions(ruleId);
    expect(execution).toMatchObject({ state: 'failed', reason: `action 1 (disable_assignment) failed: Assignment not found: ${cart} ↔ 00000000-0000-4000-8000-000000000000` });
    const { rows } = await api.database.pool.query(`SELECT position, state, attempts FROM automation_action_runs WHERE execution_id IN (SELECT id FROM automation_executions WHERE rule_id = $1) ORDER BY position`, [ruleId]);
    expect(rows).toEqual([{ position: 0, state: 'failed', attempts: 1 }, { position: 1, state: 'skipped', attempts: 0 }]);
  });

  it('retry a receiver that fails with the same key, and disable a real assignment', async () => {
    const images = await system('images');
    await run(images, 'healthy');
    receiver.answer('/retry', { status: 503, body: 'busy' });
    const ruleId = await rule({
      name: 'self-heal',
      trigger: 'healthcheck.system_degraded',
      actions: [{ type: 'webhook', input: { url: `${receiver.url}/retry` } }, { type: 'disable_assignment', input: { systemId: '{{ trigger.payload.systemId }}', configurationId } }],
    });
    await run(images, 'unhealthy');
    await settle();
    expect(hooks('/retry')).toHaveLength(1);
    await api.database.pool.query(`UPDATE automation_action_runs SET next_attempt_at = now() WHERE state = 'pending'`);
    await settle();
    const keys = hooks('/retry').map((r) => r.headers['x-vigil-key']);
    expect(keys).toHaveLength(2);
    expect(keys[0]).toBe(keys[1]);
    expect((await executions(ruleId)).map((x) => x.state)).toEqual(['succeeded']);
    expect((await api.call('GET', `/api/v1/assignments?systemId=${images}`)).body.items[0]).toMatchObject({ enabled: false });
    const audit = (await api.call('GET', '/api/v1/audit?resourceType=assignment')).body.items[0];
    expect(audit).toMatchObject({ action: 'update', actor: { label: 'automation self-heal' } });
  });
});

describe('more actions', () => {
  it("notify a system's subscribers, run a check now and start maintenance", async () => {
    const billing = await system('billing');
    const channelId = (await api.call('POST', '/api/v1/notification-channels', { name: 'auto', type: 'webhook', config: { url: `${receiver.url}/notify` } })).body.id;
    await api.call('POST', '/api/v1/subscriptions', { systemId: billing, channelId, on: ['recovered'] });
    await run(billing, 'healthy');
    const ruleId = await rule({
      name: 'diagnose',
      trigger: 'healthcheck.system_degraded',
      actions: [
        { type: 'run_now', input: { systemId: '{{ trigger.payload.systemId }}', configurationId } },
        { type: 'notify', input: { systemId: '{{ trigger.payload.systemId }}', title: '{{ trigger.payload.systemName }} needs a look', text: 'was {{ trigger.payload.previousStatus }}; the check says {{ actions.0.output.runs.0.status }}', severity: 'critical' } },
        { type: 'maintenance.start', input: { minutes: 30 } },
      ],
    });
    await run(billing, 'unhealthy');
    await settle();
    await expect.poll(async () => (await executions(ruleId)).map((x) => x.state), { timeout: 20_000 }).toEqual(['succeeded']);
    const { rows } = await api.database.pool.query(`SELECT type, output FROM automation_action_runs WHERE execution_id IN (SELECT id FROM automation_executions WHERE rule_id = $1) ORDER BY position`, [ruleId]);
    // The check ran for real (nothing listens on port 9): its run is in the output.
    expect(rows[0].output.runs).toEqual([expect.objectContaining({ status: 'unhealthy' })]);
    expect(hooks('/notify').map((r) => r.json)).toContainEqual(expect.objectContaining({ title: 'billing needs a look', text: 'was healthy; the check says unhealthy', severity: 'critical' }));
    const health = (await api.call('GET', `/api/v1/systems/${billing}/health`)).body;
    expect(health.inMaintenance).toBe(true);
    expect(rows[2].output.windowId).toEqual(expect.any(String));
  });
});

describe('secrets in actions', () => {
  it('are references resolved only when the action runs: never stored, never answered, masked in what the receiver echoes', async () => {
    const token = 'hook-token-7d1f29c4a0';
    expect((await api.call('POST', '/api/v1/secrets', { name: 'HOOK_TOKEN', value: token })).status).toBe(201);
    const literal = await api.call('POST', '/api/v1/automations', { name: 'leaky', trigger: 'healthcheck.system_degraded', actions: [{ type: 'webhook', input: { url: `${receiver.url}/x`, headers: { Authorization: `Bearer ${token}` } } }] });
    expect(literal.status).toBe(400);
    expect(literal.body.error.details[0]).toMatchObject({ path: 'actions.0.input.headers.Authorization', message: expect.stringMatching(/^expected a secret reference such as "Bearer \{\{ secrets.HOOK_TOKEN \}\}"/) });

    const vault = await system('vault');
    await run(vault, 'healthy');
    receiver.answer('/secret', { status: 500, body: `denied for ${token}` });
    const ruleId = await rule({ name: 'with a token', trigger: 'healthcheck.system_degraded', actions: [{ type: 'webhook', input: { url: `${receiver.url}/secret`, headers: { Authorization: 'Bearer {{ secrets.HOOK_TOKEN }}' } } }] });
    await run(vault, 'unhealthy');
    await settle();
    await api.database.pool.query(`UPDATE automation_action_runs SET next_attempt_at = now() WHERE state = 'pending'`);
    await settle();
    expect(hooks('/secret').map((r) => r.headers.authorization)).toEqual([`Bearer ${token}`, `Bearer ${token}`]);
    const stored = JSON.stringify([
      (await api.database.pool.query(`SELECT input, attempt_log, output FROM automation_action_runs WHERE execution_id IN (SELECT id FROM automation_executions WHERE rule_id = $1)`, [ruleId])).rows,
      (await api.call('GET', `/api/v1/automations/${ruleId}`)).body,
      (await api.call('GET', `/api/v1/automations/${ruleId}/executions`)).body,
    ]);
    expect(stored).not.toContain(token);
    expect(stored).toContain('denied for ****');
    expect(stored).toContain('{{ secrets.HOOK_TOKEN }}');
  });
});

describe('a rule never fires on the past', () => {
  it('ignores events from before it was created', async () => {
    const ledger = await system('ledger');
    await run(ledger, 'healthy');
    await run(ledger, 'unhealthy');
    const ruleId = await rule({ name: 'late', trigger: 'healthcheck.system_degraded', actions: [{ type: 'webhook', input: { url: `${receiver.url}/late` } }] });
    await settle();
    expect(await executions(ruleId)).toEqual([]);
    // Its executions through the API: none.
    expect((await api.call('GET', `/api/v1/automations/${ruleId}/executions`)).body.items).toEqual([]);
  });
});
