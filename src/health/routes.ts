import { createRoute } from '@hono/zod-openapi';
import { IdParam, PageQuery, createRouter, errorResponses, jsonResponse, pageOf, z } from '../api/openapi.ts';
import { ValidationError } from '../kernel/errors.ts';
import type { HealthService } from './service.ts';

const Uuid = z.uuid({ message: 'expected a UUID' });
const DateTime = z.iso.datetime({ offset: true, message: 'expected an ISO-8601 date-time' });
const StatusEnum = z.enum(['healthy', 'degraded', 'unhealthy']);
const Timestamp = z.string().openapi({ format: 'date-time' });

export const Run = z
  .object({
    id: z.string(),
    systemId: z.string(),
    configurationId: z.string(),
    environmentId: z.string().nullable(),
    source: z.string(),
    status: StatusEnum,
    latencyMs: z.number().nullable(),
    message: z.string(),
    result: z.record(z.string(), z.unknown()),
    scheduledFor: Timestamp.openapi({ description: 'When the tick was due; createdAt − scheduledFor is the scheduling lag plus run time' }),
    createdAt: Timestamp,
  })
  .openapi('Run');

const Transition = z
  .object({
    id: z.string(),
    systemId: z.string(),
    configurationId: z.string().nullable(),
    environmentId: z.string().nullable().openapi({ description: 'null = the system rollup' }),
    fromStatus: StatusEnum.nullable(),
    toStatus: StatusEnum,
    transitionedAt: Timestamp,
  })
  .openapi('Transition');

const SystemHealth = z
  .object({
    systemId: z.string(),
    status: StatusEnum.nullable().openapi({ description: 'null when the system has no enabled checks (no health state)' }),
    healthyChecks: z.number(),
    totalChecks: z.number(),
    since: Timestamp.nullable(),
    checks: z.array(
      z.object({
        configurationId: z.string(),
        name: z.string(),
        status: StatusEnum.openapi({ description: 'Decided across its sources by the assignment’s quorum (SPEC §3.6)' }),
        lastRun: Timestamp.nullable(),
        quorum: z.number().openapi({ description: 'How many sources must agree before the check fails (1: worst wins)' }),
        sources: z.array(
          z.object({
            source: z.string().openapi({ description: '`Local` (the central workers) or a satellite id' }),
            environmentId: z.string().nullable(),
            status: StatusEnum,
            stale: z.boolean().openapi({ description: 'No run within 3 intervals: counts as neither failing nor passing' }),
            lastRunAt: Timestamp,
          }),
        ).openapi({ description: 'Each source’s stream, per environment, as evaluated by the thresholds (SPEC §3.1)' }),
      }),
    ),
    environments: z.array(
      z.object({ environmentId: z.string(), name: z.string(), status: StatusEnum, healthyChecks: z.number(), totalChecks: z.number(), since: Timestamp }),
    ),
    inStatusSince: Timestamp.nullable(),
    inStatusForMs: z.number(),
    transitionsInWindow: z.number(),
    transitionWindowMinutes: z.number(),
    latencyMs: z.number().nullable(),
    avgLatencyMs: z.number().nullable(),
    p95LatencyMs: z.number().nullable(),
    successRate: z.number().nullable(),
    lastRunAt: Timestamp.nullable(),
    inMaintenance: z.boolean().openapi({ description: 'Whether an occurrence of a maintenance window naming the system, or one of its groups, covers evaluatedAt' }),
    evaluatedAt: Timestamp,
  })
  .openapi('SystemHealth');

const listRuns = createRoute({
  method: 'get',
  path: '/runs',
  operationId: 'listRuns',
  tags: ['Health'],
  summary: 'List runs, newest first',
  request: {
    query: PageQuery.extend({
      systemId: Uuid.optional(),
      configurationId: Uuid.optional(),
      environmentId: Uuid.optional(),
      status: StatusEnum.optional(),
      from: DateTime.optional().openapi({ description: 'Only runs created at or after this time' }),
      to: DateTime.optional().openapi({ description: 'Only runs created before this time' }),
    }),
  },
  responses: { 200: jsonResponse(pageOf(Run, 'RunPage'), 'A page of runs'), 400: errorResponses[400] },
});

const getRun = createRoute({
  method: 'get',
  path: '/runs/{id}',
  operationId: 'getRun',
  tags: ['Health'],
  summary: 'Get a run, with its full result',
  request: { params: IdParam },
  responses: { 200: jsonResponse(Run, 'The run'), 404: errorResponses[404] },
});

const listTransitions = createRoute({
  method: 'get',
  path: '/transitions',
  operationId: 'listTransitions',
  tags: ['Health'],
  summary: 'List status changes, newest first',
  request: {
    query: PageQuery.extend({
      systemId: Uuid.optional(),
      configurationId: Uuid.optional(),
      environmentId: Uuid.optional(),
      rollup: z.enum(['true', 'false']).transform((v) => v === 'true').optional().openapi({ description: 'Only the system rollup (no environment)' }),
    }),
  },
  responses: { 200: jsonResponse(pageOf(Transition, 'TransitionPage'), 'A page of transitions'), 400: errorResponses[400] },
});

const systemHealth = createRoute({
  method: 'get',
  path: '/systems/{id}/health',
  operationId: 'getSystemHealth',
  tags: ['Health'],
  summary: 'The health of one system, its checks and its environments',
  request: { params: IdParam },
  responses: { 200: jsonResponse(SystemHealth, 'The system’s health'), 404: errorResponses[404] },
});

const manyHealth = createRoute({
  method: 'get',
  path: '/health',
  operationId: 'getSystemsHealth',
  tags: ['Health'],
  summary: 'The health of many systems in one call',
  description: 'Without systemIds, every system (up to 5000, by name): one call for a dashboard. A role limited to some groups must name its systems.',
  request: {
    query: z.object({
      systemIds: z
        .string()
        .transform((v) => v.split(',').map((id) => id.trim()).filter(Boolean))
        .pipe(z.array(Uuid).min(1, 'expected at least one system id').max(500, 'expected at most 500 system ids'))
        .optional()
        .openapi({ description: 'Comma-separated system ids; absent: every system', type: 'string' }),
    }),
  },
  responses: { 200: jsonResponse(z.object({ items: z.array(SystemHealth) }), 'Health of each system that exists, in the order asked (by name when not asked)'), 400: errorResponses[400] },
});

/** HTTP routes for runs, transitions and health. */
export function healthRoutes(health: HealthService, deps: { allSystems(limit: number): Promise<string[]> }) {
  const router = createRouter();
  router.openapi(listRuns, async (c) => {
    const { limit, cursor, from, to, ...filter } = c.req.valid('query');
    const range = { from: from === undefined ? undefined : new Date(from), to: to === undefined ? undefined : new Date(to) };
    if (range.from && range.to && range.from > range.to) throw new ValidationError([{ path: 'to', message: 'expected a time at or after from' }]);
    return c.json(await health.listRuns({ limit, cursor }, { ...filter, ...range }), 200);
  });
  router.openapi(getRun, async (c) => c.json(await health.getRun(c.req.valid('param').id), 200));
  router.openapi(listTransitions, async (c) => {
    const { limit, cursor, ...filter } = c.req.valid('query');
    return c.json(await health.listTransitions({ limit, cursor }, filter), 200);
  });
  router.openapi(systemHealth, async (c) => c.json(await health.systemHealth(c.req.valid('param').id), 200));
  router.openapi(manyHealth, async (c) => {
    const systemIds = c.req.valid('query').systemIds ?? (await deps.allSystems(5000));
    return c.json({ items: await health.systemsHealth(systemIds) }, 200);
  });
  return router;
}
