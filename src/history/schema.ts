import { sql } from 'drizzle-orm';
import { boolean, doublePrecision, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { systems } from '../catalog/schema.ts';
import { configurations } from '../checks/schema.ts';
import { createdAt, id, updatedAt } from '../db/columns.ts';

/** When each periodic history job last finished (retention runs once a day across every process). */
export const historyJobs = pgTable('history_jobs', {
  job: text('job').primaryKey(),
  lastFinishedAt: timestamp('last_finished_at', { withTimezone: true, mode: 'date' }).notNull(),
});

/** Service-level objectives (SPEC §5.4): good runs ÷ runs over a rolling window, against an objective. */
export const slos = pgTable(
  'slos',
  {
    id: id(),
    name: text('name').notNull(),
    systemId: uuid('system_id').notNull().references(() => systems.id, { onDelete: 'cascade' }),
    configurationId: uuid('configuration_id').references(() => configurations.id, { onDelete: 'cascade' }),
    /** Not a foreign key, like a run's: the SLO reads history of an environment that may be gone. */
    environmentId: uuid('environment_id'),
    objective: doublePrecision('objective').notNull(),
    windowDays: integer('window_days').notNull(),
    degradedIsGood: boolean('degraded_is_good').notNull(),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('slos_name_key').on(sql`lower(${t.name})`), index('slos_system_idx').on(t.systemId)],
);

/** Whether each SLO's burn-rate alert holds now: changing it publishes slo.burn_rate_high/normal once. */
export const sloStates = pgTable('slo_states', {
  sloId: uuid('slo_id')
    .primaryKey()
    .references(() => slos.id, { onDelete: 'cascade' }),
  burning: boolean('burning').notNull(),
  changedAt: timestamp('changed_at', { withTimezone: true, mode: 'date' }).notNull(),
});
