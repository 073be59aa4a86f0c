import { createRoute } from '@hono/zod-openapi';
import { createRouter, errorResponses, jsonResponse, z } from '../api/openapi.ts';
import { ValidationError, type ErrorDetail } from '../kernel/errors.ts';
import { MAX_POINTS } from './query.ts';
import type { HistoryService } from './service.ts';

const Uuid = z.uuid({ message: 'expected a UUID' });
const DateTime = z.iso.datetime({ offset: true, message: 'expected an ISO-8601 date-time' });
const Percent = z.number().nullable().openapi({ description: 'Runs not unhealthy, in % of runs; null without runs' });
const Ms = z.number().nullable();

const Latency = z
  .object({ avg: Ms, min: Ms, max: Ms, p50: Ms, p95: Ms, p99: Ms })
  .openapi('LatencySummary', { description: 'Milliseconds. avg/min/max are exact; percentiles come from merged sketches, within 1 % relative error' });
const Counts = {
  runs: z.number().int(),
  healthy: z.number().int(),
  degraded: z.number().int(),
  unhealthy: z.number().int(),
  uptime: Percent,
  latency: Latency,
};
const Point = z.object({ start: z.string().openapi({ format: 'date-time' }), ...Counts }).openapi('HistoryPoint');
const History = z
  .object({
    bucket: z.enum(['5m', 'hour', 'day']),
    tier: z.enum(['raw', 'hourly', 'daily']).openapi({ description: 'Where the answer came from: raw runs, hourly or daily buckets' }),
    from: z.string().openapi({ format: 'date-time', description: 'The start of the first bucket (from, rounded down to a bucket)' }),
    to: z.string().openapi({ format: 'date-time' }),
    total: z.object(Counts).openapi('HistoryTotal'),
    points: z.array(Point).openapi({ description: 'Buckets that have runs, oldest first' }),
  })
  .openapi('History');

const Uptime = z
  .object({
    systemId: z.string(),
    ranges: z.array(z.object({ range: z.string(), runs: z.number().int(), uptime: Percent, latencyAvg: Ms })),
    days: z
      .object({
        from: z.string().openapi({ format: 'date', description: 'The first of the 90 UTC days' }),
        runs: z.array(z.number().int()).openapi({ description: 'Runs per day, oldest first (today last)' }),
        uptime: z.array(z.number().nullable()).openapi({ description: 'Uptime % per day to 3 decimals; null on a day without runs' }),
      })
      .openapi({ description: 'The last 90 UTC days as columns, for 90-day bars' }),
  })
  .openapi('SystemUptime');

const history = createRoute({
  method: 'get',
  path: '/history',
  operationId: 'getHistory',
  tags: ['History'],
  summary: 'Runs, status counts, uptime and latency per bucket over a range, for a system, a check or an environment',
  request: {
    query: z.object({
      systemId: Uuid,
      configurationId: Uuid.optional().openapi({ description: 'Only this check' }),
      environmentId: Uuid.optional().openapi({ description: 'Only this environment' }),
      source: z.string().max(200).optional().openapi({ description: '`Local` or a satellite' }),
      from: DateTime.optional().openapi({ description: 'Default: 24 h before `to`' }),
      to: DateTime.optional().openapi({ description: 'Default: now' }),
      bucket: z
        .enum(['5m', 'hour', 'day', 'auto'], { message: 'expected 5m, hour, day or auto' })
        .default('auto')
        .openapi({ description: `auto: the coarsest that still gives ≥ 50 points. At most ${MAX_POINTS} points` }),
    }),
  },
  responses: { 200: jsonResponse(History, 'The buckets of the range'), 400: errorResponses[400] },
});

const uptime = createRoute({
  method: 'get',
  path: '/uptime',
  operationId: 'getUptime',
  tags: ['History'],
  summary: 'Uptime of many systems over several ranges, with a 90-day series (one call for a dashboard or status page)',
  request: {
    query: z.object({
      systemIds: z
        .string()
        .transform((v) => v.split(',').map((id) => id.trim()).filter(Boolean))
        .pipe(z.array(Uuid).min(1, 'expected at least one system id').max(1000, 'expected at most 1000 system ids'))
        .optional()
        .openapi({ type: 'string', description: 'Comma-separated system ids' }),
      groupId: Uuid.optional().openapi({ description: 'The systems of this group' }),
      ranges: z
        .string()
        .default('24h,7d,30d,90d')
        .openapi({ description: 'Comma-separated: hours up to 48h (from hourly buckets) or days (whole UTC days, today included)' }),
    }),
  },
  responses: { 200: jsonResponse(z.object({ items: z.array(Uptime) }), 'Each system asked, in order'), 400: errorResponses[400] },
});

export interface HistoryRoutesDeps {
  /** The systems of a group, in name order. */
  systemsOfGroup(groupId: string): Promise<string[]>;
  /** The ids that name no system, as error details for `field`. */
  missingSystems(systemIds: string[], field: string): Promise<ErrorDetail[]>;
  /** Every system id, in name order, at most `limit`. */
  allSystems(limit: number): Promise<string[]>;
}

/** HTTP routes of history (SPEC §5.3). */
export function historyRoutes(service: HistoryService, deps: HistoryRoutesDeps) {
  const router = createRouter();
  router.openapi(history, async (c) => {
    const query = c.req.valid('query');
    const to = query.to ? new Date(query.to) : new Date();
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - 86_400_000);
    await requireSystems(deps, [query.systemId], 'systemId');
    return c.json(await service.history({ ...query, from, to }), 200);
  });
  router.openapi(uptime, async (c) => {
    const query = c.req.valid('query');
    if (query.systemIds && query.groupId) throw new ValidationError([{ path: 'groupId', message: 'expected either systemIds or groupId, not both' }]);
    const ranges = query.ranges.split(',').map((r) => r.trim()).filter(Boolean);
    if (!ranges.length || ranges.length > 8) throw new ValidationError([{ path: 'ranges', message: 'expected 1 to 8 ranges' }]);
    let systemIds = query.systemIds;
    if (systemIds) await requireSystems(deps, systemIds, 'systemIds');
    else systemIds = query.groupId ? await deps.systemsOfGroup(query.groupId) : await deps.allSystems(5000);
    return c.json({ items: await service.uptime(systemIds, ranges) }, 200);
  });
  return router;
}

async function requireSystems(deps: HistoryRoutesDeps, ids: string[], field: string): Promise<void> {
  const missing = await deps.missingSystems(ids, field);
  if (missing.length) throw new ValidationError(missing);
}
