import { z } from 'zod';
import { FOR_MESSAGE, resolveRule } from './rule.ts';
import { TRIGGERS } from './triggers.ts';

const Uuid = z.uuid({ message: 'expected a UUID' });
const Timestamp = z.string().meta({ format: 'date-time' });

export const AutomationTrigger = z.enum(TRIGGERS, { message: `expected one of ${TRIGGERS.join(', ')}` }).meta({ description: 'The event the rule reacts to (GET /automation/triggers)' });

const Window = z
  .object({
    count: z.number().int('expected a whole number of events').min(1, 'expected at least 1 event').max(1000, 'expected at most 1000 events'),
    minutes: z.number().int('expected whole minutes').min(1, 'expected at least 1 minute').max(10_080, 'expected at most 10080 minutes (a week)'),
    refire: z
      .enum(['every', 'once'], { message: 'expected every or once' })
      .default('every')
      .meta({ description: 'every: fire on each qualifying event; once: once per episode, until the count falls below `count` again' }),
    partitionBy: z
      .string()
      .max(1000, 'expected at most 1000 characters')
      .nullable()
      .default(null)
      .meta({ description: 'An expression whose value the window counts per (e.g. trigger.payload.configurationId); null, empty or failing: per system' }),
  })
  .strict()
  .meta({ description: 'Fire when the trigger passed the filter at least `count` times in the trailing `minutes`' });

const Action = z
  .object({
    type: z.string().min(1, 'expected an action type').meta({ description: 'GET /automation/actions lists them' }),
    input: z.record(z.string(), z.unknown()).default({}).meta({ description: 'As the action type defines it; string values may hold {{ trigger.payload.<field> }}, {{ trigger.type }} or {{ rule.name }}' }),
  })
  .strict();

const fields = {
  name: z.string().trim().min(1, 'expected a name').max(200, 'expected at most 200 characters'),
  description: z.string().max(2000, 'expected at most 2000 characters'),
  enabled: z.boolean(),
  trigger: AutomationTrigger,
  filter: z
    .string()
    .max(4000, 'expected at most 4000 characters')
    .nullable()
    .meta({ description: 'An expression over trigger.payload.*, e.g. trigger.payload.newStatus != "healthy"; null: every event of the trigger', example: 'trigger.payload.newStatus != "healthy"' }),
  window: Window.nullable(),
  for: z.string().max(20, FOR_MESSAGE).nullable().meta({ description: 'The condition must still hold this long before the actions run: 90s, 5m, 1h30m, at most 24h; null: at once', example: '5m' }),
  actions: z.array(Action).min(1, 'expected at least one action').max(20, 'expected at most 20 actions').meta({ description: 'Run in order when the rule fires' }),
};

/** Paths of the problems `resolveRule` finds, added to the issues of the object being parsed. */
function checkAgainstTrigger(rule: z.output<z.ZodObject<typeof fields>>, ctx: z.RefinementCtx) {
  const resolved = resolveRule(rule);
  if (!resolved.ok) for (const problem of resolved.problems) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
}

export const AutomationRuleInput = z
  .object({
    ...fields,
    description: fields.description.default(''),
    enabled: fields.enabled.default(true),
    filter: fields.filter.default(null),
    window: fields.window.default(null),
    for: fields.for.default(null),
  })
  .strict()
  .superRefine(checkAgainstTrigger)
  .meta({ id: 'AutomationRuleInput' });

/** Checked against the rule it makes once merged (a new trigger re-checks the filter and the actions). */
export const AutomationRulePatch = z.object(fields).partial().strict().meta({ id: 'AutomationRulePatch' });

export const AutomationRule = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    enabled: z.boolean(),
    trigger: z.string(),
    filter: z.string().nullable(),
    window: z.object({ count: z.number().int(), minutes: z.number().int(), refire: z.enum(['every', 'once']), partitionBy: z.string().nullable() }).nullable(),
    for: z.string().nullable(),
    actions: z.array(z.object({ type: z.string(), input: z.record(z.string(), z.unknown()).meta({ description: 'With its defaults filled in; templates as written' }) })),
    enabledAt: Timestamp.meta({ description: 'When it was created or last enabled: it never fires on an event from before' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'AutomationRule' });

export const AutomationGates = z
  .object({
    filter: z.object({ passed: z.boolean() }).optional(),
    window: z
      .object({ passed: z.boolean(), count: z.number().int().meta({ description: 'Events of the partition that passed the filter in the window, this one included' }), needed: z.number().int(), minutes: z.number().int(), refire: z.enum(['every', 'once']) })
      .optional(),
    for: z.object({ ms: z.number().int(), dueAt: Timestamp }).optional(),
  })
  .meta({ id: 'AutomationGates', description: 'What each gate said, filter → window → for, as far as the evaluation got' });

export const ExecutionState = z.enum(['skipped', 'waiting', 'cancelled', 'running', 'succeeded', 'failed'], { message: 'expected skipped, waiting, cancelled, running, succeeded or failed' });

export const AutomationExecution = z
  .object({
    id: z.string(),
    ruleId: z.string(),
    eventId: z.string().meta({ description: 'The trigger event (its outbox id)' }),
    topic: z.string(),
    payload: z.record(z.string(), z.unknown()),
    partition: z.string(),
    gates: AutomationGates,
    state: ExecutionState,
    reason: z.string().nullable().meta({ description: 'Why it was skipped or cancelled' }),
    dueAt: Timestamp.nullable().meta({ description: 'A waiting `for`: when it fires unless cancelled first' }),
    createdAt: Timestamp,
    firedAt: Timestamp.nullable(),
    finishedAt: Timestamp.nullable(),
    actions: z.array(
      z.object({
        position: z.number().int(),
        type: z.string(),
        input: z.record(z.string(), z.unknown()).meta({ description: 'Rendered from the trigger event' }),
        state: z.enum(['blocked', 'pending', 'running', 'succeeded', 'failed', 'skipped']).meta({ description: 'blocked: waits for the action before it' }),
        attempts: z.number().int(),
        attemptLog: z.array(z.record(z.string(), z.unknown())),
        output: z.record(z.string(), z.unknown()).nullable(),
        finishedAt: Timestamp.nullable(),
      }),
    ),
  })
  .meta({ id: 'AutomationExecution' });

export const DryRunInput = z
  .object({
    ruleId: Uuid.optional().meta({ description: 'A saved rule… (exactly one of ruleId and rule)' }),
    rule: AutomationRuleInput.optional().meta({ description: '…or one not saved' }),
    eventId: Uuid.optional().meta({ description: 'A past event (its outbox id)… (exactly one of eventId and event)' }),
    event: z
      .object({ type: AutomationTrigger, payload: z.record(z.string(), z.unknown()).meta({ description: "As the trigger's payload schema says (GET /automation/triggers)" }) })
      .strict()
      .optional()
      .meta({ description: '…or a made-up one, taken to happen now' }),
  })
  .strict()
  .refine((input) => (input.ruleId === undefined) !== (input.rule === undefined), { message: 'expected exactly one of ruleId and rule', path: ['ruleId'] })
  .refine((input) => (input.eventId === undefined) !== (input.event === undefined), { message: 'expected exactly one of eventId and event', path: ['eventId'] })
  .meta({ id: 'AutomationDryRunInput' });

export const DryRun = z
  .object({
    verdict: z.enum(['fire', 'waiting', 'skipped']).meta({ description: 'fire: its actions would run now; waiting: after its `for`, unless cancelled first; skipped: a gate said no' }),
    reason: z.string().optional().meta({ description: 'Why it would be skipped' }),
    gates: AutomationGates,
    partition: z.string(),
    dueAt: Timestamp.optional().meta({ description: 'When a waiting `for` would fire' }),
    actions: z.array(z.object({ type: z.string(), input: z.record(z.string(), z.unknown()).meta({ description: 'Rendered from the event' }) })).meta({ description: 'What it would do (when it fires or waits)' }),
  })
  .meta({ id: 'AutomationDryRun' });

export type AutomationRule = z.infer<typeof AutomationRule>;
export type AutomationRuleInput = z.output<typeof AutomationRuleInput>;
export type AutomationRulePatch = z.output<typeof AutomationRulePatch>;
export type AutomationExecution = z.infer<typeof AutomationExecution>;
export type ExecutionState = z.infer<typeof ExecutionState>;
export type DryRunInput = z.output<typeof DryRunInput>;
export type DryRun = z.infer<typeof DryRun>;
