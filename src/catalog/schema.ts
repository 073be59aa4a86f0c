import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { createdAt, id, updatedAt } from '../db/columns.ts';

export const systems = pgTable(
  'systems',
  {
    id: id(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    public: boolean('public').notNull().default(false),
    tags: jsonb('tags').$type<Record<string, string>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('systems_name_key').on(sql`lower(${t.name})`)],
);

export const groups = pgTable(
  'groups',
  {
    id: id(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('groups_name_key').on(sql`lower(${t.name})`)],
);

export const groupSystems = pgTable(
  'group_systems',
  {
    groupId: uuid('group_id').notNull().references(() => groups.id, { onDelete: 'cascade' }),
    systemId: uuid('system_id').notNull().references(() => systems.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.groupId, t.systemId] }), index('group_systems_system_idx').on(t.systemId)],
);

export const environments = pgTable(
  'environments',
  {
    id: id(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    fields: jsonb('fields').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('environments_name_key').on(sql`lower(${t.name})`)],
);

/** A system's environments, in the order the system lists them (SPEC §1, §2.4). */
export const systemEnvironments = pgTable(
  'system_environments',
  {
    systemId: uuid('system_id').notNull().references(() => systems.id, { onDelete: 'cascade' }),
    environmentId: uuid('environment_id').notNull().references(() => environments.id, { onDelete: 'cascade' }),
    position: integer('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.systemId, t.environmentId] }), index('system_environments_environment_idx').on(t.environmentId)],
);

/**
 * What a system depends on (SPEC §3.7): while a parent's rollup is unhealthy, the child's
 * escalations are recorded but not sent. No cycles (refused on save).
 */
export const systemDependencies = pgTable(
  'system_dependencies',
  {
    systemId: uuid('system_id').notNull().references(() => systems.id, { onDelete: 'cascade' }),
    dependsOnId: uuid('depends_on_id').notNull().references(() => systems.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.systemId, t.dependsOnId] }), index('system_dependencies_parent_idx').on(t.dependsOnId)],
);
