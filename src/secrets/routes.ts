import { createRoute } from '@hono/zod-openapi';
import { PageQuery, createRouter, errorResponses, jsonBody, jsonResponse, pageOf, z } from '../api/openapi.ts';
import { SECRET_NAME_PATTERN, SECRET_NAME_RULE } from '../kernel/secret-name.ts';
import { Secret, SecretInput, SecretValueInput } from './model.ts';
import type { SecretsService } from './service.ts';

const tags = ['Secrets'];
// Built here from the routes' own zod (the model's schemas may be made before the OpenAPI extension loads).
const NameParam = z.object({ name: z.string().regex(SECRET_NAME_PATTERN, SECRET_NAME_RULE).openapi({ param: { name: 'name', in: 'path' }, example: 'payments-token' }) });

const list = createRoute({
  method: 'get',
  path: '/secrets',
  operationId: 'listSecrets',
  tags,
  summary: 'List secrets (names and timestamps; values are write-only)',
  request: { query: PageQuery },
  responses: { 200: jsonResponse(pageOf(Secret, 'SecretPage'), 'A page of secrets, without values'), 400: errorResponses[400] },
});

const create = createRoute({
  method: 'post',
  path: '/secrets',
  operationId: 'createSecret',
  tags,
  summary: 'Store a secret (encrypted at rest)',
  request: jsonBody(SecretInput),
  responses: { 201: jsonResponse(Secret, 'The stored secret, without its value'), 400: errorResponses[400], 409: errorResponses[409] },
});

const replace = createRoute({
  method: 'put',
  path: '/secrets/{name}',
  operationId: 'replaceSecretValue',
  tags,
  summary: "Replace a secret's value",
  request: { params: NameParam, ...jsonBody(SecretValueInput) },
  responses: { 200: jsonResponse(Secret, 'The secret, without its value'), 400: errorResponses[400], 404: errorResponses[404] },
});

const remove = createRoute({
  method: 'delete',
  path: '/secrets/{name}',
  operationId: 'deleteSecret',
  tags,
  summary: 'Delete a secret (checks that reference it fail until it exists again)',
  request: { params: NameParam },
  responses: { 204: { description: 'Deleted' }, 400: errorResponses[400], 404: errorResponses[404] },
});

/** HTTP routes of the secret store. No route ever answers with a value. */
export function secretsRoutes(secrets: SecretsService) {
  const router = createRouter();
  router.openapi(list, async (c) => c.json(await secrets.list(c.req.valid('query')), 200));
  router.openapi(create, async (c) => c.json(await secrets.create(c.req.valid('json')), 201));
  router.openapi(replace, async (c) => c.json(await secrets.update(c.req.valid('param').name, c.req.valid('json').value), 200));
  router.openapi(remove, async (c) => {
    await secrets.remove(c.req.valid('param').name);
    return c.body(null, 204);
  });
  return router;
}
