import { createRoute } from '@hono/zod-openapi';
import { IdParam, PageQuery, createRouter, errorResponses, jsonBody, jsonResponse, pageOf, resourceRoutes, z } from '../api/openapi.ts';
import { ACTION_TYPES } from './actions/registry.ts';
import { AutomationExecution, AutomationRule, AutomationRuleInput, AutomationRulePatch, DryRun, DryRunInput, ExecutionState } from './model.ts';
import type { AutomationService } from './service.ts';
import { triggerCatalogue } from './triggers.ts';

const ruleRoutes = resourceRoutes({
  path: '/automations',
  noun: 'automation rule',
  tag: 'Automations',
  item: AutomationRule,
  input: AutomationRuleInput,
  patch: AutomationRulePatch,
  query: PageQuery,
});

const list = createRoute({ ...ruleRoutes.list, summary: 'List automation rules, by name' });

const executions = createRoute({
  method: 'get',
  path: '/automations/{id}/executions',
  operationId: 'listAutomationExecutions',
  tags: ['Automations'],
  summary: "A rule's executions, newest first: the trigger event, what each gate said, and each action's outcome",
  request: { params: IdParam, query: PageQuery.extend({ state: ExecutionState.optional().openapi({ description: 'Only executions in this state' }) }) },
  responses: { 200: jsonResponse(pageOf(AutomationExecution, 'AutomationExecutionPage'), 'A page of executions'), 400: errorResponses[400], 404: errorResponses[404] },
});

const dryRun = createRoute({
  method: 'post',
  path: '/automations/dry-run',
  operationId: 'dryRunAutomation',
  tags: ['Automations'],
  summary: 'Say what a rule (saved or not) would do with an event (past or made up), changing nothing',
  request: jsonBody(DryRunInput),
  responses: { 200: jsonResponse(DryRun, 'The verdict, what each gate said, and the actions it would run, rendered'), 400: errorResponses[400] },
});

const triggers = createRoute({
  method: 'get',
  path: '/automation/triggers',
  operationId: 'listAutomationTriggers',
  tags: ['Automations'],
  summary: 'The events a rule can trigger on, each with the JSON Schema of its payload (what filters and templates may name)',
  responses: {
    200: jsonResponse(z.object({ items: z.array(z.object({ id: z.string(), payloadSchema: z.record(z.string(), z.unknown()) })) }).openapi('AutomationTriggerCatalogue'), 'Every trigger'),
  },
});

const actions = createRoute({
  method: 'get',
  path: '/automation/actions',
  operationId: 'listAutomationActions',
  tags: ['Automations'],
  summary: 'The actions a rule can take, each with the JSON Schema of its input',
  responses: {
    200: jsonResponse(
      z.object({ items: z.array(z.object({ type: z.string(), title: z.string(), inputSchema: z.record(z.string(), z.unknown()) })) }).openapi('AutomationActionCatalogue'),
      'Every action type',
    ),
  },
});

/** Each action's input as a caller writes it: fields with a default are optional. */
function actionCatalogue() {
  return ACTION_TYPES.map((action) => ({
    type: action.type,
    title: action.title,
    inputSchema: z.toJSONSchema(action.input, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>,
  }));
}

/** HTTP routes of automations (issue 20): rules, their executions, the dry run and the catalogues. */
export function automationRoutes(service: AutomationService) {
  const router = createRouter();
  router.openapi(triggers, (c) => c.json({ items: triggerCatalogue() }, 200));
  router.openapi(actions, (c) => c.json({ items: actionCatalogue() }, 200));
  router.openapi(dryRun, async (c) => c.json(await service.dryRun(c.req.valid('json')), 200));
  router.openapi(list, async (c) => c.json(await service.list(c.req.valid('query')), 200));
  router.openapi(ruleRoutes.create, async (c) => c.json(await service.create(c.req.valid('json')), 201));
  router.openapi(ruleRoutes.get, async (c) => c.json(await service.get(c.req.valid('param').id), 200));
  router.openapi(ruleRoutes.patch, async (c) => c.json(await service.update(c.req.valid('param').id, c.req.valid('json')), 200));
  router.openapi(ruleRoutes.remove, async (c) => {
    await service.remove(c.req.valid('param').id);
    return c.body(null, 204);
  });
  router.openapi(executions, async (c) => {
    const { limit, cursor, ...filter } = c.req.valid('query');
    return c.json(await service.executions(c.req.valid('param').id, { limit, cursor }, filter), 200);
  });
  return router;
}
