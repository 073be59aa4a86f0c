import { boolean, index, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { groups, systems } from '../catalog/schema.ts';
import { createdAt, id, updatedAt } from '../db/columns.ts';

/**
 * Planned work (issue 19; SPEC §3.5, §6.2): between `startsAt` and `endsAt` — or in each
 * occurrence of `rrule`, read in `timeZone`, each as long as the first — the systems named and
 * those of the groups named are in maintenance: checks keep running and recording, the health
 * API says `inMaintenance`, and with `suppressNotifications` their notifications are recorded as
 * suppressed instead of sent.
 */
export const maintenanceWindows = pgTable(
  'maintenance_windows',
  {
    id: id(),
    title: text('title').notNull(),
    description: text('description').notNull().default(''),
    startsAt: timestamp('starts_at', { withTimezone: true, mode: 'date' }).notNull(),
    endsAt: timestamp('ends_at', { withTimezone: true, mode: 'date' }).notNull(),
    /** An RFC 5545 recurrence rule (`FREQ=WEEKLY;BYDAY=SU`), or null for a one-off window. */
    rrule: text('rrule'),
    /** The IANA zone the recurrence is read in (a weekly 02:00 stays 02:00 across DST). */
    timeZone: text('time_zone').notNull().default('UTC'),
    suppressNotifications: boolean('suppress_notifications').notNull().default(true),
    /** planned → active → completed, moved by the clock once across processes; a recurring window goes back to planned between occurrences. */
    status: text('status').$type<'planned' | 'active' | 'completed'>().notNull().default('planned'),
    /** The start of the occurrence `status` is about (the current one while active). */
    occurrenceStartsAt: timestamp('occurrence_starts_at', { withTimezone: true, mode: 'date' }),
    statusChangedAt: timestamp('status_changed_at', { withTimezone: true, mode: 'date' }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('maintenance_windows_status_idx').on(t.status)],
);

export const maintenanceSystems = pgTable(
  'maintenance_systems',
  {
    windowId: uuid('window_id').notNull().references(() => maintenanceWindows.id, { onDelete: 'cascade' }),
    systemId: uuid('system_id').notNull().references(() => systems.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.windowId, t.systemId] }), index('maintenance_systems_system_idx').on(t.systemId)],
);

export const maintenanceGroups = pgTable(
  'maintenance_groups',
  {
    windowId: uuid('window_id').notNull().references(() => maintenanceWindows.id, { onDelete: 'cascade' }),
    groupId: uuid('group_id').notNull().references(() => groups.id, { onDelete: 'cascade' }),
  },
  (t) => [primaryKey({ columns: [t.windowId, t.groupId] }), index('maintenance_groups_group_idx').on(t.groupId)],
);
