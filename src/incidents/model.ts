import { z } from 'zod';

const Uuid = z.uuid({ message: 'expected a UUID' });
const Timestamp = z.string().meta({ format: 'date-time' });

const STATUSES = ['investigating', 'identified', 'monitoring', 'resolved'] as const;

export const IncidentStatus = z.enum(STATUSES, { message: 'expected investigating, identified, monitoring or resolved' });
export const IncidentSeverity = z.enum(['minor', 'major', 'critical'], { message: 'expected minor, major or critical' });

const fields = {
  title: z.string().trim().min(1, 'expected a title').max(200, 'expected at most 200 characters'),
  description: z.string().max(10_000, 'expected at most 10000 characters'),
  severity: IncidentSeverity,
  systemIds: z.array(Uuid).min(1, 'expected at least one system id').max(500, 'expected at most 500 system ids').meta({ description: 'The systems it touches' }),
  suppressNotifications: z.boolean().meta({ description: "While it is open, its systems' alerts are recorded as suppressed instead of sent" }),
};

export const Incident = z
  .object({
    id: z.string(),
    ...fields,
    status: IncidentStatus,
    createdAt: Timestamp,
    updatedAt: Timestamp,
    resolvedAt: Timestamp.nullable().meta({ description: 'When the last update resolved it; null while it is open' }),
  })
  .meta({ id: 'Incident' });

export const IncidentUpdate = z
  .object({
    id: z.string(),
    status: IncidentStatus.meta({ description: 'The status this update set' }),
    message: z.string(),
    actor: z.string().meta({ description: 'Who wrote it, as the audit log names them' }),
    createdAt: Timestamp,
  })
  .meta({ id: 'IncidentUpdate' });

export const IncidentWithTimeline = Incident.extend({
  updates: z.array(IncidentUpdate).meta({ description: 'The timeline, oldest first; the first entry opened the incident' }),
}).meta({ id: 'IncidentWithTimeline' });

export const IncidentInput = z
  .object({
    ...fields,
    description: fields.description.default(''),
    status: IncidentStatus.default('investigating'),
    suppressNotifications: fields.suppressNotifications.default(false),
  })
  .strict()
  .meta({ id: 'IncidentInput' });

export const IncidentPatch = z
  .object(fields)
  .partial()
  .strict()
  .meta({ id: 'IncidentPatch', description: 'The status is not patched: it moves through updates (POST /api/v1/incidents/{id}/updates)' });

export const IncidentUpdateInput = z
  .object({
    status: IncidentStatus,
    message: z.string().trim().min(1, 'expected a message').max(10_000, 'expected at most 10000 characters'),
  })
  .strict()
  .meta({ id: 'IncidentUpdateInput' });

/** `open`: every status but resolved. */
export const IncidentStatusFilter = z.enum(['open', ...STATUSES], { message: 'expected open, investigating, identified, monitoring or resolved' });

export type Incident = z.infer<typeof Incident>;
export type IncidentUpdate = z.infer<typeof IncidentUpdate>;
export type IncidentWithTimeline = z.infer<typeof IncidentWithTimeline>;
export type IncidentInput = z.output<typeof IncidentInput>;
export type IncidentPatch = z.output<typeof IncidentPatch>;
export type IncidentUpdateInput = z.output<typeof IncidentUpdateInput>;
export type IncidentStatus = z.infer<typeof IncidentStatus>;
export type IncidentSeverity = z.infer<typeof IncidentSeverity>;
export type IncidentStatusFilter = z.infer<typeof IncidentStatusFilter>;
