import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import { evaluateAssertion } from '../assertions/evaluate.ts';
import { assignmentCheckSql, assignmentsOfStrategiesSql, type AssignmentCheck } from '../checks/read.ts';
import { maskSecrets } from '../definitions/mask.ts';
import type { RunRecord } from '../health/recorder.ts';
import { ConflictError, NotFoundError } from '../kernel/errors.ts';
import type { Logger } from '../kernel/log.ts';
import type { SecretCipher } from '../secrets/cipher.ts';
import { expectationOf, heartbeatStrategy, type HeartbeatConfig } from '../strategies/heartbeat/index.ts';
import { lateness } from './lateness.ts';

/** What a ping says (SPEC §2.11): `/ping/<token>`, `/start`, `/fail`, `/<exit-code>`. */
export type PingSignal = { kind: 'success' } | { kind: 'start' } | { kind: 'fail' } | { kind: 'exit'; exitCode: number };

/** `unknown`: no heartbeat has the token (404, nothing recorded); `inactive`: its check is paused or disabled. */
export type PingOutcome = 'recorded' | 'started' | 'inactive' | 'unknown';

/** Heartbeat runs are env-less and central: one stream per assignment, whoever pings. */
const SOURCE = 'Local';
const COLLECTOR = heartbeatStrategy.defaultCollector;
export const MAX_OUTPUT_BYTES = 10 * 1024;
/** 192 random bits, url-safe. */
const TOKEN_BYTES = 24;

export interface HeartbeatDeps {
  pool: pg.Pool;
  cipher: SecretCipher;
  recorder: { recordRun(run: RunRecord, options?: { promptly?: boolean }): Promise<string | undefined> };
  /** Secret name → value, for those that exist (the config's `maskSecrets`). */
  resolveSecrets(names: readonly string[]): Promise<Map<string, string>>;
  log: Logger;
}

interface PingRow {
  assignment_id: string;
  check: AssignmentCheck | null;
}

/** Ping tokens, pings and the lateness sweep of heartbeat checks (SPEC §2.11). */
export class HeartbeatService {
  constructor(private readonly deps: HeartbeatDeps) {}

  /**
   * The ping URL of each heartbeat assignment among `assignmentIds` (others are left out), a token
   * made for any that has none yet. `baseUrl`: VIGIL_PUBLIC_URL, or the origin the caller used.
   */
  async pingUrls(assignmentIds: readonly string[], baseUrl: string): Promise<Map<string, string>> {
    if (assignmentIds.length === 0) return new Map();
    const { rows } = await this.deps.pool.query<{ id: string; token_sealed: SealedRow }>(
      `SELECT a.id, h.token_sealed FROM unnest($1::uuid[]) AS a(id) LEFT JOIN heartbeats h ON h.assignment_id = a.id
        WHERE a.id IN ${assignmentsOfStrategiesSql('$2::text[]')}`,
      [assignmentIds, [heartbeatStrategy.id]],
    );
    const urls = new Map<string, string>();
    for (const row of rows) {
      const token = row.token_sealed ? this.open(row.id, row.token_sealed) : await this.ensureToken(row.id);
      urls.set(row.id, pingUrl(baseUrl, token));
    }
    return urls;
  }

  /** A new token for a heartbeat assignment: the old URL answers 404 from now on. */
  async rotate(assignmentId: string, baseUrl: string): Promise<string> {
    await this.requireHeartbeat(assignmentId);
    const token = newToken();
    await this.deps.pool.query(
      `INSERT INTO heartbeats (assignment_id, token_hash, token_sealed) VALUES ($1, $2, $3)
       ON CONFLICT (assignment_id) DO UPDATE SET token_hash = excluded.token_hash, token_sealed = excluded.token_sealed`,
      [assignmentId, hashToken(token), this.deps.cipher.seal(token, boundTo(assignmentId))],
    );
    return pingUrl(baseUrl, token);
  }

  /**
   * Records what the job reported: one lookup by the token's hash, one update, then the run through
   * the recorder (so thresholds, transitions and events follow as for any run).
   */
  async ping(token: string, signal: PingSignal, body: string | undefined, now = new Date()): Promise<PingOutcome> {
    const { pool } = this.deps;
    const { rows } = await pool.query<PingRow>({
      name: 'vigil.heartbeat-ping',
      text: `SELECT h.assignment_id, ${assignmentCheckSql('h.assignment_id')} AS check FROM heartbeats h WHERE h.token_hash = $1`,
      values: [hashToken(token)],
    });
    const row = rows[0];
    // A configuration changed to another strategy keeps its row, but not a working URL.
    if (!row?.check || row.check.strategy !== heartbeatStrategy.id) return 'unknown';
    if (signal.kind === 'start') {
      await pool.query('UPDATE heartbeats SET started_at = $2 WHERE assignment_id = $1', [row.assignment_id, now]);
      return 'started';
    }
    if (!row.check.active) return 'inactive';
    // A failure is the period's report too: "No ping" would be untrue, and the period is already unhealthy.
    const { rows: taken } = await pool.query<{ started_at: Date | null }>(
      `UPDATE heartbeats h SET started_at = NULL, last_ping_at = greatest(h.last_ping_at, $2)
         FROM (SELECT started_at FROM heartbeats WHERE assignment_id = $1 FOR UPDATE) previous
        WHERE h.assignment_id = $1 RETURNING previous.started_at`,
      [row.assignment_id, now],
    );
    const startedAt = taken[0]?.started_at ?? null;
    const latencyMs = startedAt ? Math.max(0, now.getTime() - startedAt.getTime()) : null;
    const output = body === undefined || body === '' ? undefined : await this.masked(row.check.config, body);
    await this.deps.recorder.recordRun({
      systemId: row.check.systemId,
      configurationId: row.check.configurationId,
      environmentId: null,
      source: SOURCE,
      scheduledFor: now,
      at: now,
      ...pingVerdict(signal, row.check, latencyMs, output),
    }, { promptly: true });
    return 'recorded';
  }

  /**
   * Records one unhealthy run per missed slot of each active heartbeat. Any number of processes
   * may sweep at once: the run's key is the missed deadline, so the recorder stores it once and the
   * others' records of it are refused as duplicates. Returns how many runs this sweep recorded.
   */
  async sweep(now = new Date()): Promise<number> {
    const { pool, log } = this.deps;
    await this.armNew();
    const { rows } = await pool.query<{ assignment_id: string; last_ping_at: Date | null; last_late_for: Date | null; created_at: Date; check: AssignmentCheck | null }>(
      `SELECT assignment_id, last_ping_at, last_late_for, created_at, ${assignmentCheckSql('assignment_id')} AS check FROM heartbeats`,
    );
    let recorded = 0;
    for (const row of rows) {
      const check = row.check;
      if (!check?.active || check.strategy !== heartbeatStrategy.id) continue;
      try {
        const reference = latest(row.created_at, new Date(check.since), row.last_ping_at);
        const missed = lateness({ expectation: expectationOf(check.config as unknown as HeartbeatConfig), reference, lastLateRunFor: row.last_late_for, now });
        if (!missed) continue;
        const runId = await this.deps.recorder.recordRun({
          systemId: check.systemId,
          configurationId: check.configurationId,
          environmentId: null,
          source: SOURCE,
          status: 'unhealthy',
          latencyMs: null,
          message: missed.message,
          result: { collectors: [{ collector: COLLECTOR, error: missed.message, fields: {}, assertions: [] }], expectedAt: missed.slot.toISOString() },
          scheduledFor: missed.deadline,
          at: now,
        }, { promptly: true });
        if (runId) recorded += 1;
        await pool.query('UPDATE heartbeats SET last_late_for = greatest(last_late_for, $2) WHERE assignment_id = $1', [row.assignment_id, missed.deadline]);
      } catch (error) {
        log.error({ err: error, assignmentId: row.assignment_id }, 'Could not record a missed heartbeat; the next sweep tries again');
      }
    }
    return recorded;
  }

  /** Heartbeat assignments nobody has looked at yet get their token, and are watched from now. */
  private async armNew(): Promise<void> {
    const { rows } = await this.deps.pool.query<{ id: string }>(
      `SELECT id FROM ${assignmentsOfStrategiesSql('$1::text[]')} a WHERE NOT EXISTS (SELECT 1 FROM heartbeats h WHERE h.assignment_id = a.id)`,
      [[heartbeatStrategy.id]],
    );
    for (const { id } of rows) await this.ensureToken(id);
  }

  /** Creates the assignment's token unless another request just did; answers the one stored. */
  private async ensureToken(assignmentId: string): Promise<string> {
    const token = newToken();
    const { rows } = await this.deps.pool.query<{ token_sealed: SealedRow }>(
      `WITH inserted AS (
         INSERT INTO heartbeats (assignment_id, token_hash, token_sealed) VALUES ($1, $2, $3)
         ON CONFLICT (assignment_id) DO NOTHING RETURNING token_sealed
       ) SELECT token_sealed FROM inserted UNION ALL SELECT token_sealed FROM heartbeats WHERE assignment_id = $1 LIMIT 1`,
      [assignmentId, hashToken(token), this.deps.cipher.seal(token, boundTo(assignmentId))],
    );
    return this.open(assignmentId, rows[0]!.token_sealed);
  }

  private open(assignmentId: string, sealed: SealedRow): string {
    return this.deps.cipher.open(sealed, boundTo(assignmentId));
  }

  private async requireHeartbeat(assignmentId: string): Promise<void> {
    const { rows } = await this.deps.pool.query<{ check: AssignmentCheck | null }>(`SELECT ${assignmentCheckSql('$1::uuid')} AS check`, [assignmentId]);
    const check = rows[0]?.check;
    if (!check) throw new NotFoundError('Assignment', assignmentId);
    if (check.strategy !== heartbeatStrategy.id) {
      throw new ConflictError(`Assignment ${assignmentId} is not a heartbeat check: only heartbeat assignments have a ping URL`, [
        { path: 'id', message: `its configuration's strategy is ${check.strategy}` },
      ]);
    }
  }

  /** The body, cut to its first 10 KB, with the values of the config's `maskSecrets` masked. */
  private async masked(config: Record<string, unknown>, body: string): Promise<string> {
    const output = firstBytes(body, MAX_OUTPUT_BYTES);
    const names = Array.isArray(config.maskSecrets) ? (config.maskSecrets as string[]) : [];
    if (names.length === 0) return output;
    return maskSecrets(output, [...(await this.deps.resolveSecrets(names)).values()]);
  }
}

type SealedRow = Parameters<SecretCipher['open']>[0];

/** Pure: the run a ping records — its status, message and result, assertions evaluated on success. */
export function pingVerdict(signal: PingSignal, check: Pick<AssignmentCheck, 'assertions'>, latencyMs: number | null, output: string | undefined): Pick<RunRecord, 'status' | 'latencyMs' | 'message' | 'result'> {
  const exitCode = signal.kind === 'exit' ? signal.exitCode : signal.kind === 'fail' ? null : 0;
  const fields: Record<string, unknown> = { ...(latencyMs === null ? {} : { latencyMs }), ...(exitCode === null ? {} : { exitCode }), ...(output === undefined ? {} : { output }) };
  const failure = signal.kind === 'fail' ? 'Failure reported' : exitCode !== 0 ? `exit code ${exitCode}` : undefined;
  if (failure) {
    return { status: 'unhealthy', latencyMs, message: failure, result: { collectors: [{ collector: COLLECTOR, error: failure, fields, assertions: [] }] } };
  }
  const assertions = check.assertions.map((assertion) => ({ assertion, ...evaluateAssertion(assertion, fields) }));
  const failed = assertions.filter((outcome) => !outcome.passed);
  const worst = failed.find((outcome) => outcome.assertion.severity !== 'degraded') ?? failed[0];
  const result = { collectors: [{ collector: COLLECTOR, fields, assertions }] };
  if (worst) return { status: worst.assertion.severity === 'degraded' ? 'degraded' : 'unhealthy', latencyMs, message: worst.message, result };
  return { status: 'healthy', latencyMs, message: latencyMs === null ? 'Ping received' : `Completed in ${latencyMs}ms`, result };
}

function newToken(): string {
  return randomBytes(TOKEN_BYTES).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

const boundTo = (assignmentId: string) => `heartbeat:${assignmentId}`;

function pingUrl(baseUrl: string, token: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/ping/${token}`;
}

function latest(...dates: (Date | null)[]): Date {
  return new Date(Math.max(...dates.filter((date): date is Date => date !== null).map((date) => date.getTime())));
}

/** The longest prefix of `text` within `maxBytes` of UTF-8, never splitting a character. */
function firstBytes(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  return new TextDecoder('utf-8', { fatal: false }).decode(bytes.subarray(0, maxBytes)).replace(/\uFFFD$/, '');
}
