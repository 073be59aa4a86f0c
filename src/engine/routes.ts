import { createRoute } from '@hono/zod-openapi';
import type { ChecksService } from '../checks/service.ts';
import { Run } from '../health/routes.ts';
import { runView } from '../health/service.ts';
import { IdParam, createRouter, errorResponses, jsonResponse, z } from '../api/openapi.ts';
import type { Executor } from './executor.ts';

const runNow = createRoute({
  method: 'post',
  path: '/assignments/{id}/run',
  tags: ['Assignments'],
  summary: 'Run an assignment now, once per effective environment, and return the recorded runs',
  request: { params: IdParam },
  responses: { 200: jsonResponse(z.object({ items: z.array(Run) }), 'The runs it recorded (none if the configuration is paused or disabled)'), 404: errorResponses[404] },
});

export function engineRoutes(checks: ChecksService, executor: Executor) {
  const router = createRouter();
  router.openapi(runNow, async (c) => {
    const assignment = await checks.getAssignment(c.req.valid('param').id);
    const runs = await executor.execute({ configurationId: assignment.configurationId, systemId: assignment.systemId, scheduledFor: Date.now() });
    return c.json({ items: runs.map(runView) }, 200);
  });
  return router;
}
