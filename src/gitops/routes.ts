import { createRoute } from '@hono/zod-openapi';
import { createRouter, errorResponses, jsonBody, jsonResponse, z } from '../api/openapi.ts';
import type { GitopsService } from './apply.ts';
import { Envelope } from './documents.ts';
import { KINDS } from './kinds/registry.ts';

const ApplyDocument = Envelope.extend({
  source: z
    .object({ file: z.string().max(1000), index: z.number().int().min(1) })
    .strict()
    .optional()
    .openapi({ description: 'The file the document was read from and its place there, for problems to name' }),
}).openapi('ConfigDocument', {
  description:
    'A configuration document (SPEC §7.2): `{apiVersion: vigil/v1, kind, metadata: {name, title?, labels?}, spec}`. A Secret document carries `spec.value`, read by the client from its valueFrom; without one, an existing secret keeps its value.',
});

const ApplyInput = z
  .object({
    documents: z.array(ApplyDocument).max(20_000, 'expected at most 20000 documents').openapi({ description: 'Every document to apply, in any order' }),
    prune: z.boolean().default(false).openapi({ description: 'Delete resources earlier applies created that these documents no longer declare, and assignments a System no longer lists' }),
    pruneAll: z.boolean().default(false).openapi({ description: 'Delete every resource these documents do not declare, those created in the UI or the API too' }),
    dryRun: z.boolean().default(false).openapi({ description: 'Plan only: what `vigil diff` shows' }),
  })
  .strict()
  .openapi('ApplyInput');

const FieldChange = z.object({
  path: z.string().openapi({ description: 'Dotted, in the spec: config.url, healthchecks.0.ref' }),
  before: z.unknown().optional(),
  after: z.unknown().optional(),
  secret: z.literal(true).optional().openapi({ description: 'A secret value changed: neither value is shown' }),
});

const ApplyOutcome = z
  .object({
    changes: z.array(
      z.object({
        kind: z.string(),
        name: z.string(),
        action: z.enum(['create', 'update', 'delete', 'unchanged']),
        fields: z.array(FieldChange).openapi({ description: 'For an update, each field that differs' }),
      }),
    ),
    summary: z.object({ create: z.number().int(), update: z.number().int(), delete: z.number().int(), unchanged: z.number().int() }),
    dryRun: z.boolean().openapi({ description: 'Nothing was written' }),
    changeSet: z.string().optional().openapi({ description: 'The audit log entries of this apply: GET /audit?changeSet=…' }),
  })
  .openapi('ApplyOutcome');

const apply = createRoute({
  method: 'post',
  path: '/apply',
  operationId: 'applyDocuments',
  tags: ['Configuration as code'],
  summary: 'Apply configuration documents in one transaction (admin): all or none, idempotent, one change set in the audit log',
  description:
    'Documents refer to each other by metadata.name. Concurrent applies take turns. A problem names the document (`checks.yaml document 3 (Healthcheck x)`) and its field, and nothing is changed.',
  request: jsonBody(ApplyInput),
  responses: {
    200: jsonResponse(ApplyOutcome, 'What changed (or, with dryRun, would change), resource by resource and field by field'),
    400: errorResponses[400],
    401: errorResponses[401],
    403: errorResponses[403],
  },
});

const ExportedDocument = z
  .object({
    apiVersion: z.literal('vigil/v1'),
    kind: z.string(),
    metadata: z.object({ name: z.string(), title: z.string().optional() }),
    spec: z.unknown(),
  })
  .openapi('ExportedDocument');

const exportRoute = createRoute({
  method: 'get',
  path: '/export',
  operationId: 'exportDocuments',
  tags: ['Configuration as code'],
  summary: 'The current configuration as documents (admin), in apply order: applying them back changes nothing',
  description: 'Secrets are exported as references (valueFrom: {env: NAME}), never their values.',
  request: {
    query: z.object({
      kinds: z
        .string()
        .max(500)
        .optional()
        .openapi({ description: `Comma-separated kinds to export (default all): ${KINDS.map((kind) => kind.kind).join(', ')}` }),
    }),
  },
  responses: {
    200: jsonResponse(z.object({ documents: z.array(ExportedDocument) }).openapi('Export'), 'The documents'),
    400: errorResponses[400],
    401: errorResponses[401],
    403: errorResponses[403],
  },
});

const managed = createRoute({
  method: 'get',
  path: '/managed-resources',
  operationId: 'listManagedResources',
  tags: ['Configuration as code'],
  summary: 'Resources configuration documents declared, and who manages them (files, or the directory of vigil start --config-dir)',
  description: 'A change made through the API or the UI to one of these is drift: the next apply of its files puts it back.',
  request: {
    query: z.object({
      kind: z
        .enum(KINDS.map((kind) => kind.kind) as [string, ...string[]], { message: `expected one of ${KINDS.map((kind) => kind.kind).join(', ')}` })
        .optional()
        .openapi({ description: 'Only this kind' }),
    }),
  },
  responses: {
    200: jsonResponse(
      z
        .object({
          items: z.array(
            z.object({
              kind: z.string(),
              resourceId: z.string().openapi({ description: "The resource's id (a Secret's name)" }),
              name: z.string().openapi({ description: 'Its document’s metadata.name' }),
              managedBy: z.string().openapi({ description: '`files` (vigil apply, POST /apply) or `dir:<path>` (a start-up directory)' }),
              appliedAt: z.string().openapi({ format: 'date-time' }),
            }),
          ),
        })
        .openapi('ManagedResources'),
      'Every managed resource',
    ),
    400: errorResponses[400],
    401: errorResponses[401],
  },
});

/** Configuration as code over HTTP: what `vigil apply`, `diff` and `export` call (issue 22). */
export function gitopsRoutes(service: GitopsService) {
  const router = createRouter();
  router.openapi(apply, async (c) => {
    const { documents, ...options } = c.req.valid('json');
    return c.json(await service.apply(documents, options), 200);
  });
  router.openapi(exportRoute, async (c) => {
    const { kinds } = c.req.valid('query');
    const wanted = kinds
      ?.split(',')
      .map((kind) => kind.trim())
      .filter(Boolean);
    return c.json({ documents: await service.export(wanted) }, 200);
  });
  router.openapi(managed, async (c) => c.json({ items: await service.managed(c.req.valid('query').kind) }, 200));
  return router;
}
