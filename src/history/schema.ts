import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** When each periodic history job last finished (retention runs once a day across every process). */
export const historyJobs = pgTable('history_jobs', {
  job: text('job').primaryKey(),
  lastFinishedAt: timestamp('last_finished_at', { withTimezone: true, mode: 'date' }).notNull(),
});
