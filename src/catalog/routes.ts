import { createRoute } from '@hono/zod-openapi';
import { IdParam, PageQuery, QueryBoolean, createRouter, errorResponses, jsonBody, jsonResponse, resourceRoutes, z } from '../api/openapi.ts';
import { DependenciesInput, Environment, EnvironmentInput, EnvironmentPatch, Group, GroupInput, GroupPatch, MembershipInput, System, SystemInput, SystemPatch } from './model.ts';
import type { CatalogService } from './service.ts';

const NameFilter = PageQuery.extend({ name: z.string().optional().openapi({ description: 'Only names containing this (ignoring case)' }) });

const systemRoutes = resourceRoutes({
  path: '/systems',
  noun: 'system',
  tag: 'Systems',
  item: System,
  input: SystemInput,
  patch: SystemPatch,
  query: NameFilter.extend({
    groupId: z.uuid({ message: 'expected a UUID' }).optional(),
    environmentId: z.uuid({ message: 'expected a UUID' }).optional(),
    public: QueryBoolean.optional(),
  }),
});

const groupRoutes = resourceRoutes({ path: '/groups', noun: 'group', tag: 'Groups', item: Group, input: GroupInput, patch: GroupPatch, query: NameFilter });

const environmentRoutes = resourceRoutes({
  path: '/environments',
  noun: 'environment',
  tag: 'Environments',
  item: Environment,
  input: EnvironmentInput,
  patch: EnvironmentPatch,
  query: NameFilter,
});

const setEnvironments = createRoute({
  method: 'put',
  path: '/systems/{id}/environments',
  operationId: 'setSystemEnvironments',
  tags: ['Systems'],
  summary: "Replace a system's environments (in order)",
  request: { params: IdParam, ...jsonBody(MembershipInput) },
  responses: { 200: jsonResponse(System, 'The system with its new environments'), 400: errorResponses[400], 404: errorResponses[404] },
});

const setDependencies = createRoute({
  method: 'put',
  path: '/systems/{id}/dependencies',
  operationId: 'setSystemDependencies',
  tags: ['Systems'],
  summary: 'Replace what a system depends on (a cycle is refused, naming it)',
  description: "While a parent's rollup is unhealthy, the system's alerts are recorded as suppressed (reason `parent <name> is unhealthy`) and sent when the parent recovers if still not healthy; recoveries are always sent.",
  request: { params: IdParam, ...jsonBody(DependenciesInput) },
  responses: { 200: jsonResponse(System, 'The system with its new dependencies'), 400: errorResponses[400], 404: errorResponses[404] },
});

/** HTTP routes of the catalog: systems, groups, environments and system ↔ environment membership. */
export function catalogRoutes(catalog: CatalogService) {
  const router = createRouter();

  router.openapi(systemRoutes.list, async (c) => {
    const { limit, cursor, ...filter } = c.req.valid('query');
    return c.json(await catalog.listSystems({ limit, cursor }, filter), 200);
  });
  router.openapi(systemRoutes.create, async (c) => c.json(await catalog.createSystem(c.req.valid('json')), 201));
  router.openapi(systemRoutes.get, async (c) => c.json(await catalog.getSystem(c.req.valid('param').id), 200));
  router.openapi(systemRoutes.patch, async (c) => c.json(await catalog.updateSystem(c.req.valid('param').id, c.req.valid('json')), 200));
  router.openapi(systemRoutes.remove, async (c) => {
    await catalog.deleteSystem(c.req.valid('param').id);
    return c.body(null, 204);
  });
  router.openapi(setEnvironments, async (c) =>
    c.json(await catalog.setSystemEnvironments(c.req.valid('param').id, c.req.valid('json').environmentIds), 200),
  );

  router.openapi(setDependencies, async (c) => c.json(await catalog.setDependencies(c.req.valid('param').id, c.req.valid('json').dependsOn), 200));

  router.openapi(groupRoutes.list, async (c) => {
    const { limit, cursor, ...filter } = c.req.valid('query');
    return c.json(await catalog.listGroups({ limit, cursor }, filter), 200);
  });
  router.openapi(groupRoutes.create, async (c) => c.json(await catalog.createGroup(c.req.valid('json')), 201));
  router.openapi(groupRoutes.get, async (c) => c.json(await catalog.getGroup(c.req.valid('param').id), 200));
  router.openapi(groupRoutes.patch, async (c) => c.json(await catalog.updateGroup(c.req.valid('param').id, c.req.valid('json')), 200));
  router.openapi(groupRoutes.remove, async (c) => {
    await catalog.deleteGroup(c.req.valid('param').id);
    return c.body(null, 204);
  });

  router.openapi(environmentRoutes.list, async (c) => {
    const { limit, cursor, ...filter } = c.req.valid('query');
    return c.json(await catalog.listEnvironments({ limit, cursor }, filter), 200);
  });
  router.openapi(environmentRoutes.create, async (c) => c.json(await catalog.createEnvironment(c.req.valid('json')), 201));
  router.openapi(environmentRoutes.get, async (c) => c.json(await catalog.getEnvironment(c.req.valid('param').id), 200));
  router.openapi(environmentRoutes.patch, async (c) => c.json(await catalog.updateEnvironment(c.req.valid('param').id, c.req.valid('json')), 200));
  router.openapi(environmentRoutes.remove, async (c) => {
    await catalog.deleteEnvironment(c.req.valid('param').id);
    return c.body(null, 204);
  });

  return router;
}
