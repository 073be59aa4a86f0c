import { boolean, index, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { systems } from '../catalog/schema.ts';
import { createdAt, id, updatedAt } from '../db/columns.ts';

/**
 * Something people are working on (issue 19): a title, the systems it touches, a severity and a
 * status that moves investigating → identified → monitoring → resolved through updates, each
 * kept as the incident's timeline. With `suppressNotifications`, the systems' alerts are recorded
 * as suppressed while it is open (the people who would be told already know).
 */
export const incidents = pgTable(
  'incidents',
  {
    id: id(),
    title: text('title').notNull(),
    description: text('description').notNull().default(''),
    severity: text('severity').$type<'minor' | 'major' | 'critical'>().notNull(),
    status: text('status').$type<'investigating' | 'identified' | 'monitoring' | 'resolved'>().notNull().default('investigating'),
    suppressNotifications: boolean('suppress_notifications').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    resolvedAt: timestamp('resolved_at', { withTimezone: true, mode: 'date' }),
  },
  (t) => [index('incidents_status_idx').on(t.status, t.createdAt)],
);

export const incidentSystems = pgTable(
  'incident_systems',
  {
    incidentId: uuid('incident_id').notNull().references(() => incidents.id, { onDelete: 'cascade' }),
    systemId: uuid('system_id').notNull().references(() => systems.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.incidentId, t.systemId] }), index('incident_systems_system_idx').on(t.systemId)],
);

/** The timeline: every update, with the status it set and who wrote it. */
export const incidentUpdates = pgTable(
  'incident_updates',
  {
    id: id(),
    incidentId: uuid('incident_id').notNull().references(() => incidents.id, { onDelete: 'cascade' }),
    status: text('status').$type<'investigating' | 'identified' | 'monitoring' | 'resolved'>().notNull(),
    message: text('message').notNull(),
    /** Who wrote it, as the audit log names actors. */
    actor: text('actor').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('incident_updates_incident_idx').on(t.incidentId, t.createdAt)],
);
