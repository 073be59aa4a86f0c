import { disableAssignmentAction, enableAssignmentAction, runNowAction } from './checks.ts';
import { incidentOpenAction, incidentResolveAction, incidentUpdateAction } from './incident.ts';
import { maintenanceStartAction } from './maintenance.ts';
import { notifyAction } from './notify.ts';
import type { AnyActionType } from './types.ts';
import { webhookAction } from './webhook.ts';

/** Every action a rule may take (SPEC §6.1), by `type`. */
export const ACTION_TYPES: readonly AnyActionType[] = [
  notifyAction,
  webhookAction,
  incidentOpenAction,
  incidentUpdateAction,
  incidentResolveAction,
  runNowAction,
  enableAssignmentAction,
  disableAssignmentAction,
  maintenanceStartAction,
];

export function actionType(type: string): AnyActionType | undefined {
  return ACTION_TYPES.find((action) => action.type === type);
}
