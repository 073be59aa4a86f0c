import { createRoute } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { createRouter, errorResponses, z } from '../api/openapi.ts';
import { ValidationError } from '../kernel/errors.ts';
import type { BusEvent, EventBus } from './bus.ts';
import { isStreamed } from './stream-filter.ts';
import { RUN_COMPLETED, SYSTEM_HEALTH_CHANGED } from './topics.ts';

/** Bus topics as the live stream names them (SPEC §7.4). */
const streamed: Record<string, string> = { [RUN_COMPLETED]: 'run.completed', [SYSTEM_HEALTH_CHANGED]: 'health.changed' };
const HEARTBEAT_MS = 15_000;

const Uuid = z.uuid({ message: 'expected a UUID' });

const stream = createRoute({
  method: 'get',
  path: '/events',
  operationId: 'streamEvents',
  tags: ['Events'],
  summary: 'Live stream (text/event-stream) of run.completed and health.changed events',
  description:
    'health.changed carries the system rollup only (SPEC §4.5), unless environmentId or environments=all asks for ' +
    'per-environment changes; run.completed events are never narrowed by environment.',
  request: {
    query: z.object({
      systemId: Uuid.optional().openapi({ description: "Only this system's events" }),
      environmentId: Uuid.optional().openapi({ description: 'health.changed of this environment only, instead of the system rollup' }),
      environments: z.enum(['all']).optional().openapi({ description: '`all`: health.changed of the rollup and of every environment' }),
    }),
  },
  responses: {
    200: { description: 'An endless server-sent-events stream; the first event is `ready`', content: { 'text/event-stream': { schema: z.string() } } },
    400: errorResponses[400],
  },
});

/** `GET /events`: server-sent events of run completions and health changes, on every API process. */
export function eventRoutes(bus: EventBus) {
  const router = createRouter();
  router.openapi(stream, (c) => {
    const { systemId, environmentId, environments } = c.req.valid('query');
    if (environmentId !== undefined && environments !== undefined) {
      throw new ValidationError([{ path: 'environments', message: 'expected either environmentId or environments=all, not both' }]);
    }
    const filter = { systemId, environmentId, allEnvironments: environments === 'all' };
    return streamSSE(c, async (stream) => {
      const pending: BusEvent[] = [];
      let wake: (() => void) | undefined;
      let open = true;
      const unsubscribe = bus.subscribe((event) => {
        if (!isStreamed(filter, event)) return;
        pending.push(event);
        wake?.();
      });
      stream.onAbort(() => {
        open = false;
        unsubscribe();
        wake?.();
      });
      await stream.writeSSE({ event: 'ready', data: '{}' });
      while (open) {
        for (let event = pending.shift(); event; event = pending.shift()) {
          await stream.writeSSE({ id: event.id, event: streamed[event.topic]!, data: JSON.stringify(event.payload) });
        }
        const idle = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(true), HEARTBEAT_MS);
          wake = () => {
            clearTimeout(timer);
            resolve(false);
          };
        });
        // A comment line keeps proxies from closing a quiet stream.
        if (idle && open) await stream.write(': heartbeat\n\n');
      }
    });
  });
  return router;
}
