import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { OpenAPIHono, createRoute } from '@hono/zod-openapi';
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { methodNotAllowed } from 'hono/method-not-allowed';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { ConflictError, DomainError, TooManyRequestsError } from '../kernel/errors.ts';
import type { Logger } from '../kernel/log.ts';
import { plainMessage } from '../kernel/validation-messages.ts';
import { docsPage } from './docs.ts';
import type { Metrics } from './metrics.ts';
import { ErrorBody, jsonResponse, z } from './openapi.ts';

export interface ApiOptions {
  log: Logger;
  metrics: Metrics;
  /** Routers mounted under /api/v1, each owned by its domain. */
  routers: OpenAPIHono[];
  /** Routers mounted at the root, outside /api/v1 and its authentication, and outside the API document (heartbeat pings). */
  publicRouters?: Hono[];
  /**
   * Routers mounted at their own path, outside /api/v1 and its user authentication but in the API
   * document: each authenticates its own callers and declares its own security scheme (the
   * satellites' channel, whose callers are agents, not users).
   */
  channelRouters?: { path: string; router: OpenAPIHono }[];
  /** Readiness: database reachable and migrated. Throws or returns a reason when not ready. */
  ready(): Promise<string | undefined>;
  /**
   * Seam for access control: runs before every /api/v1 route. Absent until authentication
   * lands, which makes the API open — bind it to 127.0.0.1 (the default) until then.
   */
  authorize?: MiddlewareHandler;
  /** Serve the first-admin page at /setup (it posts to /api/v1/auth/setup). */
  setupPage?: boolean;
  version: string;
  /** Larger request bodies are refused with 413 before anything reads them; default 1 MiB. */
  maxBodyBytes?: number;
}

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

const statusByCode: Record<string, ContentfulStatusCode> = { not_found: 404, conflict: 409, validation_failed: 400, unauthorized: 401, forbidden: 403, too_many_requests: 429 };

/** The HTTP face of Vigil: probes, metrics, OpenAPI, docs, and each domain's routes. */
export function createApi(options: ApiOptions): OpenAPIHono {
  const { log, metrics } = options;
  // zod's error map is process-wide: every schema a request meets, the routes' and the
  // strategies', words its failures as what was expected (a schema's own message still wins).
  z.config({ customError: plainMessage });
  const app = new OpenAPIHono();

  app.use('*', async (c, next) => {
    const stop = metrics.startRequest();
    await next();
    stop(c.req.method, c.req.routePath, c.res.status);
  });
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  // A declared Content-Length is checked up front; a body without one (chunked) is counted as it arrives.
  app.use(
    '*',
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: (c) => c.json(errorBody('payload_too_large', `Request body exceeds the ${maxBodyBytes}-byte limit`), 413),
    }),
  );

  // A known path asked with a method it lacks: 405 and the methods it has, not a "No route" 404.
  app.use(
    '*',
    methodNotAllowed({
      app,
      onMethodNotAllowed: (c, methods) =>
        c.json(errorBody('method_not_allowed', `Method ${c.req.method} is not allowed on ${c.req.path}; allowed: ${methods.join(', ')}`), 405, { Allow: methods.join(', ') }),
    }),
  );

  app.openapi(liveness, (c) => c.json({ status: 'ok' as const }, 200));
  app.openapi(readiness, async (c) => {
    const reason = await options.ready().catch((error: Error) => `database unreachable: ${error.message}`);
    return reason ? c.json({ status: 'not ready' as const, reason }, 503) : c.json({ status: 'ready' as const }, 200);
  });
  app.openapi(metricsRoute, async (c) => c.text(await metrics.render(), 200, { 'content-type': metrics.contentType }));

  const v1 = new OpenAPIHono();
  // Who is calling comes first: nobody learns anything about a route, its body included, unasked.
  if (options.authorize) v1.use('*', options.authorize);
  v1.use('*', requireJsonBody);
  for (const router of options.routers) v1.route('/', router);
  app.route('/api/v1', v1);
  for (const router of options.publicRouters ?? []) app.route('/', router);
  for (const { path, router } of options.channelRouters ?? []) app.route(path, router);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearerToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'An API token (`vgl_…`) from POST /api/v1/tokens',
  });
  app.openAPIRegistry.registerComponent('securitySchemes', 'sessionCookie', {
    type: 'apiKey',
    in: 'cookie',
    name: 'vigil_session',
    description: 'The session cookie set by POST /api/v1/auth/login; writes must come from the same origin',
  });
  let document: unknown;
  app.get('/api/openapi.json', (c) => {
    document ??= withSecurity(
      app.getOpenAPI31Document({
        openapi: '3.1.0',
        info: { title: 'Vigil API', version: options.version, description: 'Health checks, status and history of the systems you run.' },
        servers: [{ url: '/' }],
        security: [{ bearerToken: [] }, { sessionCookie: [] }],
      }),
    );
    return c.json(document as object);
  });
  if (options.setupPage) app.get('/setup', (c) => c.html(SETUP_PAGE));
  app.get('/api/docs', (c) => c.html(docsPage('/api/openapi.json')));
  app.get('/api/docs/assets/:file', serveDocsAsset);

  app.notFound((c) => c.json(errorBody('not_found', `No route ${c.req.method} ${c.req.path}`), 404));
  app.onError((error, c) => {
    if (error instanceof TooManyRequestsError) c.header('Retry-After', String(error.retryAfterSeconds));
    if (error instanceof DomainError) return c.json(errorBody(error.code, error.message, error.details), statusByCode[error.code] ?? (error instanceof ConflictError ? 409 : 400));
    if (error instanceof HTTPException && error.status < 500) {
      const code = error.message.startsWith('Malformed JSON') ? 'invalid_json' : 'bad_request';
      const message = code === 'invalid_json' ? 'The request body is not valid JSON' : error.message;
      return c.json(errorBody(code, message), error.status as ContentfulStatusCode);
    }
    log.error({ err: error, method: c.req.method, path: loggablePath(c.req.path) }, 'Unhandled error while serving a request');
    return c.json(errorBody('internal', 'Internal server error'), 500);
  });

  return app;
}

const operational = ['Operations'];
const methodNotAllowedResponse = {
  description: 'A method the path does not have (method_not_allowed); the Allow header lists those it has',
  content: { 'application/json': { schema: ErrorBody } },
};

const liveness = createRoute({
  method: 'get',
  path: '/healthz',
  operationId: 'getLiveness',
  tags: operational,
  summary: 'Liveness: the process serves requests',
  responses: { 200: jsonResponse(z.object({ status: z.literal('ok') }), 'Alive'), 405: methodNotAllowedResponse },
});
const readiness = createRoute({
  method: 'get',
  path: '/readyz',
  operationId: 'getReadiness',
  tags: operational,
  summary: 'Readiness: the database is reachable and migrated',
  responses: {
    200: jsonResponse(z.object({ status: z.literal('ready') }), 'Ready to serve'),
    503: jsonResponse(z.object({ status: z.literal('not ready'), reason: z.string() }), 'Not ready, and why'),
    405: methodNotAllowedResponse,
  },
});
const metricsRoute = createRoute({
  method: 'get',
  path: '/metrics',
  operationId: 'getMetrics',
  tags: operational,
  summary: 'Prometheus metrics of this process',
  responses: { 200: { description: 'Prometheus text exposition format', content: { 'text/plain': { schema: z.string() } } }, 405: methodNotAllowedResponse },
});

/** Until the web UI lands, the setup link opens this page: it posts the token with the new admin. */
const SETUP_PAGE = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Vigil setup</title>
<style>body{font:16px system-ui;max-width:28rem;margin:4rem auto}label,input,button{display:block;width:100%;margin:.4rem 0}</style></head>
<body><h1>Create the first admin</h1>
<form id="f"><label>Email <input name="email" type="email" required></label>
<label>Password (10 characters or more) <input name="password" type="password" minlength="10" required></label>
<button>Create admin</button></form><p id="out" role="status"></p>
<script>
const token = new URLSearchParams(location.search).get('token') || '';
document.getElementById('f').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const response = await fetch('/api/v1/auth/setup', { method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token, email: form.get('email'), password: form.get('password') }) });
  const body = await response.json().catch(() => ({}));
  document.getElementById('out').textContent = response.ok ? 'Done: you are signed in as ' + body.email + '. The API docs are at /api/docs.' : (body.error && body.error.message) || 'Setup failed';
});
</script></body></html>`;

type Operation = { security?: unknown[]; responses?: Record<string, unknown> };

/**
 * Every /api/v1 operation needs a caller unless it says `security: []`: it gets the 401 and 403
 * answers; everything outside /api/v1 (probes, metrics, docs) is public.
 */
function withSecurity<T extends object>(doc: T): T {
  const error = { content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  const paths = (doc as { paths?: Record<string, Record<string, Operation>> }).paths ?? {};
  for (const [path, item] of Object.entries(paths)) {
    for (const operation of Object.values(item)) {
      if (!path.startsWith('/api/v1/')) {
        // Public, unless the route authenticates its callers its own way and says so.
        operation.security ??= [];
        continue;
      }
      if (operation.security?.length === 0) continue;
      operation.responses ??= {};
      operation.responses['401'] ??= { description: 'No caller, or credentials that do not work (unauthorized)', ...error };
      operation.responses['403'] ??= { description: 'The caller’s role is too small, or a cross-origin cookie write (forbidden)', ...error };
    }
  }
  return doc;
}

export function errorBody(code: string, message: string, details: { path: string; message: string }[] = []) {
  return { error: { code, message, details } };
}

/**
 * A body sent as anything but JSON would otherwise be read as `{}`: say what was expected instead.
 * An empty body needs no type (`curl -X POST …/run` sends neither body nor Content-Type); whether
 * it may be empty is the route's to say. Emptiness is read, not guessed from headers: a body may
 * come without Content-Length, or chunked, and still be empty.
 */
const requireJsonBody: MiddlewareHandler = async (c, next) => {
  if (!['POST', 'PUT', 'PATCH'].includes(c.req.method) || c.req.raw.body === null) return next();
  const type = c.req.header('content-type') ?? '';
  if (!JSON_TYPE.test(type) && (await c.req.arrayBuffer()).byteLength > 0) {
    return c.json(errorBody('unsupported_media_type', `Expected Content-Type: application/json, got ${type || 'none'}`), 415);
  }
  await next();
};
const JSON_TYPE = /^application\/([\w.-]+\+)?json\b/i;

const docsAssets = new Map([
  ['swagger-ui.css', 'text/css; charset=utf-8'],
  ['swagger-ui-bundle.js', 'text/javascript; charset=utf-8'],
  ['favicon-32x32.png', 'image/png'],
]);
const swaggerDir = join(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'), '..');

/** Swagger UI's files come from the installed package: the docs work offline, with no CDN. */
async function serveDocsAsset(c: Context) {
  const file = c.req.param('file') ?? '';
  const type = docsAssets.get(file);
  if (!type) return c.json(errorBody('not_found', `No docs asset ${file}`), 404);
  const body = await readFile(join(swaggerDir, file));
  return c.body(body, 200, { 'content-type': type, 'cache-control': 'public, max-age=86400' });
}

/** A path as logs may hold it: a heartbeat's ping path carries its secret token, which is cut. */
export function loggablePath(path: string): string {
  return path.replace(/^\/ping\/[^/]+/, '/ping/<token>');
}
