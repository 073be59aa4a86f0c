import { createRoute } from '@hono/zod-openapi';
import { streamSSE } from 'hono/streaming';
import { createRouter, errorResponses, z } from '../api/openapi.ts';
import { ValidationError } from '../kernel/errors.ts';
import type { BusEvent, EventBus } from './bus.ts';
import { RunCoalescer } from './coalesce.ts';
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
  const runs = new RunCoalescer(bus, COALESCE_MS);
  router.openapi(stream, (c) => {
    const { systemId, environmentId, environments, topics, coalesce } = c.req.valid('query');
    if (environmentId !== undefined && environments !== undefined) {
      throw new ValidationError([{ path: 'environments', message: 'expected either environmentId or environments=all, not both' }]);
    }
    const filter = { systemId, environmentId, allEnvironments: environments === 'all', ...(topics === undefined ? {} : { topics: parseTopics(topics) }) };
    // coalesce=1s: this stream's runs come from the process's one coalescer, a message a second.
    const coalesced = coalesce !== undefined && (filter.topics?.includes('run.completed') ?? true);
    return streamSSE(c, async (stream) => {
      const pending: (BusEvent | Uint8Array)[] = [];
      let wake: (() => void) | undefined;
      let open = true;
      const queue = (item: BusEvent | Uint8Array) => {
        pending.push(item);
        wake?.();
      };
      const unsubscribe = bus.subscribe((event) => {
        if (coalesced && event.topic === RUN_COMPLETED) return;
        if (isStreamed(filter, event)) queue(event);
      });
      const leave = coalesced ? runs.join(filter, queue) : undefined;
      stream.onAbort(() => {
        open = false;
        unsubscribe();
        leave?.();
        wake?.();
      });
      await stream.writeSSE({ event: 'ready', data: '{}' });
      while (open) {
        for (let item = pending.shift(); item; item = pending.shift()) {
          if (item instanceof Uint8Array) await stream.write(item);
          else await stream.writeSSE({ id: item.id, event: streamTopic[item.topic]!, data: JSON.stringify(item.payload) });
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
