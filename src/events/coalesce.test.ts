import { afterEach, describe, expect, it } from 'vitest';
import { createMemoryBus, type BusEvent } from './bus.ts';
import { RunCoalescer } from './coalesce.ts';

const run = (systemId: string, configurationId: string, n: number, environmentId?: string): BusEvent => ({
  id: `${systemId}-${configurationId}-${n}`,
  topic: 'run.completed',
  payload: { runId: `${systemId}-${configurationId}-${environmentId ?? ''}-${n}`, systemId, configurationId, ...(environmentId ? { environmentId } : {}), source: 'Local', status: 'healthy', latencyMs: n, message: 'ok', timestamp: '2026-12-03T00:00:00.000Z' },
});
const change: BusEvent = {
  id: 'c',
  topic: 'healthcheck.system_health_changed',
  payload: { systemId: 's1', systemName: 's1', previousStatus: 'healthy', newStatus: 'unhealthy', healthyChecks: 0, totalChecks: 1, timestamp: '2026-12-03T00:00:00.000Z' },
};

/** Each message a stream got, decoded: its SSE event name and its run ids, sorted. */
function recorder() {
  const messages: Uint8Array[] = [];
  const deliver = (message: Uint8Array) => messages.push(message);
  const read = () =>
    messages.map((message) => {
      const [event, data] = new TextDecoder().decode(message).split('\n');
      return { event, runIds: (JSON.parse(data!.slice('data: '.length)) as { runId: string }[]).map((r) => r.runId).sort() };
    });
  return { messages, deliver, read };
}

const bus = createMemoryBus();
const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
let leaves: (() => void)[] = [];
afterEach(() => {
  for (const leave of leaves) leave();
  leaves = [];
});

describe('RunCoalescer', () => {
  it('hands each stream the latest run of every stream its filter lets through, once a period', async () => {
    const coalescer = new RunCoalescer(bus, 50);
    const all = recorder();
    const s1 = recorder();
    const s1Again = recorder();
    const s3 = recorder();
    leaves.push(
      coalescer.join({}, all.deliver),
      coalescer.join({ systemId: 's1' }, s1.deliver),
      coalescer.join({ systemId: 's1', topics: ['run.completed'] }, s1Again.deliver),
      coalescer.join({ systemId: 's3' }, s3.deliver),
    );
    for (const event of [run('s1', 'a', 1), run('s2', 'a', 1), run('s1', 'a', 2), run('s1', 'a', 3, 'east'), change, run('s2', 'b', 1)]) await bus.publish(event);
    await wait(120);

    expect(all.read()).toEqual([{ event: 'event: runs.completed', runIds: ['s1-a--2', 's1-a-east-3', 's2-a--1', 's2-b--1'] }]);
    expect(s1.read()).toEqual([{ event: 'event: runs.completed', runIds: ['s1-a--2', 's1-a-east-3'] }]);
    // Streams that let the same runs through share one message; a stream with no runs gets none.
    expect(s1Again.messages[0]).toBe(s1.messages[0]);
    expect(s3.messages).toEqual([]);

    // The next period carries only what came in it.
    await bus.publish(run('s1', 'a', 4));
    await wait(120);
    expect(s1.read()[1]).toEqual({ event: 'event: runs.completed', runIds: ['s1-a--4'] });
    expect(all.messages).toHaveLength(2);
  });

  it('listens to the bus only while a stream is joined', async () => {
    const coalescer = new RunCoalescer(bus, 20);
    const first = recorder();
    const leave = coalescer.join({}, first.deliver);
    await bus.publish(run('s1', 'a', 1));
    leave();
    await wait(60);
    expect(first.messages).toEqual([]);

    const second = recorder();
    leaves.push(coalescer.join({}, second.deliver));
    await bus.publish(run('s1', 'a', 2));
    await wait(60);
    // Nothing held from before the last stream left.
    expect(second.read()).toEqual([{ event: 'event: runs.completed', runIds: ['s1-a--2'] }]);
  });
});
