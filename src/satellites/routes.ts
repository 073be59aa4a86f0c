import { createRoute } from '@hono/zod-openapi';
import { PageQuery, createRouter, errorResponses, jsonBody, jsonResponse, resourceRoutes } from '../api/openapi.ts';
import { CreatedSatellite, Satellite, SatelliteInput, SatellitePatch } from './model.ts';
import type { SatellitesService } from './service.ts';

const routes = resourceRoutes({
  path: '/satellites',
  noun: 'satellite',
  tag: 'Satellites',
  item: Satellite,
  input: SatelliteInput,
  patch: SatellitePatch,
  query: PageQuery,
});

const create = createRoute({
  method: 'post',
  path: '/satellites',
  operationId: 'createSatellite',
  tags: ['Satellites'],
  summary: 'Register a satellite (admin); its token is in this answer only',
  description: 'Run it elsewhere with `vigil satellite --server <this Vigil’s URL> --token <token>`; list it in an assignment’s satelliteIds to have it run that check.',
  request: jsonBody(SatelliteInput),
  responses: { 201: jsonResponse(CreatedSatellite, 'The satellite, with its token'), 400: errorResponses[400], 409: errorResponses[409] },
});

const remove = createRoute({
  ...routes.remove,
  summary: 'Delete a satellite (admin): its token stops working at once, and every assignment stops listing it (SPEC §6.3)',
});


/** HTTP routes for the satellite resource (SPEC §1); the satellites' own channel is in agent-routes.ts. */
export function satelliteRoutes(satellites: SatellitesService) {
  const router = createRouter();
  router.openapi(routes.list, async (c) => c.json(await satellites.list(c.req.valid('query')), 200));
  router.openapi(create, async (c) => {
    return c.json(await satellites.create(c.req.valid('json')), 201);
  });
  router.openapi(routes.get, async (c) => c.json(await satellites.get(c.req.valid('param').id), 200));
  router.openapi(routes.patch, async (c) => {
    return c.json(await satellites.update(c.req.valid('param').id, c.req.valid('json')), 200);
  });
  router.openapi(remove, async (c) => {
    await satellites.delete(c.req.valid('param').id);
    return c.body(null, 204);
  });
  return router;
}
