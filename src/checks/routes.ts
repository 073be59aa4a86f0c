import { createRoute } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { HostCommandGate } from '../access/host-commands.ts';
import { requestCaller } from '../access/middleware.ts';
import { PageQuery, QueryBoolean, createRouter, errorResponses, jsonBody, jsonResponse, resourceRoutes, z } from '../api/openapi.ts';
import { Assignment, AssignmentInput, AssignmentPatch, AssignmentWithWarnings, Configuration, ConfigurationInput, ConfigurationPatch } from './model.ts';
import type { ChecksService } from './service.ts';
import type { DefinitionValidator } from '../definitions/validation.ts';

const Uuid = z.uuid({ message: 'expected a UUID' });

const configurationRoutes = resourceRoutes({
  path: '/configurations',
  noun: 'configuration',
  tag: 'Configurations',
  item: Configuration,
  input: ConfigurationInput,
  patch: ConfigurationPatch,
  query: PageQuery.extend({
    name: z.string().optional().openapi({ description: 'Only names containing this (ignoring case)' }),
    strategy: z.string().optional(),
    enabled: QueryBoolean.optional(),
    paused: QueryBoolean.optional(),
  }),
});

const assignmentRoutes = resourceRoutes({
  path: '/assignments',
  noun: 'assignment',
  tag: 'Assignments',
  item: Assignment,
  input: AssignmentInput,
  patch: AssignmentPatch,
  written: AssignmentWithWarnings,
  query: PageQuery.extend({ systemId: Uuid.optional(), configurationId: Uuid.optional(), enabled: QueryBoolean.optional() }),
});

const ValidationResult = z
  .object({ valid: z.boolean(), errors: z.array(z.object({ path: z.array(z.union([z.string(), z.number()])), message: z.string() })) })
  .openapi('ValidationResult');

const validate = createRoute({
  method: 'post',
  path: '/configurations/validate',
  operationId: 'validateConfiguration',
  tags: ['Configurations'],
  summary: 'Validate a configuration without saving it (SPEC §7.3)',
  request: jsonBody(ConfigurationInput.partial({ name: true, intervalSeconds: true })),
  responses: { 200: jsonResponse(ValidationResult, 'Whether the configuration is valid, and every problem with its path'), 400: errorResponses[400] },
});

/**
 * The ping URL of each heartbeat assignment among the ids (others are left out); `origin` is where
 * the caller reached Vigil, for when no public URL is set.
 */
export type PingUrls = (assignmentIds: string[], origin: string) => Promise<Map<string, string>>;

/**
 * HTTP routes for configurations (check definitions) and assignments. `hostCommands` refuses
 * callers who may not write configurations that run commands on the host; `pingUrls` adds
 * heartbeat assignments' `pingUrl`.
 */
export function checksRoutes(checks: ChecksService, validateDefinition: DefinitionValidator, hostCommands: HostCommandGate, pingUrls: PingUrls = async () => new Map()) {
  const router = createRouter();
  const withPingUrls = async <T extends { id: string }>(c: Context, assignments: T[]): Promise<T[]> => {
    const urls = await pingUrls(assignments.map((assignment) => assignment.id), new URL(c.req.url).origin);
    return assignments.map((assignment) => (urls.has(assignment.id) ? { ...assignment, pingUrl: urls.get(assignment.id)! } : assignment));
  };
  const withPingUrl = async <T extends { id: string }>(c: Context, assignment: T): Promise<T> => (await withPingUrls(c, [assignment]))[0]!;

  router.openapi(validate, async (c) => {
    const outcome = await validateDefinition(c.req.valid('json'));
    return c.json({ valid: outcome.valid, errors: outcome.valid ? [] : outcome.errors }, 200);
  });
  router.openapi(configurationRoutes.list, async (c) => {
    const { limit, cursor, ...filter } = c.req.valid('query');
    return c.json(await checks.listConfigurations({ limit, cursor }, filter), 200);
  });
  router.openapi(configurationRoutes.create, async (c) => {
    const input = c.req.valid('json');
    hostCommands(requestCaller(c), input.strategy);
    return c.json(await checks.createConfiguration(input), 201);
  });
  router.openapi(configurationRoutes.get, async (c) => c.json(await checks.getConfiguration(c.req.valid('param').id), 200));
  router.openapi(configurationRoutes.patch, async (c) => {
    const { id } = c.req.valid('param');
    const patch = c.req.valid('json');
    // Both what it is and what it would become: an editor neither changes nor creates a host command.
    hostCommands(requestCaller(c), (await checks.getConfiguration(id)).strategy);
    if (patch.strategy) hostCommands(requestCaller(c), patch.strategy);
    return c.json(await checks.updateConfiguration(id, patch), 200);
  });
  router.openapi(configurationRoutes.remove, async (c) => {
    await checks.deleteConfiguration(c.req.valid('param').id);
    return c.body(null, 204);
  });

  router.openapi(assignmentRoutes.list, async (c) => {
    const { limit, cursor, ...filter } = c.req.valid('query');
    const page = await checks.listAssignments({ limit, cursor }, filter);
    return c.json({ ...page, items: await withPingUrls(c, page.items) }, 200);
  });
  router.openapi(assignmentRoutes.create, async (c) => c.json(await withPingUrl(c, await checks.createAssignment(c.req.valid('json'))), 201));
  router.openapi(assignmentRoutes.get, async (c) => c.json(await withPingUrl(c, await checks.getAssignment(c.req.valid('param').id)), 200));
  router.openapi(assignmentRoutes.patch, async (c) => c.json(await withPingUrl(c, await checks.updateAssignment(c.req.valid('param').id, c.req.valid('json'))), 200));
  router.openapi(assignmentRoutes.remove, async (c) => {
    await checks.deleteAssignment(c.req.valid('param').id);
    return c.body(null, 204);
  });

  return router;
}
