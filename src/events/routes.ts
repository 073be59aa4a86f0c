import { createRoute } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { createRouter, errorResponses, z } from '../api/openapi.ts';
import { ValidationError } from '../kernel/errors.ts';
import type { BusEvent, EventBus } from './bus.ts';
import { isStreamed, STREAM_TOPICS, streamTopic, type StreamTopic } from './stream-filter.ts';
import { RUN_COMPLETED } from './topics.ts';

const HEARTBEAT_MS = 15_000;
/** `coalesce=1s`: how often a stream's runs go out together. */
const COALESCE_MS = 1_000;

const Uuid = z.uuid({ message: 'expected a UUID' });

const stream = createRoute({
  method: 'get',
  path: '/events',
  operationId: 'streamEvents',
  tags: ['Events'],
  summary: 'Live stream (text/event-stream) of run.completed and health.changed events, or of the topics asked',
  description:
    'health.changed carries the system rollup only (SPEC §4.5), unless environmentId or environments=all asks for ' +
    'per-environment changes; run.completed events are never narrowed by environment.',
  request: {
    query: z.object({
      systemId: Uuid.optional().openapi({ description: "Only this system's events" }),
      environmentId: Uuid.optional().openapi({ description: 'health.changed of this environment only, instead of the system rollup' }),
      environments: z.enum(['all']).optional().openapi({ description: '`all`: health.changed of the rollup and of every environment' }),
      topics: z
        .string()
        .optional()
        .openapi({ description: 'Comma-separated topics to receive, of `run.completed` and `health.changed` (default: both), e.g. `topics=health.changed`', example: 'health.changed' }),
      coalesce: z.enum(['1s']).optional().openapi({
        description:
          '`1s`: run completions come as one `runs.completed` event per second whose data is an array of run.completed payloads ' +
          '(the latest run of each stream in that second), instead of one event per run; health.changed is never delayed',
      }),
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
    const { systemId, environmentId, environments, topics, coalesce } = c.req.valid('query');
    if (environmentId !== undefined && environments !== undefined) {
      throw new ValidationError([{ path: 'environments', message: 'expected either environmentId or environments=all, not both' }]);
    }
    const filter = { systemId, environmentId, allEnvironments: environments === 'all', ...(topics === undefined ? {} : { topics: parseTopics(topics) }) };
    return streamSSE(c, async (stream) => {
      const pending: BusEvent[] = [];
      // coalesce=1s: the latest run of each stream, sent together once a second.
      const runs = new Map<string, BusEvent>();
      let flushAt: number | undefined;
      let wake: (() => void) | undefined;
      let open = true;
      const unsubscribe = bus.subscribe((event) => {
        if (!isStreamed(filter, event)) return;
        if (coalesce && event.topic === RUN_COMPLETED) {
          const p = event.payload;
          runs.set(`${p.systemId}|${p.configurationId}|${p.environmentId ?? ''}|${p.source}`, event);
          if (flushAt === undefined) {
            flushAt = Date.now() + COALESCE_MS;
            wake?.(); // the wait under way may be a heartbeat's: shorten it to the flush
          }
          return;
        }
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
          await stream.writeSSE({ id: event.id, event: streamTopic[event.topic]!, data: JSON.stringify(event.payload) });
        }
        if (flushAt !== undefined && Date.now() >= flushAt) {
          const batch = [...runs.values()];
          runs.clear();
          flushAt = undefined;
          await stream.writeSSE({ event: 'runs.completed', data: JSON.stringify(batch.map((event) => event.payload)) });
        }
        const idle = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(flushAt === undefined), flushAt === undefined ? HEARTBEAT_MS : Math.max(0, flushAt - Date.now()));
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

/** `topics=a,b`: each one the stream has, else a 400 naming them. */
function parseTopics(value: string): StreamTopic[] {
  const asked = value.split(',').map((topic) => topic.trim()).filter(Boolean);
  const unknown = asked.filter((topic) => !(STREAM_TOPICS as readonly string[]).includes(topic));
  if (!asked.length || unknown.length) {
    throw new ValidationError([
      { path: 'topics', message: `expected a comma-separated list of ${STREAM_TOPICS.join(', ')}${unknown.length ? `; got ${unknown.map((t) => `"${t}"`).join(', ')}` : ''}` },
    ]);
  }
  return asked as StreamTopic[];
}
