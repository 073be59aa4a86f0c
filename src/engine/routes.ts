import { createRoute } from '@hono/zod-openapi';
import { ErrorBody, IdParam, createRouter, errorResponses, jsonResponse, z } from '../api/openapi.ts';
import { errorBody } from '../api/server.ts';
import type { ChecksService } from '../checks/service.ts';
import { Run } from '../health/routes.ts';
import type { HealthService } from '../health/service.ts';
import { DEFAULT_TIMEOUT_MS } from '../strategies/common.ts';
import { WORKER_GRACE_MS } from './await-reply.ts';
import type { StrategyRegistry } from '../strategies/registry.ts';
import { refusePassive } from './passive.ts';
import type { RunNow } from './run-now.ts';

const runNow = createRoute({
  method: 'post',
  path: '/assignments/{id}/run',
  operationId: 'runAssignment',
  tags: ['Assignments'],
  summary: 'Run an assignment now, once per effective environment, and return the recorded runs',
  description:
    'The run is queued ahead of scheduled ticks and executed by a worker (never by the API process); ' +
    "the answer waits for it, at most 30 s plus the configuration's timeout.",
  request: { params: IdParam },
  responses: {
    200: jsonResponse(z.object({ items: z.array(Run) }), 'The runs it recorded (none if the configuration is paused or disabled)'),
    404: errorResponses[404],
    409: { description: 'A heartbeat (passive) check has nothing to run: it records a run when its job pings (passive_check)', content: { 'application/json': { schema: ErrorBody } } },
    504: { description: 'No worker finished the run in time; it stays queued and its runs will be listed by GET /runs', content: { 'application/json': { schema: ErrorBody } } },
  },
});

export function engineRoutes(checks: ChecksService, health: HealthService, runs: RunNow, strategies: Pick<StrategyRegistry, 'getStrategy'>) {
  const router = createRouter();
  router.openapi(runNow, async (c) => {
    const assignment = await checks.getAssignment(c.req.valid('param').id);
    const configuration = await checks.getConfiguration(assignment.configurationId);
    refusePassive(strategies, configuration.strategy);
    const timeout = typeof configuration.config.timeout === 'number' ? configuration.config.timeout : DEFAULT_TIMEOUT_MS;
    const waitMs = WORKER_GRACE_MS + timeout;
    const runIds = await runs.run({ configurationId: assignment.configurationId, systemId: assignment.systemId }, waitMs);
    if (!runIds) {
      return c.json(errorBody('run_timeout', `No worker finished the run within ${Math.round(waitMs / 1000)}s; it stays queued and its runs will appear in GET /api/v1/runs`), 504);
    }
    return c.json({ items: await health.runsByIds(runIds) }, 200);
  });
  return router;
}
