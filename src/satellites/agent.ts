import { join } from 'node:path';
import { planDefinition, type PlanResult } from '../definitions/plan.ts';
import { runPlanned, unplannable, type RunOutcome, type SecretResolver } from '../engine/run-planned.ts';
import type { Logger } from '../kernel/log.ts';
import { jitterOffset, nextTick } from '../queue/schedule.ts';
import type { StrategyRegistry } from '../strategies/registry.ts';
import type { RunContext } from '../strategies/types.ts';
import { RunBuffer } from './agent-buffer.ts';
import { DEFAULT_HEARTBEAT_SECONDS, SATELLITE_CHANNEL_PATH, type Feed, type FeedAssignment, type UploadedRun } from './model.ts';

/**
 * `vigil satellite`: runs the checks the server assigns this satellite, from wherever it is. It
 * pulls its assignments (ETag: an unchanged set costs no body), schedules them on the same
 * epoch-aligned grid as the central scheduler, runs them through the same pipeline as the central
 * workers (engine/run-planned.ts: templating, secrets, masking, timeouts), and uploads the runs in
 * batches through an on-disk buffer, so that while the server is away it keeps checking and
 * uploads in order once it is back. Secrets live in memory only.
 */

export interface AgentOptions {
  /** The server's base URL, e.g. https://vigil.example.com. */
  server: string;
  token: string;
  dataDir: string;
  strategies: StrategyRegistry;
  log: Logger;
  version: string;
  /** How often to ask for the assignments (default 10 s). */
  pollMs?: number;
  /** Runs the buffer keeps while the server is away (default 100,000); older ones are dropped. */
  maxBufferedRuns?: number;
  /** Checks running at once (default 50); ticks beyond it wait for a slot. */
  concurrency?: number;
}

/** Why the agent stopped: asked to, or the server no longer accepts its token. */
export type AgentEnd = 'stopped' | 'revoked';

const UPLOAD_RUNS = 200;
/** Runs wait this long to travel with the others of the moment (one request per second, not one per run). */
const UPLOAD_GATHER_MS = 1_000;
const UPLOAD_BYTES = 512 * 1024;
const REQUEST_TIMEOUT_MS = 15_000;
/** The feed is asked as a long poll: the server holds an unchanged answer this long, and answers at once on a change. */
const LONG_POLL_SECONDS = 25;
const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 5_000;

class Revoked extends Error {}

interface Scheduled {
  assignment: FeedAssignment;
  plan: PlanResult;
  timer?: NodeJS.Timeout;
}

export class SatelliteAgent {
  private readonly scheduled = new Map<string, Scheduled>();
  private secrets = new Map<string, string>();
  private etag: string | undefined;
  private nextPollMs = 0;
  private heartbeatMs = DEFAULT_HEARTBEAT_SECONDS * 1000;
  private buffer!: RunBuffer<UploadedRun>;
  private stopped = false;
  private running = 0;
  private readonly waiting: (() => void)[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private uploading: Promise<void> | undefined;
  private uploadAgain = false;
  private gathering: NodeJS.Timeout | undefined;
  private reachable = true;
  private readonly timers = new Set<NodeJS.Timeout>();
  private finish!: (end: AgentEnd) => void;
  /** Settles when the agent stops, saying why. */
  readonly done: Promise<AgentEnd>;

  constructor(private readonly options: AgentOptions) {
    this.done = new Promise((resolve) => (this.finish = resolve));
  }

  private get base(): string {
    return `${this.options.server.replace(/\/+$/, '')}${SATELLITE_CHANNEL_PATH}`;
  }

  async start(): Promise<void> {
    this.buffer = await RunBuffer.open<UploadedRun>(join(this.options.dataDir, 'buffer'), { maxRuns: this.options.maxBufferedRuns ?? 100_000 });
    if (this.buffer.size) this.options.log.info({ backlog: this.buffer.size }, 'Runs left from before are waiting for upload');
    // Asked again at once after each answer (the server held it until a change or 25 s); after a failure, in pollMs.
    this.every(() => this.nextPollMs, () => this.poll());
    this.every(() => this.heartbeatMs, () => this.heartbeat());
    this.every(RETRY_MAX_MS, async () => this.upload());
  }

  /** Stops scheduling, lets running checks finish into the buffer, and keeps what is left for next time. */
  async stop(end: AgentEnd = 'stopped'): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    for (const entry of this.scheduled.values()) clearTimeout(entry.timer);
    this.scheduled.clear();
    this.secrets.clear();
    await Promise.allSettled([...this.inFlight]);
    await this.buffer?.flush();
    this.finish(end);
  }

  /** Runs `work` now and then `period` after each time it finishes (never two at once). */
  private every(period: number | (() => number), work: () => Promise<void>): void {
    const loop = async () => {
      if (this.stopped) return;
      try {
        await work();
      } catch (error) {
        if (error instanceof Revoked) return void this.revoked();
        this.options.log.error({ err: error }, 'Satellite loop failed; trying again');
      }
      if (this.stopped) return;
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        void loop();
      }, typeof period === 'number' ? period : period());
      this.timers.add(timer);
    };
    void loop();
  }

  private revoked(): void {
    if (this.stopped) return;
    this.options.log.error('The server refused this satellite’s token (unknown, or the satellite was deleted): stopping');
    void this.stop('revoked');
  }

  // ── talking to the server ────────────────────────────────────────────────

  private async request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}, timeoutMs = REQUEST_TIMEOUT_MS): Promise<Response | undefined> {
    let response: Response;
    try {
      response = await fetch(`${this.base}${path}`, {
        method,
        headers: { authorization: `Bearer ${this.options.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      this.unreachable((error as Error).cause ?? error);
      return undefined;
    }
    if (response.status === 401) throw new Revoked();
    if (response.status >= 500) {
      this.unreachable(`${method} ${path} answered ${response.status}`);
      await response.body?.cancel();
      return undefined;
    }
    if (!this.reachable) {
      this.reachable = true;
      this.options.log.info({ backlog: this.buffer.size }, 'The server is reachable again; uploading what waited');
    }
    return response;
  }

  /** Said once per outage, not once per attempt. */
  private unreachable(reason: unknown): void {
    if (!this.reachable) return;
    this.reachable = false;
    this.options.log.warn({ reason: String((reason as Error)?.message ?? reason) }, 'The server is unreachable; checking goes on and runs wait on disk');
  }

  private async poll(): Promise<void> {
    this.nextPollMs = this.options.pollMs ?? 10_000;
    const headers: Record<string, string> = this.etag ? { 'if-none-match': this.etag } : {};
    const response = await this.request('GET', `/assignments?wait=${LONG_POLL_SECONDS}`, undefined, headers, REQUEST_TIMEOUT_MS + LONG_POLL_SECONDS * 1000);
    if (!response) return;
    if (response.status === 304) {
      this.nextPollMs = 0;
      return;
    }
    if (response.status !== 200) {
      this.options.log.warn({ status: response.status }, 'Could not read the assignments; keeping the ones known');
      return;
    }
    const feed = (await response.json()) as Feed;
    this.etag = response.headers.get('etag') ?? undefined;
    this.apply(feed);
    this.nextPollMs = 0;
  }

  private async heartbeat(): Promise<void> {
    const response = await this.request('POST', '/heartbeat', { version: this.options.version, backlog: this.buffer.size, dropped: this.buffer.dropped });
    await response?.body?.cancel();
  }

  /** Uploads what waits, oldest first, until the buffer is empty or the server is away. Calls while one runs share a follow-up. */
  private upload(): Promise<void> {
    if (this.uploading) {
      this.uploadAgain = true;
      return this.uploading;
    }
    this.uploading = this.drain()
      .catch((error: unknown) => {
        if (error instanceof Revoked) this.revoked();
        else this.options.log.error({ err: error }, 'Upload failed; trying again');
      })
      .finally(() => {
        this.uploading = undefined;
        if (this.uploadAgain && !this.stopped) {
          this.uploadAgain = false;
          void this.upload();
        }
      });
    return this.uploading;
  }

  private async drain(): Promise<void> {
    let retryMs = RETRY_MIN_MS;
    while (!this.stopped && this.buffer.size > 0) {
      const peeked = await this.buffer.peek(UPLOAD_RUNS, UPLOAD_BYTES);
      const response = await this.request('POST', '/runs', { runs: peeked.runs });
      if (!response || response.status !== 200) {
        if (response) this.options.log.error({ status: response.status, body: await response.text() }, 'The server refused a batch of runs; trying again');
        await new Promise((resolve) => setTimeout(resolve, retryMs));
        retryMs = Math.min(RETRY_MAX_MS, retryMs * 2);
        continue;
      }
      retryMs = RETRY_MIN_MS;
      const answer = (await response.json()) as { recorded: number; duplicates: number; refused: { index: number; reason: string }[] };
      for (const refusal of answer.refused) this.options.log.warn({ reason: refusal.reason }, 'The server refused a run; dropped');
      await this.buffer.acknowledge(peeked);
    }
  }

  // ── scheduling and running ───────────────────────────────────────────────

  /** Makes the schedules equal to the feed: new assignments start, changed ones are planned again, removed ones stop. */
  private apply(feed: Feed): void {
    if (this.stopped) return;
    this.secrets = new Map(Object.entries(feed.secrets));
    this.heartbeatMs = feed.heartbeatSeconds * 1000;
    const wanted = new Map(feed.assignments.map((assignment) => [assignment.id, assignment]));
    for (const [id, entry] of this.scheduled) {
      if (!wanted.has(id)) {
        clearTimeout(entry.timer);
        this.scheduled.delete(id);
      }
    }
    for (const assignment of feed.assignments) {
      const current = this.scheduled.get(assignment.id);
      if (current && current.assignment.version === assignment.version && sameEnvironments(current.assignment, assignment)) continue;
      clearTimeout(current?.timer);
      const entry: Scheduled = { assignment, plan: planDefinition(this.options.strategies, assignment) };
      this.scheduled.set(assignment.id, entry);
      this.arm(entry);
    }
    this.options.log.info({ assignments: this.scheduled.size }, 'Assignments loaded');
  }

  /** The next tick on the assignment's grid (the same offset the central scheduler would give it). */
  private arm(entry: Scheduled): void {
    const intervalMs = entry.assignment.intervalSeconds * 1000;
    const tick = nextTick(Date.now(), intervalMs, jitterOffset(entry.assignment.id, intervalMs));
    entry.timer = setTimeout(() => {
      if (this.stopped || this.scheduled.get(entry.assignment.id) !== entry) return;
      this.arm(entry);
      const work = this.runTick(entry, tick);
      this.inFlight.add(work);
      void work.finally(() => this.inFlight.delete(work));
    }, tick - Date.now());
  }

  private async runTick(entry: Scheduled, tick: number): Promise<void> {
    await this.slot();
    try {
      const { assignment, plan } = entry;
      const targets = assignment.environments.length ? assignment.environments : [null];
      for (const environment of targets) {
        if (this.stopped) return;
        let outcome: RunOutcome;
        if (!plan.ok) outcome = unplannable(plan.errors);
        else {
          const run: RunContext = {
            check: { id: assignment.configurationId, name: assignment.name || assignment.configurationId, intervalSeconds: assignment.intervalSeconds },
            system: { id: assignment.systemId, name: assignment.systemName },
            ...(environment ? { environment } : {}),
          };
          outcome = await runPlanned(plan.plan, run, this.resolver());
        }
        const dropped = await this.buffer.append({
          configurationId: assignment.configurationId,
          systemId: assignment.systemId,
          environmentId: environment?.id ?? null,
          scheduledFor: new Date(tick).toISOString(),
          at: new Date().toISOString(),
          ...outcome,
        });
        if (dropped) this.options.log.warn({ dropped, total: this.buffer.dropped }, 'The run buffer is full: dropped the oldest runs');
        if (!plan.ok) break;
      }
    } catch (error) {
      this.options.log.error({ err: error, assignmentId: entry.assignment.id }, `Failed to run health check ${entry.assignment.configurationId} for system ${entry.assignment.systemId}`);
    } finally {
      this.release();
    }
    this.uploadSoon();
  }

  /** Uploads within UPLOAD_GATHER_MS, or at once when a whole batch waits. */
  private uploadSoon(): void {
    if (this.stopped) return;
    if (this.buffer.size >= UPLOAD_RUNS) {
      void this.upload();
      return;
    }
    if (this.gathering) return;
    this.gathering = setTimeout(() => {
      if (this.gathering) this.timers.delete(this.gathering);
      this.gathering = undefined;
      void this.upload();
    }, UPLOAD_GATHER_MS);
    this.timers.add(this.gathering);
  }

  /** Secrets from the feed, held in memory: what a run names and the server sent. */
  private resolver(): SecretResolver {
    const secrets = this.secrets;
    return {
      resolve: async (names) => new Map(names.flatMap((name) => (secrets.has(name) ? [[name, secrets.get(name)!] as const] : []))),
    };
  }

  private async slot(): Promise<void> {
    if (this.running < (this.options.concurrency ?? 50)) {
      this.running += 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running -= 1;
  }
}

function sameEnvironments(a: FeedAssignment, b: FeedAssignment): boolean {
  return JSON.stringify(a.environments) === JSON.stringify(b.environments) && a.systemName === b.systemName;
}
