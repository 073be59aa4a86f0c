import { z } from 'zod';
import { Name } from '../catalog/model.ts';
import { Assertion } from '../checks/model.ts';

/** Where the satellites' channel is mounted: outside /api/v1, whose callers are users. */
export const SATELLITE_CHANNEL_PATH = '/api/satellite/v1';
export const DEFAULT_HEARTBEAT_SECONDS = 10;

const Timestamp = z.string().meta({ format: 'date-time' });
const Uuid = z.uuid({ message: 'expected a UUID' });
const Labels = z
  .record(z.string().min(1, 'expected a non-empty label name').max(100, 'expected at most 100 characters'), z.string().max(200, 'expected at most 200 characters'))
  .refine((labels) => Object.keys(labels).length <= 50, 'expected at most 50 labels')
  .meta({ description: 'Free-form key → value, e.g. {"provider": "hetzner", "region": "eu-central"}' });
const Location = z.string().trim().max(200, 'expected at most 200 characters').nullable().meta({ description: 'Where it runs, in words (e.g. "Frankfurt")' });

export const SatelliteInput = z
  .object({ name: Name, location: Location.default(null), labels: Labels.default({}) })
  .strict()
  .meta({ id: 'SatelliteInput' });

export const SatellitePatch = z.object({ name: Name, location: Location, labels: Labels }).partial().strict().meta({ id: 'SatellitePatch' });

export const Satellite = z
  .object({
    id: z.string(),
    name: z.string(),
    location: z.string().nullable(),
    labels: z.record(z.string(), z.string()),
    online: z.boolean().meta({ description: 'It sent a heartbeat within the last 3 heartbeat periods' }),
    lastSeenAt: Timestamp.nullable().meta({ description: 'Its last heartbeat; null: never connected' }),
    version: z.string().nullable().meta({ description: 'The Vigil version it runs, from its last heartbeat' }),
    backlog: z.number().meta({ description: 'Runs waiting in its buffer for upload, from its last heartbeat' }),
    dropped: z.number().meta({ description: 'Runs its bounded buffer had to drop (oldest first) while it could not upload' }),
    assignments: z.number().meta({ description: 'How many assignments list it' }),
    createdAt: Timestamp,
    updatedAt: Timestamp,
  })
  .meta({ id: 'Satellite' });

export const CreatedSatellite = Satellite.extend({
  token: z.string().meta({ description: 'The satellite’s token (`vst_…`), shown this once: `vigil satellite --token …`. Only its hash is kept' }),
}).meta({ id: 'CreatedSatellite' });

// ── the satellite's own channel ─────────────────────────────────────────────

const Environment = z.object({ id: z.string(), name: z.string(), fields: z.record(z.string(), z.unknown()) });

export const FeedAssignment = z
  .object({
    id: z.string(),
    configurationId: z.string(),
    systemId: z.string(),
    systemName: z.string(),
    name: z.string().meta({ description: 'The configuration’s name' }),
    strategy: z.string(),
    config: z.record(z.string(), z.unknown()),
    assertions: z.array(Assertion),
    collectors: z.array(z.object({ collector: z.string(), config: z.record(z.string(), z.unknown()), assertions: z.array(Assertion) })),
    intervalSeconds: z.number(),
    environments: z.array(Environment).meta({ description: 'The effective environments (SPEC §2.4), in order; empty: one env-less run per tick' }),
    version: z.string().meta({ description: 'Moves whenever the assignment or its configuration is edited' }),
  })
  .meta({ id: 'SatelliteFeedAssignment' });

export const Feed = z
  .object({
    satelliteId: z.string(),
    name: z.string(),
    heartbeatSeconds: z.number().meta({ description: 'How often to send a heartbeat; 3 missed ones mark the satellite offline' }),
    assignments: z.array(FeedAssignment),
    secrets: z
      .record(z.string(), z.string())
      .meta({ description: 'The values of the secrets these assignments use (lower-cased name → value): to be held in memory only, and masked in every result' }),
  })
  .meta({ id: 'SatelliteFeed' });

export const HeartbeatInput = z
  .object({
    version: z.string().max(50, 'expected at most 50 characters'),
    backlog: z.number().int('expected a whole number').min(0, 'expected at least 0'),
    dropped: z.number().int('expected a whole number').min(0, 'expected at least 0').default(0),
  })
  .strict()
  .meta({ id: 'SatelliteHeartbeat' });

export const HeartbeatAnswer = z.object({ online: z.literal(true), heartbeatSeconds: z.number() }).meta({ id: 'SatelliteHeartbeatAnswer' });

export const MAX_RUNS_PER_BATCH = 500;

export const UploadedRun = z
  .object({
    configurationId: Uuid,
    systemId: Uuid,
    environmentId: Uuid.nullable(),
    scheduledFor: z.iso.datetime({ offset: true, message: 'expected an ISO-8601 date-time' }).meta({ description: 'The tick the run was for: with the stream, it makes a run recorded once' }),
    at: z.iso.datetime({ offset: true, message: 'expected an ISO-8601 date-time' }).meta({ description: 'When it ran' }),
    status: z.enum(['healthy', 'degraded', 'unhealthy']),
    latencyMs: z.number().int('expected a whole number').min(0, 'expected at least 0').nullable(),
    message: z.string().max(10_000, 'expected at most 10000 characters'),
    result: z.record(z.string(), z.unknown()),
  })
  .strict()
  .meta({ id: 'SatelliteRun' });

export const RunsInput = z
  .object({ runs: z.array(UploadedRun).max(MAX_RUNS_PER_BATCH, `expected at most ${MAX_RUNS_PER_BATCH} runs per batch`) })
  .strict()
  .meta({ id: 'SatelliteRuns' });

export const RunsAnswer = z
  .object({
    recorded: z.number().meta({ description: 'Runs stored now' }),
    duplicates: z.number().meta({ description: 'Runs whose tick was already stored (an upload repeated): not stored twice' }),
    refused: z
      .array(z.object({ index: z.number(), reason: z.string() }))
      .meta({ description: 'Runs of a check the satellite is not assigned (or no longer): recorded nowhere; the satellite drops them' }),
  })
  .meta({ id: 'SatelliteRunsAnswer' });

export type SatelliteInput = z.output<typeof SatelliteInput>;
export type SatellitePatch = z.output<typeof SatellitePatch>;
export type Satellite = z.output<typeof Satellite>;
export type CreatedSatellite = z.output<typeof CreatedSatellite>;
export type FeedAssignment = z.output<typeof FeedAssignment>;
export type Feed = z.output<typeof Feed>;
export type HeartbeatInput = z.output<typeof HeartbeatInput>;
export type UploadedRun = z.output<typeof UploadedRun>;
export type RunsAnswer = z.output<typeof RunsAnswer>;
