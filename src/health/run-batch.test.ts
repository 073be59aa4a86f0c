import { describe, expect, it } from 'vitest';
import { takeBatch } from './run-batch.ts';

describe('takeBatch: which queued runs are written together', () => {
  // A run is "stream:tick"; its stream is the part before the colon.
  const streamOf = (run: string) => run.split(':')[0]!;
  const rows: { name: string; queue: string[]; busy?: string[]; max?: number; batch: string[]; rest: string[] }[] = [
    { name: 'runs of different streams go together, in order', queue: ['a:1', 'b:1', 'c:1'], batch: ['a:1', 'b:1', 'c:1'], rest: [] },
    { name: 'a stream’s second run waits for the next batch', queue: ['a:1', 'b:1', 'a:2'], batch: ['a:1', 'b:1'], rest: ['a:2'] },
    { name: 'a stream’s later runs keep their order behind it', queue: ['a:1', 'a:2', 'a:3', 'b:1'], batch: ['a:1', 'b:1'], rest: ['a:2', 'a:3'] },
    { name: 'a stream a batch in flight still holds waits for it', queue: ['a:2', 'b:1'], busy: ['a'], batch: ['b:1'], rest: ['a:2'] },
    { name: 'at most max runs; the rest stay queued in order', queue: ['a:1', 'b:1', 'c:1', 'd:1'], max: 2, batch: ['a:1', 'b:1'], rest: ['c:1', 'd:1'] },
    { name: 'nothing queued: nothing to write', queue: [], batch: [], rest: [] },
    { name: 'every stream busy: nothing to write yet', queue: ['a:2', 'a:3'], busy: ['a'], batch: [], rest: ['a:2', 'a:3'] },
  ];
  for (const row of rows) {
    it(row.name, () => expect(takeBatch(row.queue, streamOf, new Set(row.busy ?? []), row.max ?? 100)).toEqual({ batch: row.batch, rest: row.rest }));
  }
});
