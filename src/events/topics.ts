import { z } from 'zod';
import { STATUSES } from '../kernel/status.ts';

/**
 * Every topic on the event bus, with its payload schema: the one list notifications, automations
 * and the live stream subscribe to by name. The `healthcheck.*` ids are the trigger ids of SPEC
 * §4.2 and must not change. Payloads crossing processes (Redis) are parsed against these schemas.
 */

const Status = z.enum(STATUSES);
const Timestamp = z.string().meta({ format: 'date-time', description: 'ISO-8601' });

/** SPEC §4.3: one status change of a view (the rollup, or one environment when `environmentId` is set). */
const HealthChange = z.object({
  systemId: z.string(),
  environmentId: z.string().optional(),
  systemName: z.string(),
  previousStatus: Status,
  /** Left out of `system_healthy`, where it is implied. */
  newStatus: Status.optional(),
  healthyChecks: z.number(),
  totalChecks: z.number(),
  timestamp: Timestamp,
});

const BurnRate = z.number().nullable();
/** An SLO whose burn-rate alert changed, with the rates that decided it. */
const SloBurn = z.object({
  sloId: z.string(),
  name: z.string(),
  systemId: z.string(),
  configurationId: z.string().optional(),
  environmentId: z.string().optional(),
  objective: z.number(),
  burnRates: z.object({ '5m': BurnRate, '30m': BurnRate, '1h': BurnRate, '6h': BurnRate, '3d': BurnRate }),
  remainingBudgetPercent: z.number().nullable(),
  timestamp: Timestamp,
});

/** A maintenance window's status moved with the clock (once across processes). */
const MaintenanceChange = z.object({
  windowId: z.string(),
  title: z.string(),
  status: z.enum(['planned', 'active', 'completed']),
  previousStatus: z.enum(['planned', 'active', 'completed']),
  /** The occurrence the change is about (its start and end). */
  occurrenceStartsAt: Timestamp,
  occurrenceEndsAt: Timestamp,
  /** The systems affected, those of its groups included. */
  systemIds: z.array(z.string()),
  suppressNotifications: z.boolean(),
  timestamp: Timestamp,
});

/** A satellite stopped or resumed sending heartbeats (once across processes). */
const SatelliteChange = z.object({
  satelliteId: z.string(),
  name: z.string(),
  location: z.string().nullable(),
  /** Its last heartbeat (null: it never sent one). */
  lastSeenAt: Timestamp.nullable(),
  timestamp: Timestamp,
});

const IncidentStatus = z.enum(['investigating', 'identified', 'monitoring', 'resolved']);
/** An incident opened or changed: what its subscribers are told. */
const IncidentChange = z.object({
  incidentId: z.string(),
  title: z.string(),
  severity: z.enum(['minor', 'major', 'critical']),
  status: IncidentStatus,
  previousStatus: IncidentStatus.optional(),
  /** The update's text (the description for a new incident). */
  message: z.string(),
  updateId: z.string().optional(),
  systemIds: z.array(z.string()),
  timestamp: Timestamp,
});

/** What was cut from a test run's answer to keep it within the bus's size bound. */
const Truncation = z.object({ path: z.string(), originalBytes: z.number(), keptBytes: z.number() });

/** SPEC §7.3: a draft check run once: what a recorded run holds, recorded nowhere. */
const DefinitionTestRunAnswer = z.object({
  kind: z.literal('definition'),
  status: Status,
  latencyMs: z.number().nullable(),
  message: z.string(),
  result: z.record(z.string(), z.unknown()),
  truncated: z.array(Truncation).optional(),
});

/** SPEC §7.3: a shell script run once; it never fails the request for a script failure. */
const ShellTestRunAnswer = z.object({
  kind: z.literal('shell'),
  result: z.unknown().optional(),
  stdout: z.string(),
  stderr: z.string(),
  exitCode: z.number().optional(),
  durationMs: z.number(),
  timedOut: z.boolean(),
  error: z.string().optional(),
  truncated: z.array(Truncation).optional(),
});

export const TOPICS = {
  /** A run was stored (a live signal: not durable, superseded by the next run). */
  'run.completed': z.object({
    runId: z.string(),
    systemId: z.string(),
    configurationId: z.string(),
    environmentId: z.string().optional(),
    source: z.string(),
    status: Status,
    latencyMs: z.number().nullable(),
    message: z.string(),
    timestamp: Timestamp,
  }),
  /** SPEC §4.2: every non-healthy run. */
  'healthcheck.check_failed': z.object({
    systemId: z.string(),
    configurationId: z.string(),
    environmentId: z.string().optional(),
    status: Status,
    latencyMs: z.number().optional(),
    message: z.string(),
    timestamp: Timestamp,
  }),
  /** SPEC §4.2: healthy → degraded or unhealthy (durable, through the outbox). */
  'healthcheck.system_degraded': HealthChange,
  /** SPEC §4.2: degraded or unhealthy → healthy (durable, through the outbox). */
  'healthcheck.system_healthy': HealthChange,
  /** SPEC §4.2: every status change, after the directional event (durable, through the outbox). */
  'healthcheck.system_health_changed': HealthChange,
  /** SPEC §2.4: a run went ahead env-less because the system's environments could not be read. */
  environment_resolution_failed: z.object({ systemId: z.string(), configurationId: z.string(), error: z.string() }),
  /** Something that changes what is scheduled was saved: schedulers reconcile at once (SPEC §2.1). */
  'schedules.changed': z.object({}),
  /** A user's credentials changed (role, disabled, password, deleted, a token or session ended): every process forgets what it cached. */
  'access.changed': z.object({ userId: z.string() }),
  /** SPEC §5.4: an SLO's multi-window burn-rate alert started to hold (durable, through the outbox, once across processes). */
  'slo.burn_rate_high': SloBurn,
  /** SPEC §5.4: it stopped holding. */
  'slo.burn_rate_normal': SloBurn,
  /** A maintenance window became active (durable, through the outbox, once across processes). */
  'maintenance.started': MaintenanceChange,
  /** It ended: back to planned until the next occurrence, or completed. */
  'maintenance.ended': MaintenanceChange,
  /** A satellite missed 3 heartbeats in a row (durable, through the outbox, once across processes). */
  'satellite.offline': SatelliteChange,
  /** A satellite sent a heartbeat again, or for the first time (durable, through the outbox, once across processes). */
  'satellite.online': SatelliteChange,
  /** An incident was opened (durable, through the outbox). */
  'incident.created': IncidentChange,
  /** An update was posted to an incident's timeline (its status may have changed, to resolved too). */
  'incident.updated': IncidentChange,
  /** A job asked for by "run now" finished on some worker: the runs it recorded (none when skipped). */
  'job.completed': z.object({ requestId: z.string(), runIds: z.array(z.string()) }),
  /** A test run finished on some worker: its answer, secrets masked and size bounded (never recorded). */
  'test-run.completed': z.object({ requestId: z.string(), answer: z.discriminatedUnion('kind', [DefinitionTestRunAnswer, ShellTestRunAnswer]) }),
} as const;

export type Topic = keyof typeof TOPICS;
export type Payload<T extends Topic> = z.output<(typeof TOPICS)[T]>;
export type HealthChangePayload = z.output<typeof HealthChange>;
export type TestRunAnswer = Payload<'test-run.completed'>['answer'];

/** One event on the bus. `id` lets consumers drop a redelivery (the outbox is at-least-once). */
export type BusEvent = { [T in Topic]: { id: string; topic: T; payload: Payload<T> } }[Topic];

export const SYSTEM_DEGRADED = 'healthcheck.system_degraded' satisfies Topic;
export const SYSTEM_HEALTHY = 'healthcheck.system_healthy' satisfies Topic;
export const SYSTEM_HEALTH_CHANGED = 'healthcheck.system_health_changed' satisfies Topic;
export const CHECK_FAILED = 'healthcheck.check_failed' satisfies Topic;
export const RUN_COMPLETED = 'run.completed' satisfies Topic;
export const INCIDENT_CREATED = 'incident.created' satisfies Topic;
export const INCIDENT_UPDATED = 'incident.updated' satisfies Topic;
export const MAINTENANCE_STARTED = 'maintenance.started' satisfies Topic;
export const MAINTENANCE_ENDED = 'maintenance.ended' satisfies Topic;
export const SATELLITE_OFFLINE = 'satellite.offline' satisfies Topic;
export const SATELLITE_ONLINE = 'satellite.online' satisfies Topic;

export function isTopic(topic: string): topic is Topic {
  return Object.hasOwn(TOPICS, topic);
}

/** An event from another process, checked against its topic's schema; undefined when unknown or malformed. */
export function parseEvent(raw: unknown): BusEvent | undefined {
  if (raw === null || typeof raw !== 'object') return undefined;
  const { id, topic, payload } = raw as Record<string, unknown>;
  if (typeof id !== 'string' || typeof topic !== 'string' || !isTopic(topic)) return undefined;
  const parsed = TOPICS[topic].safeParse(payload);
  return parsed.success ? ({ id, topic, payload: parsed.data } as BusEvent) : undefined;
}
