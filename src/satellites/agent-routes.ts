import { createHash } from 'node:crypto';
import { createRoute } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { createRouter, errorResponses, jsonBody, jsonResponse, z } from '../api/openapi.ts';
import { UnauthorizedError } from '../kernel/errors.ts';
import { Feed, HeartbeatAnswer, HeartbeatInput, RunsAnswer, RunsInput } from './model.ts';

export { SATELLITE_CHANNEL_PATH } from './model.ts';
import type { SatelliteCaller, SatellitesService } from './service.ts';
import type { EventBus } from '../events/bus.ts';

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
  description:
    'Send the last ETag as If-None-Match: an unchanged set answers 304 with no body. With `wait`, an unchanged set is held up to that many seconds ' +
    'and answered as soon as an assignment or check changes (long poll). Secret values travel only here; hold them in memory.',
  request: {
    headers: z.object({ 'if-none-match': z.string().optional() }),
    query: z.object({
      wait: z.coerce
        .number()
        .int('expected a whole number of seconds')
        .min(0, 'expected 0 to 55 seconds')
        .max(55, 'expected 0 to 55 seconds')
        .default(0)
        .openapi({ description: 'Long poll: hold an unchanged answer up to this many seconds (0–55)' }),
    }),
  },
  responses: {
    200: { ...jsonResponse(Feed, 'The assignments and secrets'), headers: { ETag: { schema: { type: 'string' }, description: 'Identifies this answer' } } },
    304: { description: 'Unchanged since the ETag sent (after waiting, with wait)' },
    400: errorResponses[400],
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
export function satelliteChannelRoutes(satellites: SatellitesService, bus: Pick<EventBus, 'subscribe'>) {
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
    const known = c.req.valid('header')['if-none-match'];
    const answer = async () => {
      const body = JSON.stringify(await satellites.feed(caller(c)));
      return { body, etag: `"${createHash('sha256').update(body).digest('base64url')}"` };
    };
    let { body, etag } = await answer();
    const wait = c.req.valid('query').wait;
    // Long poll: an unchanged set waits for a change of assignments or checks (or the time, or the client leaving).
    if (known === etag && wait > 0) {
      await scheduleChange(bus, wait * 1000, c.req.raw.signal);
      ({ body, etag } = await answer());
    }
    // Never cached by anything in between: the body holds secret values.
    const headers = { ETag: etag, 'Cache-Control': 'no-store' };
    if (known === etag) return c.body(null, 304, headers);
    return c.body(body, 200, { ...headers, 'Content-Type': 'application/json' }) as never;
  });
  router.openapi(heartbeat, async (c) => {
    await satellites.heartbeat(caller(c), c.req.valid('json'));
    return c.json({ online: true as const, heartbeatSeconds: satellites.heartbeatSeconds }, 200);
  });
  router.openapi(runs, async (c) => c.json(await satellites.ingest(caller(c), c.req.valid('json').runs), 200));
  return router;
}

/** Resolves when assignments or checks change anywhere (schedules.changed), after `ms`, or when `signal` aborts. */
function scheduleChange(bus: Pick<EventBus, 'subscribe'>, ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      unsubscribe();
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    const unsubscribe = bus.subscribe((event) => {
      if (event.topic === 'schedules.changed') done();
    });
    signal.addEventListener('abort', done);
  });
}
