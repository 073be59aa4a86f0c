import type { z } from 'zod';

/**
 * The one contract every automation action implements (SPEC §6.1; issue 20), one file per type
 * under actions/, none special-cased elsewhere: an input schema (its string fields may template
 * the trigger, `{{ trigger.payload.systemName }}`, rendered before the run) and `run`, which does
 * the work through the doors the runner hands it and says how it went. Runs are at least once:
 * `key` is the same on every attempt of one action of one execution, for the receiver to drop a
 * repeat.
 */

export type ActionOutcome = { ok: true; output?: Record<string, unknown> } | { ok: false; retryable: boolean; error: string };

export interface ActionContext {
  /** The idempotency key of this action of this execution. */
  key: string;
  rule: { id: string; name: string };
  execution: { id: string; partition: string };
  trigger: { id: string; type: string; payload: Record<string, unknown> };
  signal: AbortSignal;
  doors: ActionDoors;
}

/** What actions may do, each through the service that owns it (wired in app.ts). */
export interface ActionDoors {
  /** Sends a message now to a channel (by id), with `key` as its idempotency key. */
  sendToChannel(channelId: string, message: { key: string; title: string; text: string; severity: 'critical' | 'warning' | 'info'; systemId?: string }): Promise<ActionOutcome>;
  /** The channels of a system's subscriptions (rollup ones). */
  subscriberChannels(systemId: string): Promise<string[]>;
  openIncident(input: { title: string; description: string; severity: 'minor' | 'major' | 'critical'; systemIds: string[]; suppressNotifications: boolean }): Promise<{ id: string }>;
  updateIncident(incidentId: string, update: { status: 'investigating' | 'identified' | 'monitoring' | 'resolved'; message: string }): Promise<void>;
  /** The open incident `ruleId` (null: any rule) opened for this partition, if any (a resolved one no longer counts). */
  linkedIncident(ruleId: string | null, partition: string): Promise<string | undefined>;
  /** Remembers the incident a rule opened for a partition (replacing a resolved one). */
  linkIncident(ruleId: string, partition: string, incidentId: string): Promise<void>;
  runNow(systemId: string, configurationId: string): Promise<{ runs: { status: string; message: string; latencyMs: number | null }[] }>;
  setAssignmentEnabled(systemId: string, configurationId: string, enabled: boolean): Promise<void>;
  startMaintenance(input: { title: string; systemIds: string[]; minutes: number }): Promise<{ id: string }>;
  /** The values of the named secrets, by lower-cased name (`{{ secrets.NAME }}` in inputs), for one run. */
  secrets(names: readonly string[]): Promise<Map<string, string>>;
}

export interface ActionType<Input extends z.ZodType = z.ZodType> {
  /** Its `type` in a rule, e.g. `incident.open`. */
  type: string;
  title: string;
  /** Strict; what a rule's action `input` must be. */
  input: Input;
  run(input: z.output<Input>, context: ActionContext): Promise<ActionOutcome>;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a registry holds action types of every input
export type AnyActionType = ActionType<any>;
