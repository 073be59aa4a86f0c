import { bigint, bigserial, index, integer, jsonb, pgTable, primaryKey, text, timestamp, unique, uuid } from 'drizzle-orm/pg-core';
import { systems } from '../catalog/schema.ts';
import { configurations } from '../checks/schema.ts';
import { createdAt, id } from '../db/columns.ts';

import type { Status as RunStatus } from '../kernel/status.ts';

/**
 * One execution of one configuration for one system, environment and source (SPEC §1). Runs and
 * buckets name their system and configuration without foreign keys: deleting either would
 * otherwise delete its whole history in the one transaction; history/ purges it afterwards in
 * batches (SPEC §6.3).
 */
export const runs = pgTable(
  'runs',
  {
    id: id(),
    systemId: uuid('system_id').notNull(),
    configurationId: uuid('configuration_id').notNull(),
    /** null = env-less run. Not a foreign key: a run outlives the environment it ran in. */
    environmentId: uuid('environment_id'),
    /** `Local`, or the id of the satellite that ran it. */
    source: text('source').notNull().default('Local'),
    status: text('status').$type<RunStatus>().notNull(),
    latencyMs: integer('latency_ms'),
    message: text('message').notNull().default(''),
    result: jsonb('result').$type<Record<string, unknown>>().notNull().default({}),
    /** The tick this run was for; with the stream it makes the run unique, so a retried job never records twice. */
    scheduledFor: timestamp('scheduled_for', { withTimezone: true, mode: 'date' }).notNull(),
    createdAt: createdAt(),
  },
  // A plain ascending index: PostgreSQL walks it backwards for "newest N runs" (a DESC index
  // from drizzle is DESC NULLS LAST, which a plain ORDER BY … DESC cannot use).
  (t) => [
    index('runs_stream_idx').on(t.configurationId, t.systemId, t.createdAt),
    index('runs_system_created_idx').on(t.systemId, t.createdAt),
    unique('runs_tick_key').on(t.configurationId, t.systemId, t.environmentId, t.source, t.scheduledFor).nullsNotDistinct(),
  ],
);

/** The columns of an aggregate bucket, shared by the hourly and daily tiers. */
const bucketColumns = () => ({
  systemId: uuid('system_id').notNull(),
  configurationId: uuid('configuration_id').notNull(),
  environmentId: uuid('environment_id'),
  source: text('source').notNull().default('Local'),
  runCount: integer('run_count').notNull().default(0),
  healthyCount: integer('healthy_count').notNull().default(0),
  degradedCount: integer('degraded_count').notNull().default(0),
  unhealthyCount: integer('unhealthy_count').notNull().default(0),
  latencyCount: integer('latency_count').notNull().default(0),
  latencySum: bigint('latency_sum', { mode: 'number' }).notNull().default(0),
  latencyMin: integer('latency_min'),
  latencyMax: integer('latency_max'),
  /** Mergeable percentile sketch of latencies (SPEC §5.1). */
  latencySketch: jsonb('latency_sketch').$type<unknown>(),
  /** Per-collector counts keyed by collector id (CollectorCounts), merged by vigil_merge_counts(). */
  collectors: jsonb('collectors').$type<Record<string, unknown>>().notNull().default({}),
});

/** Hourly aggregate per (system, configuration, environment, source, hour); environment null = env-less. */
export const runHourly = pgTable('run_hourly', { ...bucketColumns(), hour: timestamp('hour', { withTimezone: true, mode: 'date' }).notNull() }, (t) => [
  unique('run_hourly_bucket_key').on(t.configurationId, t.systemId, t.environmentId, t.source, t.hour).nullsNotDistinct(),
  // Dashboards ask for many systems over a range: one index walk per system.
  index('run_hourly_system_hour_idx').on(t.systemId, t.hour),
]);

/**
 * Daily aggregate (SPEC §5.2): hourly buckets older than their retention merge into it — counts and
 * sums added, min/max kept, sketches merged. `day` is the UTC midnight that starts it.
 */
export const runDaily = pgTable('run_daily', { ...bucketColumns(), day: timestamp('day', { withTimezone: true, mode: 'date' }).notNull() }, (t) => [
  unique('run_daily_bucket_key').on(t.configurationId, t.systemId, t.environmentId, t.source, t.day).nullsNotDistinct(),
  index('run_daily_system_day_idx').on(t.systemId, t.day),
]);

/** Every status change of a health view (SPEC §3.5); environment null = the system's rollup. */
export const transitions = pgTable(
  'transitions',
  {
    id: id(),
    /** Order among transitions recorded at the same instant (a new view's baseline, then its first change). */
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    systemId: uuid('system_id').notNull().references(() => systems.id, { onDelete: 'cascade' }),
    configurationId: uuid('configuration_id').references(() => configurations.id, { onDelete: 'cascade' }),
    environmentId: uuid('environment_id'),
    fromStatus: text('from_status').$type<RunStatus>(),
    toStatus: text('to_status').$type<RunStatus>().notNull(),
    transitionedAt: timestamp('transitioned_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [index('transitions_system_idx').on(t.systemId, t.transitionedAt)],
);

/**
 * The newest statuses of one stream — (system, configuration, environment, source) — as one letter
 * per run (h/d/u), newest first, at most MAX_EVALUATED_RUNS: evaluating a view reads these few
 * rows instead of scanning runs, so its cost stays flat however long the history grows.
 */
export const streamStates = pgTable(
  'stream_states',
  {
    systemId: uuid('system_id').notNull().references(() => systems.id, { onDelete: 'cascade' }),
    configurationId: uuid('configuration_id').notNull().references(() => configurations.id, { onDelete: 'cascade' }),
    environmentId: uuid('environment_id'),
    source: text('source').notNull(),
    recent: text('recent').notNull(),
    lastRunAt: timestamp('last_run_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [unique('stream_states_stream_key').on(t.systemId, t.configurationId, t.environmentId, t.source).nullsNotDistinct()],
);

/** The current health view per id (`<systemId>` or `<systemId>::<environmentId>`, SPEC §3.4): a cache of what the runs say. */
export const healthStates = pgTable(
  'health_states',
  {
    entityId: text('entity_id').notNull(),
    systemId: uuid('system_id').notNull().references(() => systems.id, { onDelete: 'cascade' }),
    environmentId: text('environment_id'),
    status: text('status').$type<RunStatus>().notNull(),
    healthyChecks: integer('healthy_checks').notNull(),
    totalChecks: integer('total_checks').notNull(),
    since: timestamp('since', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.entityId] }), index('health_states_system_idx').on(t.systemId)],
);
