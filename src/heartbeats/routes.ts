import { createRoute } from '@hono/zod-openapi';
import { Hono, type Context } from 'hono';
import { IdParam, createRouter, errorResponses, jsonResponse } from '../api/openapi.ts';
import { Assignment } from '../checks/model.ts';
import type { ChecksService } from '../checks/service.ts';
import type { PingLimiter } from './limit.ts';
import { hashToken, type HeartbeatService, type PingSignal } from './service.ts';

/** What a ping URL's token looks like; anything else is answered 404 without a lookup. */
const TOKEN = /^[A-Za-z0-9_-]{16,128}$/;

/**
 * The public ping endpoint (SPEC §2.11), outside /api/v1 and its authentication: the token is the
 * credential. Plain-text answers, for `curl` in a crontab; not part of the JSON API's document.
 */
export function pingRoutes(heartbeats: HeartbeatService, limiter: PingLimiter): Hono {
  const router = new Hono();
  const handle = async (c: Context, signal: PingSignal | undefined) => {
    const token = c.req.param('token') ?? '';
    if (!signal || !TOKEN.test(token)) return c.text('Not found\n', 404);
    const retryAfter = await limiter.take(hashToken(token));
    if (retryAfter !== undefined) return c.text(`Too many pings; try again in ${retryAfter} s\n`, 429, { 'Retry-After': String(retryAfter) });
    const body = c.req.method === 'POST' ? await c.req.text() : undefined;
    const outcome = await heartbeats.ping(token, signal, body);
    if (outcome === 'unknown') return c.text('Not found\n', 404);
    return c.text(outcome === 'inactive' ? 'OK (check paused or disabled: nothing recorded)\n' : 'OK\n', 200);
  };
  router.on(['GET', 'POST'], '/ping/:token', (c) => handle(c, { kind: 'success' }));
  router.on(['GET', 'POST'], '/ping/:token/:signal', (c) => handle(c, parseSignal(c.req.param('signal'))));
  return router;
}

/** `start`, `fail`, or an exit code 0–255; undefined for anything else. */
export function parseSignal(text: string): PingSignal | undefined {
  if (text === 'start') return { kind: 'start' };
  if (text === 'fail') return { kind: 'fail' };
  if (/^\d{1,3}$/.test(text) && Number(text) <= 255) return Number(text) === 0 ? { kind: 'success' } : { kind: 'exit', exitCode: Number(text) };
  return undefined;
}

const rotatePing = createRoute({
  method: 'post',
  path: '/assignments/{id}/rotate-ping',
  operationId: 'rotateAssignmentPing',
  tags: ['Assignments'],
  summary: 'Give a heartbeat assignment a new ping URL; the old one answers 404 at once',
  request: { params: IdParam },
  responses: {
    200: jsonResponse(Assignment, 'The assignment with its new pingUrl'),
    404: errorResponses[404],
    409: { ...errorResponses[409], description: 'The assignment is not a heartbeat check (conflict): only those have a ping URL' },
  },
});

/** `publicUrl`: VIGIL_PUBLIC_URL, where ping URLs point; absent: the origin the caller reached Vigil at. */
export function heartbeatRoutes(heartbeats: HeartbeatService, checks: ChecksService, publicUrl: string | undefined) {
  const router = createRouter();
  router.openapi(rotatePing, async (c) => {
    const { id } = c.req.valid('param');
    const pingUrl = await heartbeats.rotate(id, publicUrl ?? new URL(c.req.url).origin);
    return c.json({ ...(await checks.getAssignment(id)), pingUrl }, 200);
  });
  return router;
}
