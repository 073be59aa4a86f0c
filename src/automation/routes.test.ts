import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, created, refused as refusedBy, type TestApi } from '../../test/support/api.ts';
import { writeOutbox } from '../events/outbox.ts';
import { ACTION_TYPES } from './actions/registry.ts';
import { TRIGGERS } from './triggers.ts';

/**
 * Automation rules over HTTP with the real database (issue 20): the resource, its validation naming
 * each field, the audit log, what turning a rule off does to its waiting `for`s, the executions
 * log, the dry run (which must change nothing) and the catalogues.
 */

let api: TestApi;
const missingId = '00000000-0000-4000-8000-000000000000';
const MINUTE = 60_000;

beforeAll(async () => {
  api = await createTestApi();
});
afterAll(() => api.close());

const notifySubscribers = { type: 'notify', input: { systemId: '{{ trigger.payload.systemId }}', title: '{{ trigger.payload.systemName }} is flapping' } };
const flapping = {
  name: 'Flapping',
  trigger: 'healthcheck.system_health_changed',
  filter: 'trigger.payload.newStatus != "healthy"',
  window: { count: 3, minutes: 60, refire: 'once' },
  actions: [notifySubscribers],
};
const change = (systemId = randomUUID()) => ({
  systemId,
  systemName: 'payments',
  previousStatus: 'healthy',
  newStatus: 'degraded',
  healthyChecks: 1,
  totalChecks: 2,
  timestamp: new Date().toISOString(),
});

const create = (body: Record<string, unknown>) => created(api, '/api/v1/automations', body);
const refused = (method: string, path: string, body: Record<string, unknown>) => refusedBy(api, method, path, body);

async function dryRun(body: Record<string, unknown>) {
  const response = await api.call('POST', '/api/v1/automations/dry-run', body);
  expect(response.status, JSON.stringify(response.body)).toBe(200);
  return response.body;
}

const audit = async (id: string) => (await api.call('GET', `/api/v1/audit?resourceType=automation_rule&resourceId=${id}`)).body.items;

/** A waiting `for` of the rule, as the runner stores one. */
async function waitingExecution(ruleId: string, partition = randomUUID()): Promise<string> {
  const { rows } = await api.database.pool.query<{ id: string }>(
    `INSERT INTO automation_executions (rule_id, event_id, topic, payload, partition, gates, state, due_at)
     VALUES ($1, gen_random_uuid(), 'healthcheck.system_degraded', '{}', $2, '{"filter": {"passed": true}}', 'waiting', now() + interval '5 minutes') RETURNING id`,
    [ruleId, partition],
  );
  return rows[0]!.id;
}

const executionState = async (id: string) => (await api.database.pool.query(`SELECT state, reason, finished_at FROM automation_executions WHERE id = $1`, [id])).rows[0];

describe('automation rules', () => {
  it('are created with defaults, read back, listed by name, and their creation audited', async () => {
    const rule = await create(flapping);
    expect(rule).toMatchObject({
      name: 'Flapping',
      description: '',
      enabled: true,
      trigger: 'healthcheck.system_health_changed',
      filter: 'trigger.payload.newStatus != "healthy"',
      window: { count: 3, minutes: 60, refire: 'once', partitionBy: null },
      for: null,
      // Stored with the action's defaults filled in, templates as written.
      actions: [{ type: 'notify', input: { systemId: '{{ trigger.payload.systemId }}', title: '{{ trigger.payload.systemName }} is flapping', text: '', severity: 'warning' } }],
    });
    expect(Date.parse(rule.enabledAt)).toBeGreaterThan(Date.now() - MINUTE);
    expect((await api.call('GET', `/api/v1/automations/${rule.id}`)).body).toEqual(rule);
    const [entry] = await audit(rule.id);
    expect(entry).toMatchObject({ action: 'create', after: { name: 'Flapping', trigger: 'healthcheck.system_health_changed' } });

    await create({ ...flapping, name: 'another rule', window: null });
    const names = (await api.call('GET', '/api/v1/automations?limit=500')).body.items.map((r: { name: string }) => r.name);
    expect(names).toEqual([...names].sort((a: string, b: string) => a.toLowerCase().localeCompare(b.toLowerCase())));
    const first = await api.call('GET', '/api/v1/automations?limit=1');
    expect(first.body.items).toHaveLength(1);
    const second = await api.call('GET', `/api/v1/automations?limit=1&cursor=${first.body.nextCursor}`);
    expect(second.body.items[0].name).not.toBe(first.body.items[0].name);
  });

  it('are refused with each field named and what was expected', async () => {
    const valid = { ...flapping, name: 'Refused' };
    const [trigger] = await refused('POST', '/api/v1/automations', { ...valid, trigger: 'healthcheck.system_down' });
    expect(trigger).toEqual({ path: 'trigger', message: `expected one of ${TRIGGERS.join(', ')}` });
    expect(await refused('POST', '/api/v1/automations', { ...valid, filter: 'trigger.payload.stauts == "unhealthy"', trigger: 'healthcheck.check_failed', actions: [{ type: 'incident.resolve' }] })).toEqual([
      { path: 'filter', message: 'unknown field trigger.payload.stauts at column 1; did you mean status?' },
    ]);
    expect(await refused('POST', '/api/v1/automations', { ...valid, filter: 'trigger.payload.newStatus = "healthy"' })).toEqual([
      { path: 'filter', message: 'unexpected "=" at column 27; did you mean "=="?' },
    ]);
    const [partition] = await refused('POST', '/api/v1/automations', { ...valid, window: { count: 3, minutes: 60, partitionBy: 'trigger.payload.sytemId' } });
    expect(partition!.path).toBe('window.partitionBy');
    expect(partition!.message).toMatch(/^unknown field trigger\.payload\.sytemId at column 1; did you mean systemId\?$/);
    for (const duration of ['5 minutes', '25h', '0s']) {
      expect(await refused('POST', '/api/v1/automations', { ...valid, for: duration }), duration).toEqual([{ path: 'for', message: 'expected a duration such as 90s, 5m or 1h30m, at most 24h' }]);
    }
    const [type] = await refused('POST', '/api/v1/automations', { ...valid, actions: [notifySubscribers, { type: 'page', input: {} }] });
    expect(type).toEqual({ path: 'actions.1.type', message: `unknown action type "page"; expected one of ${ACTION_TYPES.map((a) => a.type).join(', ')}` });
    expect(await refused('POST', '/api/v1/automations', { ...valid, actions: [{ type: 'notify', input: { ...notifySubscribers.input, severity: 'loud', colour: 'red' } }] })).toEqual([
      { path: 'actions.0.input.severity', message: 'expected critical, warning or info' },
      { path: 'actions.0.input.colour', message: 'Unknown field "colour"' },
    ]);
    const [template] = await refused('POST', '/api/v1/automations', { ...valid, actions: [{ type: 'notify', input: { ...notifySubscribers.input, text: 'see {{ trigger.payload.nope }}' } }] });
    expect(template!.path).toBe('actions.0.input.text');
    expect(template!.message).toMatch(/^unknown variable \{\{ trigger\.payload\.nope \}\}; expected trigger\.payload\.<field> \(systemId, /);
    expect((await refused('POST', '/api/v1/automations', { ...valid, window: { count: 0, minutes: 60 } }))[0]!.path).toBe('window.count');
    expect((await refused('POST', '/api/v1/automations', { ...valid, actions: [] }))[0]).toEqual({ path: 'actions', message: 'expected at least one action' });
    expect((await refused('POST', '/api/v1/automations', { ...valid, colour: 'red' }))[0]!.path).toBe('colour');
    const none = (await api.call('GET', '/api/v1/automations?limit=500')).body.items.filter((r: { name: string }) => r.name === 'Refused');
    expect(none).toEqual([]);
  });

  it('are unique by name, ignoring case', async () => {
    await create({ ...flapping, name: 'Sustained outage' });
    const response = await api.call('POST', '/api/v1/automations', { ...flapping, name: 'SUSTAINED OUTAGE' });
    expect(response.status).toBe(409);
    expect(response.body.error.details).toEqual([{ path: 'name', message: 'an automation rule with this name already exists (names are unique, ignoring case)' }]);
    const other = await create({ ...flapping, name: 'Renamed later' });
    expect((await api.call('PATCH', `/api/v1/automations/${other.id}`, { name: 'sustained outage' })).status).toBe(409);
  });

  it('are changed field by field, the merged rule checked against its (new) trigger, and the change audited', async () => {
    const rule = await create({ name: 'Failures', trigger: 'healthcheck.check_failed', filter: 'trigger.payload.status == "unhealthy"', actions: [{ type: 'incident.resolve' }] });
    expect(rule.actions).toEqual([{ type: 'incident.resolve', input: { message: 'Resolved automatically.' } }]);
    const changed = await api.call('PATCH', `/api/v1/automations/${rule.id}`, { description: 'three strikes', window: { count: 3, minutes: 10, partitionBy: 'trigger.payload.configurationId' } });
    expect(changed.status, JSON.stringify(changed.body)).toBe(200);
    expect(changed.body).toMatchObject({ description: 'three strikes', filter: rule.filter, window: { count: 3, minutes: 10, refire: 'every', partitionBy: 'trigger.payload.configurationId' } });
    // The stored filter and partitionBy name fields system_degraded's payload does not have.
    const details = await refused('PATCH', `/api/v1/automations/${rule.id}`, { trigger: 'healthcheck.system_degraded' });
    expect(details.map((d) => d.path)).toEqual(['filter', 'window.partitionBy']);
    expect(details[0]!.message).toMatch(/^unknown field trigger\.payload\.status at column 1/);
    expect(await refused('PATCH', `/api/v1/automations/${rule.id}`, { for: '1 day' })).toEqual([{ path: 'for', message: 'expected a duration such as 90s, 5m or 1h30m, at most 24h' }]);
    const moved = await api.call('PATCH', `/api/v1/automations/${rule.id}`, { trigger: 'healthcheck.system_degraded', filter: null, window: null, for: '1h30m' });
    expect(moved.body).toMatchObject({ trigger: 'healthcheck.system_degraded', filter: null, window: null, for: '1h30m' });
    const entries = await audit(rule.id);
    expect(entries.map((e: { action: string }) => e.action)).toEqual(['update', 'update', 'create']);
    expect(entries[0].changes).toEqual(expect.arrayContaining([{ path: 'trigger', before: 'healthcheck.check_failed', after: 'healthcheck.system_degraded' }, { path: 'for', before: null, after: '1h30m' }]));
  });

  it('move enabledAt when turned back on, and cancel their waiting fors when turned off or changed', async () => {
    const rule = await create({ name: 'Degraded for 5 minutes', trigger: 'healthcheck.system_degraded', for: '5m', actions: [{ type: 'incident.open', input: { title: '{{ trigger.payload.systemName }} is degraded' } }] });
    const waiting = await waitingExecution(rule.id);
    // Neither the name nor the actions decide when it fires: nothing is cancelled.
    await api.call('PATCH', `/api/v1/automations/${rule.id}`, { name: 'Degraded a while', actions: [{ type: 'incident.open', input: { title: 'degraded' } }] });
    expect((await executionState(waiting)).state).toBe('waiting');

    const off = await api.call('PATCH', `/api/v1/automations/${rule.id}`, { enabled: false });
    expect(off.body).toMatchObject({ enabled: false, enabledAt: rule.enabledAt });
    expect(await executionState(waiting)).toMatchObject({ state: 'cancelled', reason: 'the rule was disabled', finished_at: expect.any(Date) });

    const on = await api.call('PATCH', `/api/v1/automations/${rule.id}`, { enabled: true });
    expect(Date.parse(on.body.enabledAt)).toBeGreaterThan(Date.parse(rule.enabledAt));
    const again = await api.call('PATCH', `/api/v1/automations/${rule.id}`, { enabled: true });
    expect(again.body.enabledAt).toBe(on.body.enabledAt);

    const next = await waitingExecution(rule.id);
    await api.call('PATCH', `/api/v1/automations/${rule.id}`, { for: '10m' });
    expect(await executionState(next)).toMatchObject({ state: 'cancelled', reason: 'the rule was changed' });
  });

  it('are deleted with their executions, audited, and then not found', async () => {
    const rule = await create({ ...flapping, name: 'Delete me' });
    const execution = await waitingExecution(rule.id);
    expect((await api.call('DELETE', `/api/v1/automations/${rule.id}`)).status).toBe(204);
    expect((await api.call('GET', `/api/v1/automations/${rule.id}`)).status).toBe(404);
    expect((await api.call('DELETE', `/api/v1/automations/${rule.id}`)).status).toBe(404);
    expect((await api.call('PATCH', `/api/v1/automations/${rule.id}`, { enabled: false })).status).toBe(404);
    expect((await api.call('GET', `/api/v1/automations/${rule.id}/executions`)).status).toBe(404);
    expect(await executionState(execution)).toBeUndefined();
    const [entry] = await audit(rule.id);
    expect(entry).toMatchObject({ action: 'delete', before: { name: 'Delete me' } });
  });
});

describe('executions', () => {
  it('are listed newest first in cursor pages, each with its actions in order, and filtered by state', async () => {
    const rule = await create({ ...flapping, name: 'Executed' });
    const at = Date.now() - 10 * MINUTE;
    const insert = async (state: string, offsetMs: number, extra: { reason?: string } = {}) =>
      (
        await api.database.pool.query<{ id: string }>(
          `INSERT INTO automation_executions (rule_id, event_id, topic, payload, partition, gates, state, reason, created_at, fired_at, finished_at)
           VALUES ($1, gen_random_uuid(), 'healthcheck.system_health_changed', $2, 'p', $3, $4, $5, $6, $6, $6) RETURNING id`,
          [rule.id, change(), { filter: { passed: true }, window: { passed: state !== 'skipped', count: 3, needed: 3, minutes: 60, refire: 'once' } }, state, extra.reason ?? null, new Date(at + offsetMs)],
        )
      ).rows[0]!.id;
    const skipped = await insert('skipped', 0, { reason: '2 of 3 events in 60 min' });
    const succeeded = await insert('succeeded', 1);
    const failed = await insert('failed', 1);
    for (const [position, state] of [
      [1, 'failed'],
      [0, 'succeeded'],
    ] as const) {
      await api.database.pool.query(
        `INSERT INTO automation_action_runs (execution_id, position, type, input, state, attempts, attempt_log, output, finished_at) VALUES ($1, $2, 'webhook', $3, $4, $5, $6, $7, now())`,
        [failed, position, { url: 'http://127.0.0.1:1/' }, state, position + 1, JSON.stringify([{ ok: state === 'succeeded' }]), state === 'succeeded' ? { status: 200 } : null],
      );
    }

    const all = (await api.call('GET', `/api/v1/automations/${rule.id}/executions`)).body;
    // Two created in one millisecond come by id, newest first with the rest.
    expect(all.items.map((e: { id: string }) => e.id)).toEqual([...[succeeded, failed].sort().reverse(), skipped]);
    const withRuns = all.items.find((e: { id: string }) => e.id === failed);
    expect(withRuns).toMatchObject({ ruleId: rule.id, topic: 'healthcheck.system_health_changed', partition: 'p', state: 'failed', gates: { window: { count: 3 } }, firedAt: new Date(at + 1).toISOString() });
    expect(withRuns.actions).toEqual([
      { position: 0, type: 'webhook', input: { url: 'http://127.0.0.1:1/' }, state: 'succeeded', attempts: 1, attemptLog: [{ ok: true }], output: { status: 200 }, finishedAt: expect.any(String) },
      { position: 1, type: 'webhook', input: { url: 'http://127.0.0.1:1/' }, state: 'failed', attempts: 2, attemptLog: [{ ok: false }], output: null, finishedAt: expect.any(String) },
    ]);
    expect(all.items.find((e: { id: string }) => e.id === skipped)).toMatchObject({ state: 'skipped', reason: '2 of 3 events in 60 min', actions: [] });

    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { items: { id: string }[]; nextCursor: string | null } } = await api.call('GET', `/api/v1/automations/${rule.id}/executions?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      paged.push(...page.body.items.map((e) => e.id));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(paged).toEqual(all.items.map((e: { id: string }) => e.id));

    const ids = async (query: string) => (await api.call('GET', `/api/v1/automations/${rule.id}/executions?${query}`)).body.items.map((e: { id: string }) => e.id);
    expect(await ids('state=skipped')).toEqual([skipped]);
    expect(await ids('state=waiting')).toEqual([]);
    expect((await api.call('GET', `/api/v1/automations/${rule.id}/executions?state=done`)).body.error.details).toEqual([
      { path: 'state', message: 'expected skipped, waiting, cancelled, running, succeeded or failed' },
    ]);
    expect((await api.call('GET', `/api/v1/automations/${missingId}/executions`)).status).toBe(404);
  });
});

describe('the dry run', () => {
  it('says the flapping rule (SPEC §6.1) waits for more events, and a rule without a window fires with its inputs rendered', async () => {
    const event = { type: 'healthcheck.system_health_changed', payload: change() };
    expect(await dryRun({ rule: flapping, event })).toEqual({
      verdict: 'skipped',
      reason: '1 of 3 events in 60 min',
      gates: { filter: { passed: true }, window: { passed: false, count: 1, needed: 3, minutes: 60, refire: 'once' } },
      partition: event.payload.systemId,
      actions: [],
    });
    expect(await dryRun({ rule: { ...flapping, window: null }, event })).toEqual({
      verdict: 'fire',
      gates: { filter: { passed: true } },
      partition: event.payload.systemId,
      actions: [{ type: 'notify', input: { systemId: event.payload.systemId, title: 'payments is flapping', text: '', severity: 'warning' } }],
    });
    const healthy = { type: 'healthcheck.system_health_changed', payload: { ...change(), newStatus: 'healthy' } };
    expect(await dryRun({ rule: flapping, event: healthy })).toMatchObject({ verdict: 'skipped', reason: 'the filter did not match', gates: { filter: { passed: false } }, actions: [] });
  });

  it('says when a for would fire', async () => {
    const before = Date.now();
    const answer = await dryRun({ rule: { ...flapping, window: null, for: '5m' }, event: { type: 'healthcheck.system_health_changed', payload: change() } });
    expect(answer).toMatchObject({ verdict: 'waiting', gates: { for: { ms: 5 * MINUTE } }, actions: [{ type: 'notify' }] });
    expect(Date.parse(answer.dueAt)).toBeGreaterThanOrEqual(before + 5 * MINUTE);
    expect(answer.gates.for.dueAt).toBe(answer.dueAt);
  });

  it("counts a saved rule's window from its stored matches, per partition, and knows its episode", async () => {
    const rule = await create({ ...flapping, name: 'Flapping, saved' });
    const systemId = randomUUID();
    const match = (partition: string, minutesAgo: number, eventId: string = randomUUID()) =>
      api.database.pool.query(`INSERT INTO automation_matches (rule_id, partition, event_id, at) VALUES ($1, $2, $3, now() - make_interval(mins => $4))`, [rule.id, partition, eventId, minutesAgo]);
    await match(systemId, 10);
    await match(systemId, 70); // outside the window
    await match(randomUUID(), 5); // another system
    const event = { type: 'healthcheck.system_health_changed', payload: change(systemId) };
    expect(await dryRun({ ruleId: rule.id, event })).toMatchObject({ verdict: 'skipped', reason: '2 of 3 events in 60 min', gates: { window: { count: 2 } } });
    await match(systemId, 5);
    expect(await dryRun({ ruleId: rule.id, event })).toMatchObject({ verdict: 'fire', gates: { window: { passed: true, count: 3 } }, actions: [{ input: { title: 'payments is flapping' } }] });
    await api.database.pool.query(`INSERT INTO automation_episodes (rule_id, partition) VALUES ($1, $2)`, [rule.id, systemId]);
    expect(await dryRun({ ruleId: rule.id, event })).toMatchObject({ verdict: 'skipped', reason: 'already fired in this episode (refire once)' });
  });

  it('replays a stored event, counting it once even when the runner already matched it', async () => {
    const rule = await create({ ...flapping, name: 'Flapping, replayed', window: { count: 2, minutes: 60 } });
    const payload = change();
    const [eventId] = await writeOutbox(api.database.pool, [{ topic: 'healthcheck.system_health_changed', payload } as never]);
    expect(await dryRun({ ruleId: rule.id, eventId })).toMatchObject({ verdict: 'skipped', reason: '1 of 2 events in 60 min', partition: payload.systemId });
    await api.database.pool.query(`INSERT INTO automation_matches (rule_id, partition, event_id, at) SELECT $1, $2, id, created_at FROM outbox WHERE id = $3`, [rule.id, payload.systemId, eventId]);
    expect(await dryRun({ ruleId: rule.id, eventId })).toMatchObject({ verdict: 'skipped', reason: '1 of 2 events in 60 min' });
    expect(await dryRun({ rule: { ...flapping, window: null }, eventId })).toMatchObject({ verdict: 'fire', actions: [{ input: { systemId: payload.systemId } }] });
    // An event of another topic is not the rule's business.
    const [incident] = await writeOutbox(api.database.pool, [
      { topic: 'incident.created', payload: { incidentId: randomUUID(), title: 't', severity: 'minor', status: 'investigating', message: 'm', systemIds: [], timestamp: new Date().toISOString() } } as never,
    ]);
    expect(await dryRun({ ruleId: rule.id, eventId: incident })).toMatchObject({ verdict: 'skipped', reason: 'the rule triggers on healthcheck.system_health_changed, not on incident.created', actions: [] });
  });

  it('is refused with each field named', async () => {
    const event = { type: 'healthcheck.system_health_changed', payload: change() };
    expect(await refused('POST', '/api/v1/automations/dry-run', { rule: flapping })).toEqual([{ path: 'eventId', message: 'expected exactly one of eventId and event' }]);
    expect(await refused('POST', '/api/v1/automations/dry-run', { rule: flapping, ruleId: missingId, event })).toEqual([{ path: 'ruleId', message: 'expected exactly one of ruleId and rule' }]);
    expect(await refused('POST', '/api/v1/automations/dry-run', { ruleId: missingId, event })).toEqual([{ path: 'ruleId', message: `no automation rule with id ${missingId}` }]);
    expect(await refused('POST', '/api/v1/automations/dry-run', { rule: flapping, eventId: missingId })).toEqual([
      { path: 'eventId', message: `no event with id ${missingId} (delivered events are kept for a limited time)` },
    ]);
    expect(await refused('POST', '/api/v1/automations/dry-run', { rule: { ...flapping, filter: 'trigger.payload.newStatuss == "x"' }, event })).toEqual([
      { path: 'rule.filter', message: 'unknown field trigger.payload.newStatuss at column 1; did you mean newStatus?' },
    ]);
    const { systemName: _name, ...nameless } = event.payload;
    expect(await refused('POST', '/api/v1/automations/dry-run', { rule: flapping, event: { ...event, payload: { ...nameless, newStatus: 'down' } } })).toEqual([
      { path: 'event.payload.systemName', message: 'required (expected a string)' },
      { path: 'event.payload.newStatus', message: 'expected one of "healthy", "degraded", "unhealthy"' },
    ]);
    expect((await refused('POST', '/api/v1/automations/dry-run', { rule: flapping, event: { ...event, type: 'run.completed' } }))[0]!.path).toBe('event.type');
  });

  it('changes nothing', async () => {
    const rule = await create({ ...flapping, name: 'Flapping, untouched', window: null, for: '1m' });
    const [eventId] = await writeOutbox(api.database.pool, [{ topic: 'healthcheck.system_health_changed', payload: change() } as never]);
    const tables = ['automation_rules', 'automation_executions', 'automation_action_runs', 'automation_matches', 'automation_episodes', 'automation_incidents', 'outbox', 'audit_log'];
    const counts = async () => {
      const { rows } = await api.database.pool.query<{ counts: Record<string, number> }>(`SELECT json_build_object(${tables.map((t) => `'${t}', (SELECT count(*) FROM ${t})`).join(', ')}) AS counts`);
      return { ...rows[0]!.counts, rule: (await api.call('GET', `/api/v1/automations/${rule.id}`)).body };
    };
    const before = await counts();
    expect(await dryRun({ ruleId: rule.id, eventId })).toMatchObject({ verdict: 'waiting' });
    expect(await dryRun({ rule: flapping, event: { type: 'healthcheck.system_health_changed', payload: change() } })).toMatchObject({ verdict: 'skipped' });
    expect(await counts()).toEqual(before);
  });
});

describe('the catalogues', () => {
  it('list every trigger with its payload schema, and every action with its input schema', async () => {
    const triggers = (await api.call('GET', '/api/v1/automation/triggers')).body.items;
    expect(triggers.map((t: { id: string }) => t.id)).toEqual([...TRIGGERS]);
    const degraded = triggers.find((t: { id: string }) => t.id === 'healthcheck.system_degraded');
    expect(degraded.payloadSchema).toMatchObject({ type: 'object', properties: { systemId: { type: 'string' }, newStatus: { enum: ['healthy', 'degraded', 'unhealthy'] } } });

    const actions = (await api.call('GET', '/api/v1/automation/actions')).body.items;
    expect(actions.map((a: { type: string }) => a.type)).toEqual(ACTION_TYPES.map((a) => a.type));
    const notify = actions.find((a: { type: string }) => a.type === 'notify');
    expect(notify).toMatchObject({ title: 'Send a notification', inputSchema: { type: 'object', required: ['title'], properties: { severity: { enum: ['critical', 'warning', 'info'], default: 'warning' } } } });
    const start = actions.find((a: { type: string }) => a.type === 'maintenance.start');
    expect(start.inputSchema).toMatchObject({ required: ['minutes'], additionalProperties: false });
  });
});
