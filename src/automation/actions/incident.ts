import { z } from 'zod';
import type { ActionType } from './types.ts';

const Status = z.enum(['investigating', 'identified', 'monitoring', 'resolved'], { message: 'expected investigating, identified, monitoring or resolved' });

const openInput = z
  .object({
    title: z.string().min(1, 'expected a title').max(200, 'expected at most 200 characters'),
    description: z.string().max(10_000).default(''),
    severity: z.enum(['minor', 'major', 'critical'], { message: 'expected minor, major or critical' }).default('major'),
    systemIds: z.array(z.string().min(1)).optional().meta({ description: "The incident's systems; default: the trigger's system" }),
    suppressNotifications: z.boolean().default(false),
  })
  .strict();

const systemsOf = (payload: Record<string, unknown>): string[] =>
  typeof payload.systemId === 'string' ? [payload.systemId] : Array.isArray(payload.systemIds) ? payload.systemIds.filter((id): id is string => typeof id === 'string') : [];

/** Opens an incident for the rule's partition, never a second while the one it opened is open. */
export const incidentOpenAction: ActionType<typeof openInput> = {
  type: 'incident.open',
  title: 'Open an incident',
  input: openInput,
  async run(value, context) {
    const open = await context.doors.linkedIncident(context.rule.id, context.execution.partition);
    if (open) return { ok: true, output: { incidentId: open, note: 'already open' } };
    const systemIds = value.systemIds ?? systemsOf(context.trigger.payload);
    if (!systemIds.length) return { ok: false, retryable: false, error: 'expected systemIds: the trigger names no system' };
    const incident = await context.doors.openIncident({ title: value.title, description: value.description, severity: value.severity, systemIds, suppressNotifications: value.suppressNotifications });
    await context.doors.linkIncident(context.rule.id, context.execution.partition, incident.id);
    return { ok: true, output: { incidentId: incident.id } };
  },
};

const openedBy = z.uuid({ message: 'expected the id of the rule that opened the incident' }).optional().meta({ description: "The rule that opened the incident; default: any rule's open incident for the trigger's system" });

const updateInput = z.object({ status: Status.default('identified'), message: z.string().min(1, 'expected a message').max(10_000), openedBy }).strict();

/**
 * Posts an update to the open incident an automation opened for the partition (`openedBy`: that
 * rule's only); nothing when none is open. Resolving is an update with status resolved.
 */
async function updateLinked(openedBy: string | undefined, update: { status: z.output<typeof Status>; message: string }, context: Parameters<ActionType['run']>[1]) {
  const open = await context.doors.linkedIncident(openedBy ?? null, context.execution.partition);
  if (!open) return { ok: true as const, output: { note: 'no incident opened by an automation is open for this system' } };
  await context.doors.updateIncident(open, update);
  return { ok: true as const, output: { incidentId: open } };
}

export const incidentUpdateAction: ActionType<typeof updateInput> = {
  type: 'incident.update',
  title: "Post an update to the rule's incident",
  input: updateInput,
  run: (value, context) => updateLinked(value.openedBy, { status: value.status, message: value.message }, context),
};

const resolveInput = z.object({ message: z.string().min(1, 'expected a message').max(10_000).default('Resolved automatically.'), openedBy }).strict();

/** Resolves the open incident an automation opened for the partition (the auto-incident's other half, SPEC §6.1). */
export const incidentResolveAction: ActionType<typeof resolveInput> = {
  type: 'incident.resolve',
  title: "Resolve the rule's incident",
  input: resolveInput,
  run: (value, context) => updateLinked(value.openedBy, { status: 'resolved', message: value.message }, context),
};
