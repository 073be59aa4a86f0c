import { createRoute } from '@hono/zod-openapi';
import { IdParam, PageQuery, createRouter, errorResponses, jsonResponse, resourceRoutes, z } from '../api/openapi.ts';
import { Slo, SloInput, SloPatch, SloStatus } from './slo-model.ts';
import type { SloService } from './slo-service.ts';

const sloRoutes = resourceRoutes({
  path: '/slos',
  noun: 'slo',
  tag: 'Slos',
  item: Slo,
  input: SloInput,
  patch: SloPatch,
  query: PageQuery.extend({ systemId: z.uuid({ message: 'expected a UUID' }).optional().openapi({ description: "Only this system's SLOs" }) }),
});

const status = createRoute({
  method: 'get',
  path: '/slos/{id}/status',
  operationId: 'getSloStatus',
  tags: ['Slos'],
  summary: 'An SLO now: SLI over its window, error budget, burn rates, and whether its burn-rate alert holds',
  request: { params: IdParam },
  responses: { 200: jsonResponse(SloStatus, 'The SLO’s status'), 404: errorResponses[404] },
});

/** HTTP routes of SLOs (SPEC §5.4). */
export function sloRoutesFor(service: SloService) {
  const router = createRouter();
  router.openapi(sloRoutes.list, async (c) => {
    const { limit, cursor, ...filter } = c.req.valid('query');
    return c.json(await service.list({ limit, cursor }, filter), 200);
  });
  router.openapi(sloRoutes.create, async (c) => c.json(await service.create(c.req.valid('json')), 201));
  router.openapi(sloRoutes.get, async (c) => c.json(await service.get(c.req.valid('param').id), 200));
  router.openapi(sloRoutes.patch, async (c) => c.json(await service.update(c.req.valid('param').id, c.req.valid('json')), 200));
  router.openapi(sloRoutes.remove, async (c) => {
    await service.remove(c.req.valid('param').id);
    return c.body(null, 204);
  });
  router.openapi(status, async (c) => c.json(await service.status(c.req.valid('param').id), 200));
  return router;
}
