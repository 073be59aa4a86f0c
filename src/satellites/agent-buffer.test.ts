import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RunBuffer } from './agent-buffer.ts';

const dirs: string[] = [];
const freshDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-buffer-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function drain(buffer: RunBuffer<{ n: number }>, batch = 3): Promise<number[]> {
  const seen: number[] = [];
  while (buffer.size > 0) {
    const peeked = await buffer.peek(batch, 1_000_000);
    seen.push(...peeked.runs.map((run) => run.n));
    await buffer.acknowledge(peeked);
  }
  return seen;
}

describe('the satellite’s run buffer', () => {
  it('gives runs back oldest first, across segments, and forgets what was acknowledged', async () => {
    const buffer = await RunBuffer.open<{ n: number }>(freshDir(), { maxRuns: 100, segmentRuns: 4 });
    for (let n = 1; n <= 10; n++) await buffer.append({ n });
    expect(buffer.size).toBe(10);
    expect(await drain(buffer)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(buffer.size).toBe(0);
  });

  it('survives a restart: what was not acknowledged is still there, in order', async () => {
    const dir = freshDir();
    const first = await RunBuffer.open<{ n: number }>(dir, { maxRuns: 100, segmentRuns: 4 });
    for (let n = 1; n <= 6; n++) await first.append({ n });
    const peeked = await first.peek(2, 1_000_000);
    await first.acknowledge(peeked);
    await first.flush();
    const second = await RunBuffer.open<{ n: number }>(dir, { maxRuns: 100, segmentRuns: 4 });
    expect(second.size).toBe(4);
    expect(await drain(second)).toEqual([3, 4, 5, 6]);
  });

  it('is bounded: beyond maxRuns the oldest runs go first, a segment at a time, and are counted', async () => {
    const dir = freshDir();
    const buffer = await RunBuffer.open<{ n: number }>(dir, { maxRuns: 8, segmentRuns: 2 });
    let dropped = 0;
    for (let n = 1; n <= 13; n++) dropped += await buffer.append({ n });
    // 13 runs in segments of 2, at most 8 kept: the three oldest segments went.
    expect(dropped).toBe(6);
    expect(buffer.dropped).toBe(6);
    expect(buffer.size).toBe(7);
    expect(await drain(buffer)).toEqual([7, 8, 9, 10, 11, 12, 13]);
    expect((await RunBuffer.open(dir, { maxRuns: 8 })).dropped).toBe(6);
  });

  it('ignores an acknowledgement of runs the bound dropped meanwhile', async () => {
    const buffer = await RunBuffer.open<{ n: number }>(freshDir(), { maxRuns: 4, segmentRuns: 2 });
    for (let n = 1; n <= 4; n++) await buffer.append({ n });
    const stale = await buffer.peek(2, 1_000_000);
    for (let n = 5; n <= 6; n++) await buffer.append({ n });
    await buffer.acknowledge(stale);
    expect(await drain(buffer)).toEqual([3, 4, 5, 6]);
  });

  it('skips a line a crash cut short', async () => {
    const dir = freshDir();
    const buffer = await RunBuffer.open<{ n: number }>(dir, { maxRuns: 100, segmentRuns: 10 });
    await buffer.append({ n: 1 });
    const [segment] = readdirSync(dir).filter((file) => file.endsWith('.jsonl'));
    appendFileSync(join(dir, segment!), '{"n": 2, "cut');
    const reopened = await RunBuffer.open<{ n: number }>(dir, { maxRuns: 100, segmentRuns: 10 });
    await reopened.append({ n: 3 });
    await reopened.append({ n: 4 });
    expect(readFileSync(join(dir, segment!), 'utf8').split('\n').length).toBe(4);
    expect(await drain(reopened)).toEqual([1, 4]);
  });
});
