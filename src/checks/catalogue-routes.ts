import { createRoute } from '@hono/zod-openapi';
import { createRouter, errorResponses, jsonResponse, z } from '../api/openapi.ts';
import { OPERATORS } from '../assertions/types.ts';
import { DomainError } from '../kernel/errors.ts';
import { SECRET_MARK, TEMPLATABLE_MARK, describeStrategy } from '../strategies/catalogue.ts';
import type { StrategyRegistry } from '../strategies/registry.ts';

const JsonSchema = z
  .record(z.string(), z.unknown())
  .openapi('ConfigJsonSchema', {
    description: `JSON Schema (draft 2020-12) of the config a person writes. Fields templates may render carry \`${TEMPLATABLE_MARK}: true\`; fields holding secrets carry \`${SECRET_MARK}: true\``,
  });

const ResultField = z
  .object({
    name: z.string(),
    type: z.enum(['number', 'string', 'boolean', 'array', 'json', 'object']),
    description: z.string(),
    operators: z.array(z.enum(OPERATORS)).openapi({ description: 'The assertion operators that fit this field' }),
    jsonPath: z.boolean().openapi({ description: 'An assertion may reach into it with a JSON path (then every operator applies)' }),
  })
  .openapi('ResultField');

const Collector = z
  .object({ id: z.string(), title: z.string(), version: z.number().int(), configSchema: JsonSchema, resultFields: z.array(ResultField) })
  .openapi('CollectorDescription');

const Strategy = z
  .object({
    id: z.string(),
    title: z.string(),
    version: z.number().int().openapi({ description: 'The current version of its config schema' }),
    runsOnHost: z.boolean().openapi({ description: 'Runs a program on the Vigil host itself: writing such a configuration takes VIGIL_SCRIPT_ROLE' }),
    passive: z.boolean().openapi({ description: 'The monitored job reports in (heartbeat): never scheduled nor run on demand; runs are recorded when it pings its URL' }),
    defaultCollector: z.string(),
    configSchema: JsonSchema,
    collectors: z.array(Collector),
  })
  .openapi('StrategyDescription');

const listStrategies = createRoute({
  method: 'get',
  path: '/strategies',
  operationId: 'listStrategies',
  tags: ['Strategies'],
  summary: 'Every health-check strategy, its config schema and its collectors',
  responses: { 200: jsonResponse(z.object({ items: z.array(Strategy) }), 'Every strategy') },
});

const getStrategy = createRoute({
  method: 'get',
  path: '/strategies/{id}',
  operationId: 'getStrategy',
  tags: ['Strategies'],
  summary: 'One health-check strategy, its config schema and its collectors',
  request: { params: z.object({ id: z.string().openapi({ param: { name: 'id', in: 'path' }, example: 'http' }) }) },
  responses: { 200: jsonResponse(Strategy, 'The strategy'), 404: errorResponses[404] },
});

/** Answered 404, naming the ids that do exist (SPEC §7.3's wording). */
class UnknownStrategyError extends DomainError {
  readonly code = 'not_found';
  constructor(id: string, known: string[]) {
    const message = `Unknown health-check strategy "${id}". Available: ${known.join(', ')}.`;
    super(message, [{ path: 'id', message }]);
  }
}

/** The strategy catalogue: what a person or a program needs to write a configuration. */
export function catalogueRoutes(strategies: StrategyRegistry) {
  // Strategies are fixed at start: describe them once.
  const described = strategies.listStrategies().map(describeStrategy);
  const router = createRouter();
  router.openapi(listStrategies, (c) => c.json({ items: described }, 200));
  router.openapi(getStrategy, (c) => {
    const { id } = c.req.valid('param');
    const strategy = described.find((s) => s.id === id);
    if (!strategy) throw new UnknownStrategyError(id, described.map((s) => s.id));
    return c.json(strategy, 200);
  });
  return router;
}
