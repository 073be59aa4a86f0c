import { z } from 'zod';
import type { ErrorDetail } from '../kernel/errors.ts';
import { MAX_COUNT, parseRecurrence } from './recurrence.ts';
import { firstOccurrence } from './status.ts';
import { isTimeZone } from './zone.ts';

const Uuid = z.uuid({ message: 'expected a UUID' });
const Timestamp = z.string().meta({ format: 'date-time' });
const DateTime = z.iso.datetime({ offset: true, message: 'expected an ISO-8601 date-time such as 2026-03-29T02:00:00+02:00' });

const Rule = z
  .string()
  .max(500, 'expected at most 500 characters')
  .superRefine((text, ctx) => {
    const parsed = parseRecurrence(text);
    if (!parsed.ok) ctx.addIssue({ code: 'custom', message: parsed.message });
  });

const fields = {
  title: z.string().trim().min(1, 'expected a title').max(200, 'expected at most 200 characters'),
  description: z.string().max(10_000, 'expected at most 10000 characters'),
  systemIds: z.array(Uuid).max(500, 'expected at most 500 system ids').meta({ description: 'The systems in maintenance…' }),
  groupIds: z.array(Uuid).max(100, 'expected at most 100 group ids').meta({ description: '…and every system of these groups (as the groups are when it is asked)' }),
  startsAt: DateTime.meta({ description: 'The start of the (first) occurrence' }),
  endsAt: DateTime.meta({ description: 'Its end: every occurrence of a recurring window lasts endsAt − startsAt' }),
  rrule: Rule.nullable().meta({
    description: `An RFC 5545 recurrence rule read in timeZone from startsAt on (FREQ=DAILY, WEEKLY, MONTHLY or YEARLY; COUNT at most ${MAX_COUNT}), e.g. FREQ=WEEKLY;BYDAY=SU; null: once`,
    example: 'FREQ=WEEKLY;BYDAY=SU',
  }),
  timeZone: z
    .string()
    .refine(isTimeZone, 'expected an IANA time zone such as Europe/Berlin or UTC')
    .meta({ description: 'The zone the rule is read in: a weekly 02:00 stays 02:00 there across DST' }),
  suppressNotifications: z.boolean().meta({ description: "While an occurrence is on, its systems' notifications are recorded as suppressed instead of sent" }),
};

const Window = z.object({ startsAt: Timestamp, endsAt: Timestamp });

export const MaintenanceWindow = z
  .object({
    id: z.string(),
    title: z.string(),
    description: z.string(),
    systemIds: z.array(z.string()),
    groupIds: z.array(z.string()),
    startsAt: Timestamp,
    endsAt: Timestamp,
    rrule: z.string().nullable(),
    timeZone: z.string(),
    suppressNotifications: z.boolean(),
    status: z.enum(['planned', 'active', 'completed']).meta({ description: 'Now: active while an occurrence is on, planned while one is to come, completed after the last' }),
    currentOccurrence: Window.nullable().meta({ description: 'The occurrence on now, if any' }),
    nextOccurrence: Window.nullable().meta({ description: 'The next occurrence to start, if any' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'MaintenanceWindow' });

export const MaintenanceWindowInput = z
  .object({
    ...fields,
    description: fields.description.default(''),
    systemIds: fields.systemIds.default([]),
    groupIds: fields.groupIds.default([]),
    rrule: fields.rrule.default(null),
    timeZone: fields.timeZone.default('UTC'),
    suppressNotifications: fields.suppressNotifications.default(true),
  })
  .strict()
  .superRefine((window, ctx) => {
    for (const problem of windowProblems(window)) ctx.addIssue({ code: 'custom', path: [problem.path], message: problem.message });
  })
  .meta({ id: 'MaintenanceWindowInput', description: 'At least one system or group; endsAt after startsAt' });

export const MaintenanceWindowPatch = z
  .object(fields)
  .partial()
  .strict()
  .meta({ id: 'MaintenanceWindowPatch', description: 'The fields given replace the stored ones (lists whole; rrule null makes the window one-off); the result is checked as a whole' });

export const MaintenanceStatusFilter = z.enum(['planned', 'active', 'completed'], { message: 'expected planned, active or completed' });

/**
 * What is wrong with a window as a whole (fields already valid on their own), naming the field
 * to fix: checked on create, and on the stored window with a patch applied.
 */
export function windowProblems(window: Pick<MaintenanceWindowInput, 'systemIds' | 'groupIds' | 'startsAt' | 'endsAt' | 'rrule' | 'timeZone'>): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  if (!window.systemIds.length && !window.groupIds.length) problems.push({ path: 'systemIds', message: 'expected at least one system or group (systemIds or groupIds)' });
  const startsAt = new Date(window.startsAt);
  const endsAt = new Date(window.endsAt);
  if (endsAt <= startsAt) {
    problems.push({ path: 'endsAt', message: `expected a time after startsAt (${window.startsAt})` });
  } else if (window.rrule !== null && readable(window.rrule, window.timeZone) && !firstOccurrence({ startsAt, endsAt, rrule: window.rrule, timeZone: window.timeZone })) {
    problems.push({ path: 'rrule', message: 'expected a rule with at least one occurrence from startsAt on (see UNTIL, COUNT and the BY parts)' });
  }
  return problems;
}

/** The rule and zone parse: their own fields report them otherwise. */
function readable(rrule: string, timeZone: string): boolean {
  return parseRecurrence(rrule).ok && isTimeZone(timeZone);
}

export type MaintenanceWindow = z.infer<typeof MaintenanceWindow>;
export type MaintenanceWindowInput = z.output<typeof MaintenanceWindowInput>;
export type MaintenanceWindowPatch = z.output<typeof MaintenanceWindowPatch>;
export type MaintenanceStatusFilter = z.infer<typeof MaintenanceStatusFilter>;
