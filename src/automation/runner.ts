import type pg from 'pg';
import { z } from 'zod';
import { runAs } from '../access/audit.ts';
import { consumePage, cursorRow, type ConsumerState } from '../events/consumer.ts';
import { pruneConsumed } from '../events/read.ts';
import { incidentOpenSql } from '../incidents/read.ts';
import { inTransaction } from '../db/transaction.ts';
import { maskSecrets } from '../definitions/mask.ts';
import { DomainError } from '../kernel/errors.ts';
import type { Logger } from '../kernel/log.ts';
import { actionType } from './actions/registry.ts';
import type { ActionDoors, ActionOutcome } from './actions/types.ts';
import { cancels, compileRule, decide, firstGate, type CompiledRule, type TriggerEvent } from './evaluate.ts';
import { renderInput, secretsIn } from './template.ts';
import { TRIGGERS } from './triggers.ts';

const CURSOR = 'rules';
/** Its name in outbox_consumed. */
const CONSUMER = 'automations';
/** Evaluation reads under it; a due `for` fires under it too. */
const EVALUATION_CURSOR = cursorRow('automation_cursor', CURSOR);
const BATCH = 200;
/** Pages one pass reads at most. */
const MAX_PAGES = 50;
/** Tries per action before it is marked failed. */
export const MAX_ACTION_ATTEMPTS = 6;
const ACTION_TIMEOUT_MS = 60_000;
/** A claimed action is a worker's until then; a crashed worker's is taken over after it. */
const LEASE_MS = ACTION_TIMEOUT_MS + 30_000;
/** Executions and matches are kept this long (the longest window is a week). */
const KEEP = '14 days';

/** The wait before attempt `attempt + 1`: 5 s doubling to 10 min, ±50 % jitter. */
export function actionBackoffMs(attempt: number, random = Math.random): number {
  return Math.round(Math.min(5_000 * 2 ** (attempt - 1), 600_000) * (0.5 + random()));
}

/** Where a pass is (events/consumer.ts). */
export type EvaluationState = ConsumerState;

interface RuleRow {
  id: string;
  name: string;
  trigger: string;
  filter: string | null;
  window: CompiledRule['window'];
  for_ms: number | null;
  actions: CompiledRule['actions'];
  enabled_at: Date;
}

interface ActionRunRow {
  id: string;
  execution_id: string;
  position: number;
  type: string;
  input: Record<string, unknown>;
  attempts: number;
  rule_id: string;
  rule_name: string;
  partition: string;
  event_id: string;
  topic: string;
  payload: Record<string, unknown>;
}

/**
 * Runs automation rules (SPEC §6.1; issue 20) on worker processes, durably and once across them:
 * - evaluates each trigger event of the outbox against every enabled rule (one process at a time,
 *   the cursor row's lock; an execution per (rule × event) is unique), counting windows from the
 *   stored matches and storing a `for` as a waiting execution;
 * - fires a waiting execution when its time comes, unless an opposite event cancelled it first
 *   (a conditional update: once, whichever worker gets there);
 * - runs each fired execution's actions in order, at least once, with a lease, retries with
 *   backoff, and every attempt in the execution's record. The action run's id is its idempotency key.
 */
export class AutomationRunner {
  private lastPrune = 0;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: { log: Logger; doors: Omit<ActionDoors, 'linkedIncident' | 'linkIncident'> },
  ) {}

  /** One pass: new events a page at a time (actions run between pages), due `for`s, due actions. Answers how much it did. */
  async pass(): Promise<number> {
    let done = 0;
    const state: EvaluationState = { after: 0 };
    for (let page = 0; page < MAX_PAGES; page++) {
      const evaluated = await this.evaluatePage(state);
      done += (evaluated?.evaluated ?? 0) + (await this.drainActions());
      if (!evaluated?.more) break;
    }
    done += await this.fireDue();
    done += await this.drainActions();
    if (Date.now() - this.lastPrune > 3_600_000) {
      this.lastPrune = Date.now();
      await this.prune().catch((error: unknown) => this.options.log.warn({ err: error }, 'Could not prune old automation executions'));
    }
    return done;
  }

  private async drainActions(): Promise<number> {
    let ran = 0;
    for (let round = 0, n = 1; round < 10 && n > 0; round++) ran += n = await this.runDueActions();
    return ran;
  }

  // ── evaluating events ────────────────────────────────────────────────────

  /** Every new event, page after page; answers the evaluations recorded. */
  async evaluateEvents(): Promise<number> {
    let evaluated = 0;
    const state: EvaluationState = { after: 0 };
    for (let page = 0; page < MAX_PAGES; page++) {
      const result = await this.evaluatePage(state);
      evaluated += result?.evaluated ?? 0;
      if (!result?.more) break;
    }
    return evaluated;
  }

  /**
   * One page of trigger events against every enabled rule, in one transaction holding the cursor
   * (one process at a time; undefined when another holds it). Each rule's evaluation is a
   * savepoint: one that fails is said and tried again next pass, the cursor waiting for it.
   */
  async evaluatePage(state: EvaluationState): Promise<{ evaluated: number; more: boolean } | undefined> {
    const page = await consumePage(
      this.pool,
      {
        consumer: CONSUMER,
        topics: TRIGGERS,
        batch: BATCH,
        cursor: EVALUATION_CURSOR,
        // No rule enabled: nothing is read, and the cursor moves on (a rule never fires on the past).
        prepare: async (client) => {
          const rules = await this.enabledRules(client);
          return rules.length ? rules : undefined;
        },
        handle: async (client, row, rules) => {
          const event: TriggerEvent = { id: row.id, topic: row.topic, payload: row.payload, at: row.created_at };
          let evaluated = 0;
          let done = true;
          for (const { rule, enabledAt } of rules) {
            // A rule never fires on what happened before it was created or enabled.
            if (row.created_at < enabledAt) continue;
            // Most rules have nothing to do with most events: decided purely, no round trip.
            const work = this.work(rule, event);
            if (!work) continue;
            // One rule that fails is undone alone; the event is tried again next pass (the others are idempotent).
            await client.query('SAVEPOINT rule');
            try {
              evaluated += await this.evaluate(client, rule, event, Number(row.seq), work);
              await client.query('RELEASE SAVEPOINT rule');
            } catch (error) {
              await client.query('ROLLBACK TO SAVEPOINT rule');
              this.options.log.error({ err: error, ruleId: rule.id, eventId: row.id }, 'Could not evaluate an automation rule; it is tried again next pass');
              done = false;
            }
          }
          return { count: evaluated, done };
        },
        log: this.options.log,
        failure: 'Could not evaluate an event against the automation rules; it is tried again next pass',
      },
      state,
    );
    return page && { evaluated: page.count, more: page.more };
  }

  private async enabledRules(client: Pick<pg.PoolClient, 'query'>): Promise<{ rule: CompiledRule; enabledAt: Date }[]> {
    const { rows } = await client.query<RuleRow>(`SELECT id, name, trigger, filter, "window", for_ms, actions, enabled_at FROM automation_rules WHERE enabled`);
    return rows.flatMap((row) => {
      try {
        return [{ rule: compileRule({ id: row.id, name: row.name, trigger: row.trigger, filter: row.filter, window: row.window, forMs: row.for_ms, actions: row.actions }), enabledAt: row.enabled_at }];
      } catch (error) {
        this.options.log.error({ err: error, ruleId: row.id }, 'An automation rule cannot be read; it is skipped');
        return [];
      }
    });
  }

  /**
   * What an event asks of a rule, decided without the database: ending a waiting `for`, and/or
   * an evaluation (its trigger, passing the filter). An event that fails the filter is not
   * recorded: a hundred rules would write a hundred rows per event; the dry run shows why.
   */
  private work(rule: CompiledRule, event: TriggerEvent): { cancel?: { partition: string }; evaluate?: { partition: string } } | undefined {
    const cancel = cancels(rule, event);
    const gate = event.topic === rule.trigger ? firstGate(rule, event) : undefined;
    const evaluate = gate?.passed ? { partition: gate.partition } : undefined;
    return cancel || evaluate ? { ...(cancel ? { cancel } : {}), ...(evaluate ? { evaluate } : {}) } : undefined;
  }

  private async evaluate(client: pg.PoolClient, rule: CompiledRule, event: TriggerEvent, seq: number, work: NonNullable<ReturnType<AutomationRunner['work']>>): Promise<number> {
    // An opposite event ends a waiting `for` of its partition — only one that began before it.
    const cancelled = work.cancel;
    if (cancelled) {
      await client.query(
        `UPDATE automation_executions x SET state = 'cancelled', reason = $4, finished_at = now()
          WHERE rule_id = $1 AND partition = $2 AND state = 'waiting' AND EXISTS (SELECT 1 FROM outbox o WHERE o.id = x.event_id AND o.seq < $3)`,
        [rule.id, cancelled.partition, seq, `${event.topic} arrived before the for ended`],
      );
    }
    if (!work.evaluate) return 0;
    const { partition } = work.evaluate;
    let count = 0;
    if (rule.window) {
      await client.query(`INSERT INTO automation_matches (rule_id, partition, event_id, at) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, [rule.id, partition, event.id, event.at]);
      const { rows } = await client.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM automation_matches WHERE rule_id = $1 AND partition = $2 AND at > $3::timestamptz - make_interval(mins => $4) AND at <= $3`,
        [rule.id, partition, event.at, rule.window.minutes],
      );
      count = rows[0]!.n;
    }
    const { rows: state } = await client.query<{ episode: boolean; waiting: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM automation_episodes WHERE rule_id = $1 AND partition = $2) AS episode,
              EXISTS (SELECT 1 FROM automation_executions WHERE rule_id = $1 AND partition = $2 AND state = 'waiting') AS waiting`,
      [rule.id, partition],
    );
    const verdict = decide(rule, event, { count, episodeOpen: state[0]!.episode, waiting: state[0]!.waiting }, { partition, passed: true });
    if (verdict.episode === 'open') await client.query(`INSERT INTO automation_episodes (rule_id, partition) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [rule.id, partition]);
    if (verdict.episode === 'close') await client.query(`DELETE FROM automation_episodes WHERE rule_id = $1 AND partition = $2`, [rule.id, partition]);

    const executionState = verdict.state === 'fire' ? 'running' : verdict.state;
    const { rows: inserted } = await client.query<{ id: string }>(
      `INSERT INTO automation_executions (rule_id, event_id, topic, payload, partition, gates, state, reason, due_at, created_at, fired_at, finished_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, clock_timestamp(), CASE WHEN $7 = 'running' THEN clock_timestamp() END, CASE WHEN $7 = 'skipped' THEN clock_timestamp() END)
       ON CONFLICT ON CONSTRAINT automation_executions_once_key DO NOTHING RETURNING id`,
      [rule.id, event.id, event.topic, event.payload, verdict.partition, verdict.gates, executionState, verdict.state === 'skipped' ? verdict.reason : null, verdict.state === 'waiting' ? verdict.dueAt : null],
    );
    if (inserted.length && verdict.state === 'fire') await this.queueActions(client, rule, inserted[0]!.id, event);
    return inserted.length;
  }

  /** The execution's actions, rendered from the event: the first due now, the rest after the one before. */
  private async queueActions(client: Pick<pg.PoolClient, 'query'>, rule: Pick<CompiledRule, 'id' | 'name' | 'actions'>, executionId: string, event: { topic: string; payload: Record<string, unknown> }): Promise<void> {
    const scope = { trigger: { type: event.topic, payload: event.payload }, rule: { id: rule.id, name: rule.name } };
    for (const [position, action] of rule.actions.entries()) {
      await client.query(
        `INSERT INTO automation_action_runs (execution_id, position, type, input, state) VALUES ($1, $2, $3, $4, $5) ON CONFLICT ON CONSTRAINT automation_action_runs_position_key DO NOTHING`,
        [executionId, position, action.type, renderInput(action.input, scope), position === 0 ? 'pending' : 'blocked'],
      );
    }
    if (!rule.actions.length) await client.query(`UPDATE automation_executions SET state = 'succeeded', finished_at = now() WHERE id = $1`, [executionId]);
  }

  // ── `for` ────────────────────────────────────────────────────────────────

  /** Waiting executions whose time has come: each fired once (the conditional update), with its actions queued in the same transaction. */
  async fireDue(): Promise<number> {
    return inTransaction(this.pool, async (client) => {
      // Under the evaluation cursor, and only up to where the evaluation has read: a recovery that
      // came before the due time cancels the `for` first, even when another worker is evaluating.
      const until = await EVALUATION_CURSOR.lock(client);
      if (!until) return 0;
      const { rows } = await client.query<{ id: string; rule_id: string; topic: string; payload: Record<string, unknown>; name: string; actions: CompiledRule['actions'] }>(
        `UPDATE automation_executions x SET state = 'running', fired_at = now()
           FROM automation_rules r
          WHERE x.rule_id = r.id AND r.enabled
            AND x.id IN (SELECT id FROM automation_executions WHERE state = 'waiting' AND due_at <= least(now(), $1) ORDER BY due_at LIMIT 200 FOR UPDATE SKIP LOCKED)
          RETURNING x.id, x.rule_id, x.topic, x.payload, r.name, r.actions`,
        [until],
      );
      for (const row of rows) await this.queueActions(client, { id: row.rule_id, name: row.name, actions: row.actions }, row.id, row);
      return rows.length;
    });
  }

  // ── actions ──────────────────────────────────────────────────────────────

  async runDueActions(limit = 20): Promise<number> {
    const { rows } = await this.pool.query<ActionRunRow>(
      `WITH claimed AS (
         UPDATE automation_action_runs a SET state = 'running', lease_until = now() + make_interval(secs => $2::float8 / 1000),
                -- An attempt counts when it starts: one whose worker died is in the record too, and counts toward the limit.
                attempts = a.attempts + 1,
                attempt_log = CASE WHEN a.state = 'running'
                                   THEN a.attempt_log || jsonb_build_array(jsonb_build_object('at', a.lease_until, 'ok', false, 'error', 'the worker running it stopped before it finished (its lease ran out)'))
                                   ELSE a.attempt_log END
          WHERE a.id IN (SELECT id FROM automation_action_runs
                          WHERE (state = 'pending' AND next_attempt_at <= now()) OR (state = 'running' AND lease_until < now())
                          ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
          RETURNING a.*)
       SELECT c.id, c.execution_id, c.position, c.type, c.input, c.attempts, x.rule_id, r.name AS rule_name, x.partition, x.event_id, x.topic, x.payload
         FROM claimed c JOIN automation_executions x ON x.id = c.execution_id JOIN automation_rules r ON r.id = x.rule_id`,
      [limit, LEASE_MS],
    );
    await Promise.all(rows.map((row) => this.runAction(row)));
    return rows.length;
  }

  private async runAction(row: ActionRunRow): Promise<void> {
    const started = new Date();
    let outcome: ActionOutcome;
    let secretValues = new Map<string, string>();
    const action = actionType(row.type);
    try {
      if (!action) throw Object.assign(new Error(`unknown action type ${row.type}`), { permanent: true });
      // Attempts whose worker died count too: an action that brings its worker down is not tried for ever.
      if (row.attempts > MAX_ACTION_ATTEMPTS) throw Object.assign(new Error(`gave up after ${row.attempts - 1} attempts`), { permanent: true });
      // Outputs of the actions before it, for `{{ actions.<n>.output… }}` (rendered now, not when queued).
      const { rows: earlier } =
        row.position === 0
          ? { rows: [] }
          : await this.pool.query<{ output: Record<string, unknown> | null }>(`SELECT output FROM automation_action_runs WHERE execution_id = $1 AND position < $2 ORDER BY position`, [
              row.execution_id,
              row.position,
            ]);
      const scope = { trigger: { type: row.topic, payload: row.payload }, rule: { id: row.rule_id, name: row.rule_name } };
      // Secrets are read now, used in memory, and masked out of whatever the action answers.
      const secretNames = secretsIn(row.input);
      secretValues = secretNames.length ? await this.options.doors.secrets(secretNames) : new Map();
      // Checked as stored (a secret stays a reference for the check), then the secrets put in.
      const parsed = action.input.parse(renderInput(row.input, scope, earlier.map((r) => r.output)));
      const input = secretValues.size ? renderInput(parsed, scope, undefined, secretValues) : parsed;
      // What it changes is audited as this rule's doing.
      const actor = { kind: 'system' as const, id: `automation:${row.rule_id}`, label: `automation ${row.rule_name}` };
      outcome = await runAs(actor, () => action.run(input, {
        key: row.id,
        rule: { id: row.rule_id, name: row.rule_name },
        execution: { id: row.execution_id, partition: row.partition },
        trigger: { id: row.event_id, type: row.topic, payload: row.payload },
        signal: AbortSignal.timeout(ACTION_TIMEOUT_MS),
        doors: { ...this.options.doors, linkedIncident: (ruleId, partition) => this.linkedIncident(ruleId, partition), linkIncident: (ruleId, partition, id) => this.linkIncident(ruleId, partition, id) },
      }));
    } catch (error) {
      // A door that refused (an assignment not found, a validation error) will refuse again: not retried.
      const permanent = (error as { permanent?: boolean }).permanent === true || error instanceof DomainError || error instanceof z.ZodError;
      outcome = { ok: false, retryable: !permanent, error: (error as Error).message };
    }
    if (secretValues.size) outcome = maskSecrets(outcome, [...secretValues.values()]);
    const attempts = row.attempts;
    const entry = { at: started.toISOString(), ms: Date.now() - started.getTime(), ok: outcome.ok, ...(outcome.ok ? {} : { error: outcome.error }) };
    if (outcome.ok) {
      await this.finishAction(row, 'succeeded', attempts, entry, outcome.output ?? null);
    } else if (outcome.retryable && attempts < MAX_ACTION_ATTEMPTS) {
      await this.pool.query(
        `UPDATE automation_action_runs SET state = 'pending', attempts = $2, attempt_log = attempt_log || $3::jsonb, lease_until = NULL, next_attempt_at = now() + make_interval(secs => $4::float8 / 1000)
          WHERE id = $1 AND state = 'running'`,
        [row.id, attempts, JSON.stringify([entry]), actionBackoffMs(attempts)],
      );
    } else {
      this.options.log.warn({ actionRunId: row.id, ruleId: row.rule_id, type: row.type, error: outcome.error }, 'An automation action failed');
      await this.finishAction(row, 'failed', attempts, entry, null);
    }
  }

  /** Records an action's end and moves its execution on: the next action, or the execution's own end. */
  private async finishAction(row: ActionRunRow, state: 'succeeded' | 'failed', attempts: number, entry: Record<string, unknown>, output: Record<string, unknown> | null): Promise<void> {
    await inTransaction(this.pool, async (client) => {
      const { rowCount } = await client.query(
        `UPDATE automation_action_runs SET state = $2, attempts = $3, attempt_log = attempt_log || $4::jsonb, output = $5, lease_until = NULL, finished_at = now()
          WHERE id = $1 AND state = 'running'`,
        [row.id, state, attempts, JSON.stringify([entry]), output],
      );
      if (!rowCount) return;
      if (state === 'succeeded') {
        const { rowCount: next } = await client.query(`UPDATE automation_action_runs SET state = 'pending', next_attempt_at = now() WHERE execution_id = $1 AND position = $2 AND state = 'blocked'`, [row.execution_id, row.position + 1]);
        if (!next) await client.query(`UPDATE automation_executions SET state = 'succeeded', finished_at = now() WHERE id = $1 AND state = 'running'`, [row.execution_id]);
      } else {
        await client.query(`UPDATE automation_action_runs SET state = 'skipped', finished_at = now() WHERE execution_id = $1 AND state = 'blocked'`, [row.execution_id]);
        await client.query(`UPDATE automation_executions SET state = 'failed', reason = $2, finished_at = now() WHERE id = $1 AND state = 'running'`, [row.execution_id, `action ${row.position + 1} (${row.type}) failed: ${String(entry.error ?? '')}`]);
      }
    });
  }

  private async linkedIncident(ruleId: string | null, partition: string): Promise<string | undefined> {
    // One resolved by a person (or deleted) is no longer open: a new one may be opened.
    const { rows } = await this.pool.query<{ incident_id: string }>(
      `SELECT incident_id FROM automation_incidents WHERE ($1::uuid IS NULL OR rule_id = $1) AND partition = $2 AND ${incidentOpenSql('incident_id')}
        ORDER BY opened_at DESC LIMIT 1`,
      [ruleId, partition],
    );
    return rows[0]?.incident_id;
  }

  private async linkIncident(ruleId: string, partition: string, incidentId: string): Promise<void> {
    await this.pool.query(
      `INSERT INTO automation_incidents (rule_id, partition, incident_id) VALUES ($1, $2, $3)
       ON CONFLICT (rule_id, partition) DO UPDATE SET incident_id = excluded.incident_id, opened_at = now()`,
      [ruleId, partition, incidentId],
    );
  }

  /** Old finished executions and old window matches go; waiting and running ones stay. */
  private async prune(): Promise<void> {
    await pruneConsumed(this.pool);
    await this.pool.query(`DELETE FROM automation_executions WHERE state IN ('skipped', 'cancelled', 'succeeded', 'failed') AND created_at < now() - interval '${KEEP}'`);
    await this.pool.query(`DELETE FROM automation_matches WHERE at < now() - interval '${KEEP}'`);
  }
}
