import { pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * What configuration documents applied (issue 22): one row per resource a document declared, with
 * the name it was declared under and who manages it. `--prune` removes only resources found here
 * (never ones made in the UI, unless `--prune-all`); kinds the API names not (subscriptions,
 * maintenance windows) keep their document name here; the API shows `managedBy` from it.
 */
export const appliedResources = pgTable(
  'applied_resources',
  {
    kind: text('kind').notNull(),
    /** The resource's id (a Secret's name). */
    resourceId: text('resource_id').notNull(),
    /** Its document's `metadata.name` when applied. */
    name: text('name').notNull(),
    /** `files` (vigil apply, POST /apply) or `dir:<path>` (the directory of vigil start --config-dir). */
    managedBy: text('managed_by').notNull(),
    appliedAt: timestamp('applied_at', { withTimezone: true, mode: 'date' }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.kind, t.resourceId] })],
);
