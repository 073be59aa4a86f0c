import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { systems } from '../catalog/schema.ts';
import type { Assertion } from '../assertions/types.ts';
import { createdAt, id, updatedAt } from '../db/columns.ts';
import type { StoredCollector } from '../definitions/validation.ts';
import type { NotificationPolicy, Quorum, Retention, StateThresholds } from './model.ts';

export const configurations = pgTable(
  'configurations',
  {
    id: id(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    strategy: text('strategy').notNull(),
    /** The strategy config as stored, including its `version` key (SPEC §2.3). */
    config: jsonb('config').$type<Record<string, unknown>>().notNull(),
    /** Assertions on the strategy's default collector. */
    assertions: jsonb('assertions').$type<Assertion[]>().notNull().default([]),
    collectors: jsonb('collectors').$type<StoredCollector[]>().notNull().default([]),
    intervalSeconds: integer('interval_seconds').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    paused: boolean('paused').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('configurations_name_key').on(sql`lower(${t.name})`), index('configurations_strategy_idx').on(t.strategy)],
);

export const assignments = pgTable(
  'assignments',
  {
    id: id(),
    systemId: uuid('system_id').notNull().references(() => systems.id, { onDelete: 'cascade' }),
    configurationId: uuid('configuration_id').notNull().references(() => configurations.id, { onDelete: 'cascade' }),
    enabled: boolean('enabled').notNull().default(true),
    includeLocal: boolean('include_local').notNull().default(true),
    satelliteIds: jsonb('satellite_ids').$type<string[]>().notNull().default([]),
    /** SPEC §3.6: how many sources must agree before the check is failing; null = 1 (worst wins). */
    quorum: jsonb('quorum').$type<Quorum | null>(),
    /** null = all of the system's environments, [] = env-less, list = those (SPEC §2.4). */
    environmentIds: jsonb('environment_ids').$type<string[] | null>(),
    stateThresholds: jsonb('state_thresholds').$type<StateThresholds | null>(),
    retention: jsonb('retention').$type<Retention | null>(),
    notificationPolicy: jsonb('notification_policy').$type<NotificationPolicy | null>(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('assignments_system_configuration_key').on(t.systemId, t.configurationId),
    index('assignments_configuration_idx').on(t.configurationId),
  ],
);
