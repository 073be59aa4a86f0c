import { z } from 'zod';
import type { ActionType } from './types.ts';

const assignment = z
  .object({
    systemId: z.string().min(1, 'expected a system id or a template such as {{ trigger.payload.systemId }}'),
    configurationId: z.string().min(1, 'expected a configuration id'),
  })
  .strict();

/** Runs a check now (a diagnostic script, say) and answers what it found. */
export const runNowAction: ActionType<typeof assignment> = {
  type: 'run_now',
  title: 'Run a check now',
  input: assignment,
  async run(value, context) {
    const { runs } = await context.doors.runNow(value.systemId, value.configurationId);
    return { ok: true, output: { runs } };
  },
};

function toggle(enabled: boolean): ActionType<typeof assignment> {
  return {
    type: enabled ? 'enable_assignment' : 'disable_assignment',
    title: enabled ? 'Enable a check on a system' : 'Disable a check on a system',
    input: assignment,
    async run(value, context) {
      await context.doors.setAssignmentEnabled(value.systemId, value.configurationId, enabled);
      return { ok: true, output: { systemId: value.systemId, configurationId: value.configurationId, enabled } };
    },
  };
}

export const enableAssignmentAction = toggle(true);
export const disableAssignmentAction = toggle(false);
