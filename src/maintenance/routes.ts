import { createRoute } from '@hono/zod-openapi';
import { PageQuery, createRouter, errorResponses, resourceRoutes, z } from '../api/openapi.ts';
import { MaintenanceStatusFilter, MaintenanceWindow, MaintenanceWindowInput, MaintenanceWindowPatch } from './model.ts';
import type { MaintenanceService } from './service.ts';

const windowRoutes = resourceRoutes({
  path: '/maintenance',
  noun: 'maintenance window',
  tag: 'MaintenanceWindows',
  item: MaintenanceWindow,
  input: MaintenanceWindowInput,
  patch: MaintenanceWindowPatch,
  query: PageQuery.extend({
    status: MaintenanceStatusFilter.optional().openapi({ description: 'Only windows with this status now' }),
    systemId: z.uuid({ message: 'expected a UUID' }).optional().openapi({ description: 'Only windows that name this system, or one of its groups' }),
  }),
});

// Windows have no unique name: creating or changing one never conflicts.
const create = createRoute({ ...windowRoutes.create, responses: { 201: windowRoutes.create.responses[201], 400: errorResponses[400] } });
const update = createRoute({ ...windowRoutes.patch, responses: { 200: windowRoutes.patch.responses[200], 400: errorResponses[400], 404: errorResponses[404] } });
const list = createRoute({ ...windowRoutes.list, summary: 'List maintenance windows, latest start first' });

/** HTTP routes of maintenance windows (SPEC §3.5, §6.2). */
export function maintenanceRoutes(service: MaintenanceService) {
  const router = createRouter();
  router.openapi(list, async (c) => {
    const { limit, cursor, ...filter } = c.req.valid('query');
    return c.json(await service.list({ limit, cursor }, filter), 200);
  });
  router.openapi(create, async (c) => c.json(await service.create(c.req.valid('json')), 201));
  router.openapi(windowRoutes.get, async (c) => c.json(await service.get(c.req.valid('param').id), 200));
  router.openapi(update, async (c) => c.json(await service.update(c.req.valid('param').id, c.req.valid('json')), 200));
  router.openapi(windowRoutes.remove, async (c) => {
    await service.remove(c.req.valid('param').id);
    return c.body(null, 204);
  });
  return router;
}
