import { createRoute } from '@hono/zod-openapi';
import { ErrorBody, IdParam, PageQuery, createRouter, errorResponses, jsonBody, jsonResponse, resourceRoutes, z } from '../api/openapi.ts';
import { Incident, IncidentInput, IncidentPatch, IncidentStatusFilter, IncidentUpdateInput, IncidentWithTimeline } from './model.ts';
import type { IncidentsService } from './service.ts';

const incidentRoutes = resourceRoutes({
  path: '/incidents',
  noun: 'incident',
  tag: 'Incidents',
  item: Incident,
  input: IncidentInput,
  patch: IncidentPatch,
  written: IncidentWithTimeline,
  query: PageQuery.extend({
    status: IncidentStatusFilter.optional().openapi({ description: 'open (any status but resolved), resolved, or one status' }),
    systemId: z.uuid({ message: 'expected a UUID' }).optional().openapi({ description: 'Only incidents that name this system' }),
  }),
});

/** The list answers incidents alone (newest first); one incident answers with its timeline. */
const getIncident = createRoute({
  ...incidentRoutes.get,
  responses: { 200: jsonResponse(IncidentWithTimeline, 'The incident with its timeline, oldest first'), 404: errorResponses[404] },
});

const postUpdate = createRoute({
  method: 'post',
  path: '/incidents/{id}/updates',
  operationId: 'postIncidentUpdate',
  tags: ['Incidents'],
  summary: "Append an update to an incident's timeline and move it to the update's status (resolved resolves it; another status reopens it)",
  request: { params: IdParam, ...jsonBody(IncidentUpdateInput) },
  responses: {
    201: jsonResponse(IncidentWithTimeline, 'The incident with its timeline, the new update last'),
    400: errorResponses[400],
    404: errorResponses[404],
    409: { description: 'The incident is already resolved and the update resolves it again (incident_resolved)', content: { 'application/json': { schema: ErrorBody } } },
  },
});

/** HTTP routes of incidents (issue 19). */
export function incidentRoutesFor(service: IncidentsService) {
  const router = createRouter();
  router.openapi(incidentRoutes.list, async (c) => {
    const { limit, cursor, ...filter } = c.req.valid('query');
    return c.json(await service.list({ limit, cursor }, filter), 200);
  });
  router.openapi(incidentRoutes.create, async (c) => c.json(await service.create(c.req.valid('json')), 201));
  router.openapi(getIncident, async (c) => c.json(await service.get(c.req.valid('param').id), 200));
  router.openapi(incidentRoutes.patch, async (c) => c.json(await service.update(c.req.valid('param').id, c.req.valid('json')), 200));
  router.openapi(incidentRoutes.remove, async (c) => {
    await service.remove(c.req.valid('param').id);
    return c.body(null, 204);
  });
  router.openapi(postUpdate, async (c) => c.json(await service.postUpdate(c.req.valid('param').id, c.req.valid('json')), 201));
  return router;
}
