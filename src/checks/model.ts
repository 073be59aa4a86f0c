import { Name } from '../catalog/model.ts';
import { z } from 'zod';

const Uuid = z.uuid({ message: 'expected a UUID' });
const UuidList = z.array(Uuid).max(500, 'expected at most 500 ids');
const Timestamp = z.string().meta({ format: 'date-time' });

/** An assertion as the API stores and returns it (SPEC §1.2). */
export const Assertion = z
  .object({
    field: z.string().min(1),
    operator: z.string().min(1),
    value: z.unknown().optional(),
    jsonPath: z.string().optional(),
    severity: z.enum(['unhealthy', 'degraded']).optional(),
  })
  .strict()
  .meta({ id: 'Assertion' });

/** On input an assertion may also be written in its string form, e.g. `statusCode == 200`. */
export const AssertionInput = z.union([z.string().min(1, 'expected an assertion such as "statusCode == 200"'), Assertion]);
const AssertionInputs = z.array(AssertionInput).max(100, 'expected at most 100 assertions');

const CollectorInput = z
  .object({
    collector: z.string().min(1, 'expected a collector id such as "http.request"'),
    config: z.record(z.string(), z.unknown()).default({}),
    assertions: AssertionInputs.default([]),
  })
  .strict();

const Collector = z.object({ collector: z.string(), config: z.record(z.string(), z.unknown()), assertions: z.array(Assertion) }).meta({ id: 'Collector' });

const configurationFields = {
  name: Name,
  description: z.string().max(2000, 'expected at most 2000 characters'),
  strategy: z.string().min(1, 'expected a strategy id such as "http"'),
  config: z.record(z.string(), z.unknown()).meta({ description: "The strategy's config; `timeout` (ms, min 100, default 30000) bounds each run" }),
  assertions: AssertionInputs.meta({ description: "Assertions on the strategy's default collector" }),
  collectors: z.array(CollectorInput).max(50, 'expected at most 50 collectors'),
  intervalSeconds: z.number().int('expected a whole number of seconds').min(1, 'expected at least 1 second').max(86_400, 'expected at most 86400 seconds (one day)'),
  enabled: z.boolean(),
  paused: z.boolean(),
};

export const ConfigurationInput = z
  .object({
    ...configurationFields,
    description: configurationFields.description.default(''),
    config: configurationFields.config.default({}),
    assertions: configurationFields.assertions.default([]),
    collectors: configurationFields.collectors.default([]),
    enabled: z.boolean().default(true),
    paused: z.boolean().default(false),
  })
  .strict()
  .meta({ id: 'ConfigurationInput' });

export const ConfigurationPatch = z
  .object({
    ...configurationFields,
    config: configurationFields.config.meta({
      description:
        'A JSON merge patch (RFC 7396) over the stored config: the keys sent replace the stored ones, null deletes a key ' +
        '(back to its default), objects merge recursively, arrays replace. The merged config is validated as a whole.',
    }),
  })
  .partial()
  .strict()
  .meta({ id: 'ConfigurationPatch' });

export const Configuration = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    strategy: z.string(),
    config: z.record(z.string(), z.unknown()),
    assertions: z.array(Assertion),
    collectors: z.array(Collector),
    intervalSeconds: z.number(),
    enabled: z.boolean(),
    paused: z.boolean(),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Configuration' });

const Count = z.number().int('expected a whole number').min(1, 'expected at least 1');

/**
 * SPEC §3.1. Defaults fill whatever part is left out; then every status must be reachable: a run
 * streak that makes a check unhealthy has made it degraded first, and a window holds at most
 * `windowSize` failures.
 */
export const StateThresholds = z
  .discriminatedUnion('mode', [
    z
      .object({
        mode: z.literal('consecutive'),
        healthy: z.object({ minSuccessCount: Count.default(1) }).strict().default({ minSuccessCount: 1 }),
        degraded: z.object({ minFailureCount: Count.default(2) }).strict().default({ minFailureCount: 2 }),
        unhealthy: z.object({ minFailureCount: Count.default(5) }).strict().default({ minFailureCount: 5 }),
      })
      .strict(),
    z
      .object({
        mode: z.literal('window'),
        windowSize: z.number().int('expected a whole number').min(3, 'expected at least 3').max(100, 'expected at most 100').default(10),
        degraded: z.object({ minFailureCount: Count.default(3) }).strict().default({ minFailureCount: 3 }),
        unhealthy: z.object({ minFailureCount: Count.default(7) }).strict().default({ minFailureCount: 7 }),
      })
      .strict(),
  ])
  .superRefine((thresholds, ctx) => {
    const degraded = thresholds.degraded.minFailureCount;
    const unhealthy = thresholds.unhealthy.minFailureCount;
    if (unhealthy < degraded) {
      ctx.addIssue({ code: 'custom', path: ['unhealthy', 'minFailureCount'], message: `expected at least degraded.minFailureCount (${degraded}), got ${unhealthy}` });
    }
    if (thresholds.mode !== 'window') return;
    for (const [level, count] of [['degraded', degraded], ['unhealthy', unhealthy]] as const) {
      if (count > thresholds.windowSize) {
        ctx.addIssue({ code: 'custom', path: [level, 'minFailureCount'], message: `expected at most windowSize (${thresholds.windowSize}), got ${count}` });
      }
    }
  })
  .meta({ id: 'StateThresholds' });

const Days = z.number().int('expected a whole number of days').min(1, 'expected at least 1 day');
export const Retention = z
  .object({ rawDays: Days, hourlyDays: Days, dailyDays: Days })
  .partial()
  .strict()
  .superRefine((r, ctx) => {
    // A coarser tier keeps at least as long as a finer one, or history would have a hole.
    if (r.rawDays !== undefined && r.hourlyDays !== undefined && r.rawDays > r.hourlyDays) ctx.addIssue({ code: 'custom', path: ['hourlyDays'], message: `expected at least rawDays (${r.rawDays})` });
    if (r.hourlyDays !== undefined && r.dailyDays !== undefined && r.hourlyDays > r.dailyDays) ctx.addIssue({ code: 'custom', path: ['dailyDays'], message: `expected at least hourlyDays (${r.hourlyDays})` });
    if (r.rawDays !== undefined && r.dailyDays !== undefined && r.rawDays > r.dailyDays) ctx.addIssue({ code: 'custom', path: ['dailyDays'], message: `expected at least rawDays (${r.rawDays})` });
  })
  .meta({
    id: 'Retention',
    description: 'Days each tier keeps this check’s history (SPEC §5.2); unset fields take the platform’s (7 / 30 / 365 by default). A tier never keeps less than the finer one before it',
  });
export const NotificationPolicy = z
  .object({
    suppressDeEscalations: z.boolean().meta({ description: 'Mute unhealthy → degraded messages (recorded as suppressed)' }),
    renotifyMinutes: z
      .number()
      .int('expected a whole number of minutes')
      .min(1, 'expected at least 1 minute')
      .max(10_080, 'expected at most 10080 minutes (a week)')
      .nullable()
      .meta({ description: 'Remind subscribers this often while the check keeps the system not healthy; null: never' }),
  })
  .partial()
  .strict()
  .meta({ id: 'NotificationPolicy', description: 'Each field unset falls back to the platform default (VIGIL_SUPPRESS_DE_ESCALATIONS, VIGIL_RENOTIFY_MINUTES), then to the built-in one (no muting, no reminders)' });

/** SPEC §3.6: the check is failing only when at least `min` of its sources (central workers, satellites) fail. */
export const Quorum = z
  .object({ min: z.number().int('expected a whole number').min(1, 'expected at least 1') })
  .strict()
  .meta({
    id: 'Quorum',
    description:
      'How many sources must agree: unhealthy when at least min sources are unhealthy, degraded when at least min are degraded or worse. ' +
      'At most the number of sources (includeLocal counts as one); a source with no run within 3 intervals is stale and counts toward neither',
  });

const assignmentSettings = {
  enabled: z.boolean(),
  includeLocal: z.boolean().meta({ description: 'Run on the central workers' }),
  satelliteIds: UuidList.meta({ description: 'Also run on these satellites (remote agents); each run is recorded with the satellite’s id as its source' }),
  quorum: Quorum.nullable().meta({ description: 'SPEC §3.6; null: 1 (any failing source makes the check fail)' }),
  environmentIds: UuidList.nullable()
    .meta({ description: "null = all of the system's environments, [] = none (one env-less run), a list = those" }),
  stateThresholds: StateThresholds.nullable(),
  retention: Retention.nullable(),
  notificationPolicy: NotificationPolicy.nullable().meta({ description: 'How notifications about this check behave (SPEC §6.2); null: the platform default' }),
};

export const AssignmentInput = z
  .object({
    systemId: Uuid,
    configurationId: Uuid,
    enabled: assignmentSettings.enabled.default(true),
    includeLocal: assignmentSettings.includeLocal.default(true),
    satelliteIds: assignmentSettings.satelliteIds.default([]),
    quorum: assignmentSettings.quorum.default(null),
    environmentIds: assignmentSettings.environmentIds.default(null),
    stateThresholds: assignmentSettings.stateThresholds.default(null),
    retention: assignmentSettings.retention.default(null),
    notificationPolicy: assignmentSettings.notificationPolicy.default(null),
  })
  .strict()
  .meta({ id: 'AssignmentInput' });

export const AssignmentPatch = z.object(assignmentSettings).partial().strict().meta({ id: 'AssignmentPatch' });

export const Assignment = z
  .object({
    id: z.string(),
    systemId: z.string(),
    configurationId: z.string(),
    enabled: z.boolean(),
    includeLocal: z.boolean(),
    satelliteIds: z.array(z.string()),
    quorum: Quorum.nullable(),
    environmentIds: z.array(z.string()).nullable(),
    stateThresholds: z.unknown().nullable().meta({ description: 'See StateThresholds' }),
    retention: z.unknown().nullable(),
    notificationPolicy: z.unknown().nullable(),
    pingUrl: z.string().optional().meta({
      description:
        'Heartbeat checks only (SPEC §2.11): the secret URL the job calls — GET|POST <pingUrl> for success, <pingUrl>/start, <pingUrl>/fail, <pingUrl>/<exit-code>. ' +
        'Anyone who has it can report for this check; POST /assignments/{id}/rotate-ping replaces it',
    }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Assignment' });

/** Accepted input that will not do what it seems to: the write happened, the caller should know. */
export const Warning = z.object({ path: z.string(), message: z.string() }).meta({ id: 'Warning' });

export const AssignmentWithWarnings = Assignment.extend({
  warnings: z.array(Warning).meta({ description: "Accepted input that will not do what it seems to, e.g. environmentIds that are not the system's environments (runs skip them, SPEC §2.4)" }),
}).meta({ id: 'AssignmentWithWarnings' });

export type ConfigurationInput = z.infer<typeof ConfigurationInput>;
export type ConfigurationPatch = z.infer<typeof ConfigurationPatch>;
export type Configuration = z.infer<typeof Configuration>;
export type AssignmentInput = z.infer<typeof AssignmentInput>;
export type AssignmentPatch = z.infer<typeof AssignmentPatch>;
export type Assignment = z.infer<typeof Assignment>;
export type AssignmentWithWarnings = z.infer<typeof AssignmentWithWarnings>;
export type AssertionInput = z.infer<typeof AssertionInput>;
export type StateThresholds = z.output<typeof StateThresholds>;
export type Retention = z.output<typeof Retention>;
export type NotificationPolicy = z.output<typeof NotificationPolicy>;
export type Quorum = z.output<typeof Quorum>;
