import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, unique, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, updatedAt } from '../db/columns.ts';

/**
 * Automation rules (SPEC §6.1; issue 20): a trigger (an event topic), an optional filter, window
 * and `for`, and ordered actions. Events from before `enabledAt` never fire a rule.
 */
export const automationRules = pgTable(
  'automation_rules',
  {
    id: id(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    enabled: boolean('enabled').notNull().default(true),
    trigger: text('trigger').notNull(),
    filter: text('filter'),
    /** `{count, minutes, refire, partitionBy?}` */
    window: jsonb('window').$type<{ count: number; minutes: number; refire: 'every' | 'once'; partitionBy?: string } | null>(),
    /** `for`, as written ("5m") … */
    forText: text('for_text'),
    /** … and in milliseconds. */
    forMs: integer('for_ms'),
    /** Ordered `{type, input}`. */
    actions: jsonb('actions').$type<{ type: string; input: Record<string, unknown> }[]>().notNull(),
    /** When it was created or last enabled: older events are not its business. */
    enabledAt: timestamp('enabled_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('automation_rules_name_key').on(sql`lower(${t.name})`), index('automation_rules_trigger_idx').on(t.trigger).where(sql`enabled`)],
);

/** Events that passed a rule's filter, per partition: what its window counts (durable, across processes). */
export const automationMatches = pgTable(
  'automation_matches',
  {
    ruleId: uuid('rule_id').notNull().references(() => automationRules.id, { onDelete: 'cascade' }),
    partition: text('partition').notNull(),
    eventId: uuid('event_id').notNull(),
    at: timestamp('at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.ruleId, t.eventId] }), index('automation_matches_window_idx').on(t.ruleId, t.partition, t.at)],
);

/** refire "once": a partition whose window fired and has not fallen below its count since. */
export const automationEpisodes = pgTable(
  'automation_episodes',
  {
    ruleId: uuid('rule_id').notNull().references(() => automationRules.id, { onDelete: 'cascade' }),
    partition: text('partition').notNull(),
    openedAt: timestamp('opened_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.ruleId, t.partition] })],
);

/**
 * One evaluation of a rule for one event: which gates passed, and (when it fired) its actions.
 * `state`: skipped (a gate said no), waiting (a `for` holds it), cancelled (the condition ended
 * first), running, succeeded, failed.
 */
export const automationExecutions = pgTable(
  'automation_executions',
  {
    id: id(),
    ruleId: uuid('rule_id').notNull().references(() => automationRules.id, { onDelete: 'cascade' }),
    eventId: uuid('event_id').notNull(),
    topic: text('topic').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    partition: text('partition').notNull(),
    /** `{filter: {passed, error?}, window: {passed, count}, for: {ms, dueAt}}` as far as it got. */
    gates: jsonb('gates').$type<Record<string, unknown>>().notNull(),
    state: text('state').$type<'skipped' | 'waiting' | 'cancelled' | 'running' | 'succeeded' | 'failed'>().notNull(),
    reason: text('reason'),
    /** A waiting `for`: fires then unless cancelled. */
    dueAt: timestamp('due_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
    firedAt: timestamp('fired_at', { withTimezone: true, mode: 'date' }),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [
    unique('automation_executions_once_key').on(t.ruleId, t.eventId),
    index('automation_executions_rule_idx').on(t.ruleId, t.createdAt),
    // At most one waiting `for` per rule and partition.
    uniqueIndex('automation_executions_waiting_key').on(t.ruleId, t.partition).where(sql`state = 'waiting'`),
    index('automation_executions_due_idx').on(t.dueAt).where(sql`state = 'waiting'`),
  ],
);

/** One action of an execution: run in order, at least once, its id the idempotency key. */
export const automationActionRuns = pgTable(
  'automation_action_runs',
  {
    id: id(),
    executionId: uuid('execution_id').notNull().references(() => automationExecutions.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
    type: text('type').notNull(),
    /** The input with its templates rendered from the trigger event. */
    input: jsonb('input').$type<Record<string, unknown>>().notNull(),
    state: text('state').$type<'blocked' | 'pending' | 'running' | 'succeeded' | 'failed' | 'skipped'>().notNull(),
    attempts: integer('attempts').notNull().default(0),
    attemptLog: jsonb('attempt_log').$type<Record<string, unknown>[]>().notNull().default([]),
    output: jsonb('output').$type<Record<string, unknown> | null>(),
    nextAttemptAt: timestamp('next_attempt_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    leaseUntil: timestamp('lease_until', { withTimezone: true, mode: 'date' }),
    finishedAt: timestamp('finished_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [unique('automation_action_runs_position_key').on(t.executionId, t.position), index('automation_action_runs_due_idx').on(t.nextAttemptAt).where(sql`state IN ('pending', 'running')`)],
);

/** How far the runner has read the outbox (as the notification planner's cursor). */
export const automationCursor = pgTable('automation_cursor', {
  name: text('name').primaryKey(),
  until: timestamp('until', { withTimezone: true, mode: 'date' }).notNull(),
});

/** Incidents an automation opened, by rule and partition: resolve finds the one it opened; open never makes a second. */
export const automationIncidents = pgTable(
  'automation_incidents',
  {
    ruleId: uuid('rule_id').notNull().references(() => automationRules.id, { onDelete: 'cascade' }),
    partition: text('partition').notNull(),
    incidentId: uuid('incident_id').notNull(),
    openedAt: timestamp('opened_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.ruleId, t.partition] })],
);
