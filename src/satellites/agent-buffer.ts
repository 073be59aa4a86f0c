import { appendFile, mkdir, readFile, readdir, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * A satellite's runs on their way to the server, kept on disk under its data directory so that a
 * server away for hours (or an agent restarted meanwhile) loses nothing but what the bound drops.
 * Runs are appended to numbered segment files of JSON lines and uploaded oldest first; when more
 * than `maxRuns` wait, the oldest segment goes, and how many runs it held is counted. Results are
 * already masked when they get here: no secret is ever written.
 */

export interface BufferOptions {
  /** At most this many runs wait; beyond it the oldest are dropped (a segment at a time). */
  maxRuns: number;
  /** Runs per segment file; defaults to a quarter of maxRuns, at most 500. */
  segmentRuns?: number;
}

/** A slice of the oldest waiting runs, to acknowledge once the server has them. */
export interface Peeked<T> {
  runs: T[];
  segment: number;
  offset: number;
  /** Lines of the segment this slice covers (a line a crash cut short is skipped, and covered). */
  lines: number;
}

interface Segment {
  seq: number;
  count: number;
}

interface State {
  /** Runs of the oldest segment already acknowledged. */
  headOffset: number;
  /** Runs dropped by the bound since the buffer was created. */
  dropped: number;
}

const SEGMENT = /^(\d{12})\.jsonl$/;

export class RunBuffer<T> {
  private chain: Promise<unknown> = Promise.resolve();
  private readonly segmentRuns: number;

  private constructor(
    private readonly dir: string,
    private readonly maxRuns: number,
    segmentRuns: number | undefined,
    private segments: Segment[],
    private state: State,
  ) {
    this.segmentRuns = segmentRuns ?? Math.max(1, Math.min(500, Math.floor(maxRuns / 4)));
  }

  /** Opens (or creates) the buffer in `dir`, finding the runs a previous agent left there. */
  static async open<T>(dir: string, options: BufferOptions): Promise<RunBuffer<T>> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const segments: Segment[] = [];
    for (const file of (await readdir(dir)).sort()) {
      const match = SEGMENT.exec(file);
      if (!match) continue;
      const text = await readFile(join(dir, file), 'utf8');
      segments.push({ seq: Number(match[1]), count: completeLines(text).length });
    }
    const state = await readFile(join(dir, 'state.json'), 'utf8')
      .then((text) => JSON.parse(text) as State)
      .catch(() => ({ headOffset: 0, dropped: 0 }));
    if (!segments.length) state.headOffset = 0;
    return new RunBuffer<T>(dir, options.maxRuns, options.segmentRuns, segments, state);
  }

  /** Runs waiting for upload. */
  get size(): number {
    return this.segments.reduce((sum, segment) => sum + segment.count, 0) - this.state.headOffset;
  }

  /** Runs the bound dropped, oldest first, since the buffer was created. */
  get dropped(): number {
    return this.state.dropped;
  }

  /** Adds a run at the end; drops the oldest segment when more than maxRuns would wait. Answers how many were dropped now. */
  append(run: T): Promise<number> {
    return this.serially(async () => {
      let last = this.segments.at(-1);
      if (!last || last.count >= this.segmentRuns) {
        last = { seq: (last?.seq ?? 0) + 1, count: 0 };
        this.segments.push(last);
      }
      await appendFile(this.file(last.seq), `${JSON.stringify(run)}\n`, { mode: 0o600 });
      last.count += 1;
      let dropped = 0;
      while (this.size > this.maxRuns && this.segments.length > 1) {
        const oldest = this.segments.shift()!;
        dropped += oldest.count - this.state.headOffset;
        this.state.headOffset = 0;
        await unlink(this.file(oldest.seq)).catch(() => undefined);
      }
      if (dropped) {
        this.state.dropped += dropped;
        await this.saveState();
      }
      return dropped;
    });
  }

  /** The oldest waiting runs: at most `maxRuns` of them, and at most about `maxBytes` of JSON. */
  peek(maxRuns: number, maxBytes: number): Promise<Peeked<T>> {
    return this.serially(async () => {
      const oldest = this.segments[0];
      if (!oldest) return { runs: [], segment: 0, offset: 0, lines: 0 };
      const lines = completeLines(await readFile(this.file(oldest.seq), 'utf8')).slice(this.state.headOffset, this.state.headOffset + maxRuns);
      const runs: T[] = [];
      let bytes = 0;
      let covered = 0;
      for (const line of lines) {
        if (runs.length && bytes + line.length > maxBytes) break;
        bytes += line.length;
        covered += 1;
        try {
          runs.push(JSON.parse(line) as T);
        } catch {
          // A line a crash cut short, with the next run appended to it: neither can be read back.
        }
      }
      return { runs, segment: oldest.seq, offset: this.state.headOffset, lines: covered };
    });
  }

  /** The server has these runs: they leave the buffer. A slice the bound dropped meanwhile is ignored. */
  acknowledge(peeked: Peeked<T>): Promise<void> {
    return this.serially(async () => {
      const oldest = this.segments[0];
      if (!oldest || oldest.seq !== peeked.segment || this.state.headOffset !== peeked.offset) return;
      this.state.headOffset += peeked.lines;
      if (this.state.headOffset >= oldest.count) {
        this.segments.shift();
        this.state.headOffset = 0;
        await unlink(this.file(oldest.seq)).catch(() => undefined);
      }
      await this.saveState();
    });
  }

  /** Waits for every change asked for so far. */
  async flush(): Promise<void> {
    await this.chain.catch(() => undefined);
  }

  private file(seq: number): string {
    return join(this.dir, `${String(seq).padStart(12, '0')}.jsonl`);
  }

  /** Written aside and renamed: a crash mid-write leaves the previous state, never half of one. */
  private async saveState(): Promise<void> {
    const path = join(this.dir, 'state.json');
    await writeFile(`${path}.tmp`, JSON.stringify(this.state), { mode: 0o600 });
    await rename(`${path}.tmp`, path);
  }

  /** One change at a time, in the order asked: appends, reads and acknowledgements never interleave. */
  private serially<R>(work: () => Promise<R>): Promise<R> {
    const next = this.chain.then(work, work);
    this.chain = next.catch(() => undefined);
    return next;
  }
}

/** The lines a crash did not cut short (a partly written last line is left out). */
function completeLines(text: string): string[] {
  const lines = text.split('\n');
  lines.pop();
  return lines.filter((line) => line.length > 0);
}
