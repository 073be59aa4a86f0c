import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import { and, asc, desc, eq, gt, inArray, ne, sql, type SQL } from 'drizzle-orm';
import { recordChange } from '../access/audit.ts';
import type { Db } from '../db/database.ts';
import { translateDbError } from '../db/errors.ts';
import { cursorKey, toPage, type Page, type PageRequest } from '../db/pagination.ts';
import { outboxEvent } from '../events/read.ts';
import { TOPICS } from '../events/topics.ts';
import { NotFoundError, ValidationError, formatPath } from '../kernel/errors.ts';
import { issueDetails, plainMessage } from '../kernel/validation-messages.ts';
import { compileRule, decide, firstGate, type CompiledRule, type RuleDefinition, type TriggerEvent } from './evaluate.ts';
import type { AutomationExecution, AutomationRule, AutomationRuleInput, AutomationRulePatch, DryRun, DryRunInput, ExecutionState } from './model.ts';
import { resolveRule, type ResolvedRule, type RuleSource } from './rule.ts';
import { automationActionRuns, automationEpisodes, automationExecutions, automationMatches, automationRules } from './schema.ts';
import { renderInput } from './template.ts';
import { isTrigger } from './triggers.ts';

type RuleRow = typeof automationRules.$inferSelect;

/**
 * Automation rules over HTTP (issue 20): saved, changed and deleted here, evaluated by the runner.
 * A rule is checked against its trigger on every save, the merged rule of a patch too. Turning a
 * rule off, or changing what decides when it fires, cancels its waiting `for`s in the same
 * transaction: they were promised by a rule that no longer says so. The dry run asks evaluate.ts
 * what the runner would decide, from the same stored facts, and writes nothing.
 */
export class AutomationService {
  constructor(private readonly db: Db) {}

  /** By name, ignoring case. */
  async list(page: PageRequest): Promise<Page<AutomationRule>> {
    const key = cursorKey(page);
    const rows = await this.db
      .select()
      .from(automationRules)
      .where(key === undefined ? undefined : gt(sql`lower(${automationRules.name})`, key))
      .orderBy(asc(sql`lower(${automationRules.name})`))
      .limit(page.limit + 1);
    return toPage(rows, page, (row) => row.name.toLowerCase(), toRule);
  }

  async get(id: string): Promise<AutomationRule> {
    return toRule(await this.row(this.db, id));
  }

  async create(input: AutomationRuleInput): Promise<AutomationRule> {
    const resolved = resolveOrThrow(input);
    return this.db
      .transaction(async (tx) => {
        const [row] = await tx
          .insert(automationRules)
          .values({ name: input.name, description: input.description, enabled: input.enabled, trigger: input.trigger, ...stored(resolved) })
          .returning();
        const rule = toRule(row!);
        await recordChange(tx, { resourceType: 'automation_rule', resourceId: rule.id, action: 'create', after: rule });
        return rule;
      })
      .catch(translateDbError);
  }

  /**
   * Changes some fields; the merged rule is checked as a whole. Enabling a disabled rule moves
   * `enabledAt` to now (events from while it was off are not its business).
   */
  async update(id: string, patch: AutomationRulePatch): Promise<AutomationRule> {
    return this.db
      .transaction(async (tx) => {
        const current = await this.row(tx, id, { lock: true });
        const before = toRule(current);
        const trigger = patch.trigger ?? current.trigger;
        if (!isTrigger(trigger)) throw new ValidationError([{ path: 'trigger', message: `the stored trigger ${trigger} is no longer one; choose another` }]);
        const merged: RuleSource = {
          trigger,
          filter: patch.filter === undefined ? before.filter : patch.filter,
          window: patch.window === undefined ? before.window : patch.window,
          for: patch.for === undefined ? before.for : patch.for,
          actions: patch.actions ?? current.actions,
        };
        const resolved = resolveOrThrow(merged);
        const enabled = patch.enabled ?? current.enabled;
        const [row] = await tx
          .update(automationRules)
          .set({
            name: patch.name ?? current.name,
            description: patch.description ?? current.description,
            enabled,
            trigger,
            ...stored(resolved),
            ...(enabled && !current.enabled ? { enabledAt: sql`now()` } : {}),
            updatedAt: new Date(),
          })
          .where(eq(automationRules.id, id))
          .returning();
        const reason = current.enabled && !enabled ? 'the rule was disabled' : decidesDifferently(current, trigger, resolved) ? 'the rule was changed' : undefined;
        if (reason) {
          await tx
            .update(automationExecutions)
            .set({ state: 'cancelled', reason, finishedAt: sql`now()` })
            .where(and(eq(automationExecutions.ruleId, id), eq(automationExecutions.state, 'waiting')));
        }
        // What the window counted under the old trigger, filter or partition no longer counts.
        if (decidesDifferently(current, trigger, resolved)) {
          await tx.delete(automationMatches).where(eq(automationMatches.ruleId, id));
          await tx.delete(automationEpisodes).where(eq(automationEpisodes.ruleId, id));
        }
        const rule = toRule(row!);
        await recordChange(tx, { resourceType: 'automation_rule', resourceId: id, action: 'update', before, after: rule });
        return rule;
      })
      .catch(translateDbError);
  }

  /** Deletes the rule with its executions, window matches and episodes. */
  async remove(id: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const [row] = await tx.delete(automationRules).where(eq(automationRules.id, id)).returning();
      if (!row) throw new NotFoundError('Automation rule', id);
      await recordChange(tx, { resourceType: 'automation_rule', resourceId: id, action: 'delete', before: toRule(row) });
    });
  }

  /** The rule's executions, newest first, each with its actions in order. */
  async executions(ruleId: string, page: PageRequest, filter: { state?: ExecutionState } = {}): Promise<Page<AutomationExecution>> {
    await this.row(this.db, ruleId);
    const key = cursorKey(page);
    const conditions: (SQL | undefined)[] = [eq(automationExecutions.ruleId, ruleId), filter.state ? eq(automationExecutions.state, filter.state) : undefined];
    if (key !== undefined) {
      const [at, id] = key.split('|');
      // The cursor carries the creation time to the microsecond: rows of one millisecond are neither skipped nor repeated.
      conditions.push(sql`(${automationExecutions.createdAt}, ${automationExecutions.id}) < (${at}::timestamptz, ${id}::uuid)`);
    }
    const rows = await this.db
      .select({ execution: automationExecutions, at: sql<string>`to_char(${automationExecutions.createdAt} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')` })
      .from(automationExecutions)
      .where(and(...conditions))
      .orderBy(desc(automationExecutions.createdAt), desc(automationExecutions.id))
      .limit(page.limit + 1);
    const ids = rows.slice(0, page.limit).map((row) => row.execution.id);
    const runs = ids.length ? await this.db.select().from(automationActionRuns).where(inArray(automationActionRuns.executionId, ids)).orderBy(asc(automationActionRuns.position)) : [];
    return toPage(rows, page, (row) => `${row.at}|${row.execution.id}`, (row) => toExecution(row.execution, runs.filter((run) => run.executionId === row.execution.id)));
  }

  /**
   * What a rule (saved or not) would do with an event (past or made up), read from the same facts
   * the runner reads — the window's matches, an open episode, a waiting `for` — and changing none.
   * An unsaved rule has no history: its window counts this event alone.
   */
  async dryRun(input: DryRunInput): Promise<DryRun> {
    const saved = input.ruleId === undefined ? undefined : await this.savedRule(input.ruleId);
    const rule = compileRule(saved ?? unsavedRule(input.rule!));
    const event = input.eventId === undefined ? madeUpEvent(input.event!) : await this.pastEvent(input.eventId);
    const { partition, passed } = firstGate(rule, event);
    if (event.topic !== rule.trigger) {
      return { verdict: 'skipped', reason: `the rule triggers on ${rule.trigger}, not on ${event.topic}`, gates: {}, partition, actions: [] };
    }
    const facts = saved ? await this.facts(rule, event, partition, passed) : { count: passed ? 1 : 0, episodeOpen: false, waiting: false };
    const verdict = decide(rule, event, facts);
    const scope = { trigger: { type: event.topic, payload: event.payload }, rule: { id: rule.id, name: rule.name } };
    return {
      verdict: verdict.state,
      ...(verdict.state === 'skipped' ? { reason: verdict.reason } : {}),
      gates: verdict.gates,
      partition: verdict.partition,
      ...(verdict.state === 'waiting' ? { dueAt: verdict.dueAt.toISOString() } : {}),
      actions: verdict.state === 'skipped' ? [] : rule.actions.map((action) => ({ type: action.type, input: renderInput(action.input, scope) })),
    };
  }

  /** Matches of the partition in the window before this event (this one counted once, if it passes), and the partition's stored state. */
  private async facts(rule: CompiledRule, event: TriggerEvent, partition: string, passed: boolean) {
    let count = 0;
    if (rule.window && passed) {
      const [row] = await this.db
        .select({ n: sql<number>`count(*)::int` })
        .from(automationMatches)
        .where(
          and(
            eq(automationMatches.ruleId, rule.id),
            eq(automationMatches.partition, partition),
            ne(automationMatches.eventId, event.id),
            sql`${automationMatches.at} > ${event.at.toISOString()}::timestamptz - make_interval(mins => ${rule.window.minutes})`,
            sql`${automationMatches.at} <= ${event.at.toISOString()}::timestamptz`,
          ),
        );
      count = row!.n + 1;
    }
    const [episode] = await this.db.select({ ruleId: automationEpisodes.ruleId }).from(automationEpisodes).where(and(eq(automationEpisodes.ruleId, rule.id), eq(automationEpisodes.partition, partition)));
    const [waiting] = await this.db
      .select({ id: automationExecutions.id })
      .from(automationExecutions)
      .where(and(eq(automationExecutions.ruleId, rule.id), eq(automationExecutions.partition, partition), eq(automationExecutions.state, 'waiting')))
      .limit(1);
    return { count, episodeOpen: episode !== undefined, waiting: waiting !== undefined };
  }

  private async savedRule(id: string): Promise<RuleDefinition> {
    const [row] = await this.db.select().from(automationRules).where(eq(automationRules.id, id));
    if (!row) throw new ValidationError([{ path: 'ruleId', message: `no automation rule with id ${id}` }]);
    return { id: row.id, name: row.name, trigger: row.trigger, filter: row.filter, window: row.window, forMs: row.forMs, actions: row.actions };
  }

  private async pastEvent(id: string): Promise<TriggerEvent> {
    const event = await outboxEvent(this.db, id);
    if (!event) throw new ValidationError([{ path: 'eventId', message: `no event with id ${id} (delivered events are kept for a limited time)` }]);
    return { id: event.id, topic: event.topic, payload: event.payload, at: event.createdAt };
  }

  private async row(db: Pick<Db, 'select'>, id: string, options: { lock?: boolean } = {}): Promise<RuleRow> {
    const query = db.select().from(automationRules).where(eq(automationRules.id, id));
    const [row] = options.lock ? await query.for('update') : await query;
    if (!row) throw new NotFoundError('Automation rule', id);
    return row;
  }
}

/** The rule checked against its trigger; its problems as one 400, each at its field (under `prefix`). */
function resolveOrThrow(rule: RuleSource, prefix: (string | number)[] = []): ResolvedRule {
  const resolved = resolveRule(rule);
  if (!resolved.ok) throw new ValidationError(resolved.problems.map((problem) => ({ path: formatPath([...prefix, ...problem.path]), message: problem.message })));
  return resolved.rule;
}

function stored(rule: ResolvedRule) {
  return { filter: rule.filter, window: rule.window, forText: rule.forText, forMs: rule.forMs, actions: rule.actions };
}

/** Whether what decides when the rule fires (not its name or actions) differs from the stored row. */
function decidesDifferently(current: RuleRow, trigger: string, next: ResolvedRule): boolean {
  const decisive = (rule: { trigger: string; filter: string | null; window: ResolvedRule['window']; forMs: number | null }) =>
    JSON.stringify([rule.trigger, rule.filter, rule.window && [rule.window.count, rule.window.minutes, rule.window.refire, rule.window.partitionBy ?? null], rule.forMs]);
  return decisive(current) !== decisive({ trigger, ...next });
}

function unsavedRule(input: AutomationRuleInput): RuleDefinition {
  const resolved = resolveOrThrow(input, ['rule']);
  return { id: '', name: input.name, trigger: input.trigger, filter: resolved.filter, window: resolved.window, forMs: resolved.forMs, actions: resolved.actions };
}

/** A made-up event happens now; its payload must be what its trigger's payload is. */
function madeUpEvent(event: { type: keyof typeof TOPICS; payload: Record<string, unknown> }): TriggerEvent {
  const parsed = (TOPICS[event.type] as z.ZodType).safeParse(event.payload, { error: plainMessage });
  if (!parsed.success) throw new ValidationError(issueDetails(parsed.error.issues).map((detail) => ({ path: formatPath(['event', 'payload', ...detail.path]), message: detail.message })));
  return { id: randomUUID(), topic: event.type, payload: parsed.data as Record<string, unknown>, at: new Date() };
}

function toRule(row: RuleRow): AutomationRule {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    enabled: row.enabled,
    trigger: row.trigger,
    filter: row.filter,
    window: row.window ? { count: row.window.count, minutes: row.window.minutes, refire: row.window.refire, partitionBy: row.window.partitionBy ?? null } : null,
    for: row.forText,
    actions: row.actions,
    enabledAt: row.enabledAt.toISOString(),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

function toExecution(row: typeof automationExecutions.$inferSelect, runs: (typeof automationActionRuns.$inferSelect)[]): AutomationExecution {
  return {
    id: row.id,
    ruleId: row.ruleId,
    eventId: row.eventId,
    topic: row.topic,
    payload: row.payload,
    partition: row.partition,
    gates: row.gates as AutomationExecution['gates'],
    state: row.state,
    reason: row.reason,
    dueAt: row.dueAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    firedAt: row.firedAt?.toISOString() ?? null,
    finishedAt: row.finishedAt?.toISOString() ?? null,
    actions: runs.map((run) => ({
      position: run.position,
      type: run.type,
      input: run.input,
      state: run.state,
      attempts: run.attempts,
      attemptLog: run.attemptLog,
      output: run.output ?? null,
      finishedAt: run.finishedAt?.toISOString() ?? null,
    })),
  };
}
