import { createHash } from 'node:crypto';
import { createRoute } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { createRouter, errorResponses, jsonBody, jsonResponse, z } from '../api/openapi.ts';
import { UnauthorizedError } from '../kernel/errors.ts';
import { Feed, HeartbeatAnswer, HeartbeatInput, RunsAnswer, RunsInput } from './model.ts';

export { SATELLITE_CHANNEL_PATH } from './model.ts';
import type { SatelliteCaller, SatellitesService } from './service.ts';

const security = [{ satelliteToken: [] }];
const tags = ['Satellite channel'];
const unauthorized = { ...errorResponses[401], description: 'No satellite token, or one that does not work (unknown, or its satellite was deleted): nothing is recorded' };

const feed = createRoute({
  method: 'get',
  path: '/assignments',
  operationId: 'getSatelliteFeed',
  tags,
  security,
  summary: 'What this satellite runs: its assignments, their definitions and the secrets they use',
  description: 'Send the last ETag as If-None-Match: an unchanged set answers 304 with no body. Secret values travel only here; hold them in memory.',
  request: { headers: z.object({ 'if-none-match': z.string().optional() }) },
  responses: {
    200: { ...jsonResponse(Feed, 'The assignments and secrets'), headers: { ETag: { schema: { type: 'string' }, description: 'Identifies this answer' } } },
    304: { description: 'Unchanged since the ETag sent' },
    401: unauthorized,
  },
});

const heartbeat = createRoute({
  method: 'post',
  path: '/heartbeat',
  operationId: 'sendSatelliteHeartbeat',
  tags,
  security,
  summary: 'Say the satellite is alive, with its version and backlog; 3 missed in a row mark it offline',
  request: jsonBody(HeartbeatInput),
  responses: { 200: jsonResponse(HeartbeatAnswer, 'Seen'), 400: errorResponses[400], 401: unauthorized },
});

const runs = createRoute({
  method: 'post',
  path: '/runs',
  operationId: 'uploadSatelliteRuns',
  tags,
  security,
  summary: 'Upload a batch of runs, oldest first; a tick uploaded again is recorded once',
  request: jsonBody(RunsInput),
  responses: { 200: jsonResponse(RunsAnswer, 'What became of each run'), 400: errorResponses[400], 401: unauthorized },
});

/**
 * The satellite's own channel, authenticated by its token alone (never a user's): the assignment
 * feed, heartbeats and run uploads.
 */
export function satelliteChannelRoutes(satellites: SatellitesService) {
  const router = createRouter();
  router.openAPIRegistry.registerComponent('securitySchemes', 'satelliteToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'A satellite’s token (`vst_…`), from POST /api/v1/satellites',
  });
  const authenticate: MiddlewareHandler = async (c, next) => {
    const match = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
    const satellite = match ? await satellites.authenticate(match[1]!) : undefined;
    if (!satellite) throw new UnauthorizedError('The satellite token is not valid (unknown, or its satellite was deleted)');
    c.set('satellite' as never, satellite as never);
    await next();
  };
  router.use('*', authenticate);
  const caller = (c: { get(key: never): unknown }) => c.get('satellite' as never) as SatelliteCaller;

  router.openapi(feed, async (c) => {
    const body = JSON.stringify(await satellites.feed(caller(c)));
    const etag = `"${createHash('sha256').update(body).digest('base64url')}"`;
    // Never cached by anything in between: the body holds secret values.
    const headers = { ETag: etag, 'Cache-Control': 'no-store' };
    if (c.req.valid('header')['if-none-match'] === etag) return c.body(null, 304, headers);
    return c.body(body, 200, { ...headers, 'Content-Type': 'application/json' }) as never;
  });
  router.openapi(heartbeat, async (c) => {
    await satellites.heartbeat(caller(c), c.req.valid('json'));
    return c.json({ online: true as const, heartbeatSeconds: satellites.heartbeatSeconds }, 200);
  });
  router.openapi(runs, async (c) => c.json(await satellites.ingest(caller(c), c.req.valid('json').runs), 200));
  return router;
}
