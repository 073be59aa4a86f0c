import { z } from 'zod';
import type { ActionType } from './types.ts';

const input = z
  .object({
    minutes: z.number().int('expected whole minutes').min(1, 'expected at least 1 minute').max(1_440, 'expected at most 1440 minutes (a day)'),
    title: z.string().min(1).max(200).default('Maintenance started by {{ rule.name }}'),
    systemIds: z.array(z.string().min(1)).optional().meta({ description: "Default: the trigger's system" }),
  })
  .strict();

/** Puts systems in maintenance from now for `minutes` (their notifications are suppressed meanwhile). */
export const maintenanceStartAction: ActionType<typeof input> = {
  type: 'maintenance.start',
  title: 'Start a maintenance window',
  input,
  async run(value, context) {
    const payload = context.trigger.payload;
    const systemIds = value.systemIds ?? (typeof payload.systemId === 'string' ? [payload.systemId] : []);
    if (!systemIds.length) return { ok: false, retryable: false, error: 'expected systemIds: the trigger names no system' };
    const window = await context.doors.startMaintenance({ title: value.title, systemIds, minutes: value.minutes });
    return { ok: true, output: { windowId: window.id } };
  },
};
