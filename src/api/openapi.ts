import { OpenAPIHono, createRoute, z, type Hook, type RouteConfig } from '@hono/zod-openapi';
import { ValidationError, formatPath } from '../kernel/errors.ts';
import { issueDetails, unknownField } from '../kernel/validation-messages.ts';
import { withArticle } from '../kernel/words.ts';

export { z };

/** Every request schema failure becomes one 400 naming each offending field (thrown, so api/ renders it). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the hook serves every route's types
export const validationHook: Hook<any, any, any, any> = (result) => {
  if (!result.success) {
    const unknownKey = result.target === 'query' ? (key: string) => `Unknown query parameter "${key}"` : unknownField;
    throw new ValidationError(issueDetails(result.error.issues, unknownKey).map((detail) => ({ path: formatPath(detail.path), message: detail.message })));
  }
};

/**
 * A router whose request validation failures all read the same way, and whose routes refuse query
 * parameters they do not declare: a misspelt filter (`?sytemId=`) would otherwise be dropped
 * silently and answer with everything.
 */
export function createRouter(): OpenAPIHono {
  const router = new OpenAPIHono({ defaultHook: validationHook });
  const register = router.openapi;
  router.openapi = ((route: RouteConfig, ...rest: unknown[]) => (register as (...args: unknown[]) => OpenAPIHono)(withStrictQuery(route), ...rest)) as typeof router.openapi;
  return router;
}

function withStrictQuery<R extends RouteConfig>(route: R): R {
  const query = route.request?.query;
  if (!(query instanceof z.ZodObject)) return route;
  return { ...route, request: { ...route.request, query: query.strict() } };
}

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: 'validation_failed' }),
      message: z.string(),
      details: z.array(z.object({ path: z.string(), message: z.string() })),
    }),
  })
  .openapi('Error');

const errorContent = { content: { 'application/json': { schema: ErrorBody } } };
export const errorResponses = {
  400: { description: 'Invalid input (validation_failed, invalid_json)', ...errorContent },
  401: { description: 'No caller, or credentials that do not work (unauthorized)', ...errorContent },
  403: { description: 'The caller’s role is too small, or a cross-origin cookie write (forbidden)', ...errorContent },
  404: { description: 'Not found', ...errorContent },
  409: { description: 'Conflict: a name already exists', ...errorContent },
} as const;

export const IdParam = z.object({
  id: z.uuid({ message: 'expected a UUID' }).openapi({ param: { name: 'id', in: 'path' } }),
});

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50).openapi({ description: 'Items per page (1–500, default 50)' }),
  cursor: z.string().optional().openapi({ description: 'The nextCursor of the previous page' }),
});

export function pageOf<T extends z.ZodType>(item: T, name: string) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() }).openapi(name);
}

export function jsonBody<T extends z.ZodType>(schema: T) {
  return { body: { content: { 'application/json': { schema } }, required: true } };
}

export function jsonResponse<T extends z.ZodType>(schema: T, description: string) {
  return { content: { 'application/json': { schema } }, description };
}

interface ResourceSpec<Item extends z.ZodType, Input extends z.ZodType, Patch extends z.ZodType, Query extends z.ZodObject, Written extends z.ZodType> {
  /** Collection path under /api/v1, e.g. `/systems`. */
  path: string;
  /** Singular resource name for summaries and operation ids, e.g. `system`. */
  noun: string;
  /** Plural, capitalised: the OpenAPI tag and the list operation's name, e.g. `Systems` (`listSystems`). */
  tag: string;
  item: Item;
  input: Input;
  patch: Patch;
  /** List query: `PageQuery.extend({...filters})`. */
  query: Query;
  /** What create and patch answer, when it says more than `item` (e.g. warnings); `item` by default. */
  written?: Written;
}

/** The five routes every resource has: list (cursor pages, filters), create, get, patch, delete. */
export function resourceRoutes<Item extends z.ZodType, Input extends z.ZodType, Patch extends z.ZodType, Query extends z.ZodObject, Written extends z.ZodType = Item>(
  spec: ResourceSpec<Item, Input, Patch, Query, Written>,
) {
  const written = (spec.written ?? spec.item) as Written;
  const one = `${spec.path}/{id}`;
  const tags = [spec.tag];
  // `notification channel` → `NotificationChannel` (operation ids are URL-safe words).
  const Noun = spec.noun
    .split(/\s+/)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join('');
  return {
    list: createRoute({
      method: 'get',
      path: spec.path,
      operationId: `list${spec.tag}`,
      tags,
      summary: `List ${spec.tag.toLowerCase()}`,
      request: { query: spec.query },
      responses: { 200: jsonResponse(pageOf(spec.item, `${spec.tag}Page`), `A page of ${spec.tag.toLowerCase()}`), 400: errorResponses[400] },
    }),
    create: createRoute({
      method: 'post',
      path: spec.path,
      operationId: `create${Noun}`,
      tags,
      summary: `Create ${withArticle(spec.noun)}`,
      request: jsonBody(spec.input),
      responses: { 201: jsonResponse(written, `The created ${spec.noun}`), 400: errorResponses[400], 409: errorResponses[409] },
    }),
    get: createRoute({
      method: 'get',
      path: one,
      operationId: `get${Noun}`,
      tags,
      summary: `Get ${withArticle(spec.noun)}`,
      request: { params: IdParam },
      responses: { 200: jsonResponse(spec.item, `The ${spec.noun}`), 404: errorResponses[404] },
    }),
    patch: createRoute({
      method: 'patch',
      path: one,
      operationId: `update${Noun}`,
      tags,
      summary: `Change some fields of ${withArticle(spec.noun)}`,
      request: { params: IdParam, ...jsonBody(spec.patch) },
      responses: { 200: jsonResponse(written, `The updated ${spec.noun}`), 400: errorResponses[400], 404: errorResponses[404], 409: errorResponses[409] },
    }),
    remove: createRoute({
      method: 'delete',
      path: one,
      operationId: `delete${Noun}`,
      tags,
      summary: `Delete ${withArticle(spec.noun)}`,
      request: { params: IdParam },
      responses: { 204: { description: 'Deleted' }, 404: errorResponses[404] },
    }),
  };
}

/** Query-string booleans: `true`/`false` only, so a typo is a 400 rather than a silent `false`. */
export const QueryBoolean = z.enum(['true', 'false']).transform((v) => v === 'true');
