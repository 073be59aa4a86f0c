import { readDefinition, readJobState, readJobStates, type JobState } from '../checks/read.ts';
import type { Database } from '../db/database.ts';
import { isDatabaseUnavailable } from '../db/errors.ts';
import { HELD, type RecordOptions, type RunRecord } from '../health/recorder.ts';
import type { Logger } from '../kernel/log.ts';
import type { CheckJob } from '../queue/types.ts';
import type { StrategyRegistry } from '../strategies/registry.ts';
import type { RunContext } from '../strategies/types.ts';
import { effectiveEnvironments } from '../definitions/environments.ts';
import { planDefinition, type DefinitionPlan } from '../definitions/plan.ts';
import { runPlanned, unplannable, type RunOutcome, type SecretResolver } from './run-planned.ts';

export type { SecretResolver };

export interface RunRecorder {
  recordRun(run: RunRecord, options: RecordOptions): Promise<string | undefined | typeof HELD>;
  recomputeRollup(systemId: string, configurationId: string | null): Promise<void>;
}

export interface ExecutedRun extends RunRecord {
  id: string;
}

export interface ExecutorSignals {
  /** SPEC §2.4: the membership could not be read and the run went ahead env-less. */
  environmentResolutionFailed(info: { systemId: string; configurationId: string; error: string }): void;
  /** A job started `lagMs` after its tick was due (scheduling lag, for /metrics). */
  jobStarted(lagMs: number): void;
  /** A run was recorded (or held in memory for the database, to be recorded when it is back). */
  runRecorded(run: { strategy: string; status: RunRecord['status']; latencyMs: number | null }): void;
}

/** A job whose configuration has been read: its strategy labels the run's metrics. */
type StrategyJob = CheckJob & { strategy: string };

type EnvironmentRow = NonNullable<JobState['environments']>[number];

const PLAN_CACHE_LIMIT = 10_000;
/**
 * How long a starting job waits for others to read their state with it: one round trip for all the
 * jobs that start within it (issue 25) — a few milliseconds of lag for a query per run saved.
 */
const JOB_READ_GATHER_MS = 10;
/** Job states and secrets kept for a database outage: one per assignment, up to this many. */
const OUTAGE_CACHE_LIMIT = 100_000;

/**
 * Runs one job (SPEC §2): reads the configuration and assignment fresh, plans the check once per
 * configuration version, fans out over the effective environments, and records each run. One
 * environment's failure never stops its siblings; nothing here ever throws at the queue.
 */
export class Executor {
  private readonly plans = new Map<string, ReturnType<typeof planDefinition>>();
  /**
   * The last job state read per assignment, and the last secret values resolved per set of names:
   * while the database is away the check goes on as it last was (issue 25), rather than stop or
   * fail for a reason that is not the target's. In memory only, like the plans.
   */
  private readonly lastStates = new Map<string, JobState>();
  private readonly lastSecrets = new Map<string, Map<string, string>>();
  private readonly secrets: SecretResolver;
  private gathering: { job: CheckJob; resolve(state: JobState | undefined): void; reject(error: unknown): void }[] = [];
  private gatherTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly deps: {
      database: Database;
      strategies: StrategyRegistry;
      recorder: RunRecorder;
      secrets: SecretResolver;
      log: Logger;
      signals: ExecutorSignals;
      source?: string;
    },
  ) {
    this.secrets = {
      resolve: async (names) => {
        const key = [...names].sort().join('\n');
        try {
          const values = await deps.secrets.resolve(names);
          remember(this.lastSecrets, key, values);
          return values;
        } catch (error) {
          const last = this.lastSecrets.get(key);
          if (last && isDatabaseUnavailable(error)) return last;
          throw error;
        }
      },
    };
  }

  async execute(job: CheckJob): Promise<ExecutedRun[]> {
    const { log } = this.deps;
    this.deps.signals.jobStarted(Date.now() - job.scheduledFor);
    const row = await this.load(job);
    if (!row) {
      log.warn({ ...job }, 'Skipped a check job: its configuration or assignment no longer exists');
      return [];
    }
    if (!row.configuration_enabled || row.paused || !row.assignment_enabled) {
      log.debug({ ...job }, 'Skipped a check job: the configuration is paused or disabled');
      return [];
    }
    const strategy = this.deps.strategies.getStrategy(row.strategy);
    if (!strategy) {
      log.warn({ ...job, strategy: row.strategy }, 'Skipped a check job: unknown strategy');
      return [];
    }
    if (strategy.passive) {
      // A tick queued before the configuration became a heartbeat: its runs come from its pings.
      log.debug({ ...job, strategy: row.strategy }, 'Skipped a check job: its strategy is passive');
      return [];
    }

    const target: StrategyJob = { ...job, strategy: row.strategy };
    const planned = await this.plan(row);
    if (!planned.ok) {
      // SPEC §2.9: a failure before the fan-out records one env-less unhealthy run.
      const run = await this.record(target, null, unplannable(planned.errors));
      return run ? [run] : [];
    }

    const environments = this.environments(row);
    const targets: (EnvironmentRow | null)[] = environments.length ? environments : [null];
    const runs: ExecutedRun[] = [];
    for (const environment of targets) {
      try {
        const run = await this.runOne(target, row, planned.plan, environment);
        if (run) runs.push(run);
      } catch (error) {
        log.error(
          { err: error, ...job },
          `Failed to run health check ${job.configurationId} for system ${job.systemId} (${environment ? `environment ${environment.id}` : 'env-less'})`,
        );
      }
    }
    if (environments.length && runs.length) {
      await this.deps.recorder.recomputeRollup(job.systemId, job.configurationId).catch((error: unknown) =>
        log.error({ err: error, ...job }, `Failed to recompute the health of system ${job.systemId}`),
      );
    }
    return runs;
  }

  private async runOne(job: StrategyJob, row: JobState, plan: DefinitionPlan, environment: EnvironmentRow | null): Promise<ExecutedRun | undefined> {
    const run: RunContext = {
      check: { id: row.configuration_id, name: row.name || row.configuration_id, intervalSeconds: row.interval_seconds },
      system: { id: job.systemId, name: row.system_name ?? job.systemId },
      ...(environment ? { environment: { id: environment.id, name: environment.name, fields: environment.fields } } : {}),
    };
    return this.record(job, environment?.id ?? null, await runPlanned(plan, run, this.secrets));
  }

  private async record(job: StrategyJob, environmentId: string | null, outcome: RunOutcome): Promise<ExecutedRun | undefined> {
    const run: RunRecord = {
      systemId: job.systemId,
      configurationId: job.configurationId,
      environmentId,
      source: this.deps.source ?? 'Local',
      scheduledFor: new Date(job.scheduledFor),
      at: new Date(),
      ...outcome,
    };
    const id = await this.deps.recorder.recordRun(run, { holdIfDown: true });
    if (id) this.deps.signals.runRecorded({ strategy: job.strategy, status: run.status, latencyMs: run.latencyMs });
    if (id === HELD) return undefined; // written when the database is back; nobody waits on its id meanwhile
    if (!id) {
      this.deps.log.info({ ...job, environmentId }, 'This tick was already recorded (a retried job); not recording it twice');
      return undefined;
    }
    return { id, ...run };
  }

  /** The job's state, fresh; while the database is away, as it was last read. */
  private async load(job: CheckJob): Promise<JobState | undefined> {
    const key = `${job.configurationId}:${job.systemId}`;
    try {
      const row = await this.read(job);
      if (row) remember(this.lastStates, key, row);
      else this.lastStates.delete(key);
      return row;
    } catch (error) {
      const last = this.lastStates.get(key);
      if (last && isDatabaseUnavailable(error)) return last;
      throw error;
    }
  }

  private async read(job: CheckJob): Promise<JobState | undefined> {
    const { pool } = this.deps.database;
    try {
      return await this.readGathered(job);
    } catch {
      // The gathered read may have failed for another job's sake: this job's own read decides.
    }
    try {
      return await readJobState(pool, job.configurationId, job.systemId);
    } catch (error) {
      // The database away (or starting again): the job's last known state serves, environments and all.
      if (isDatabaseUnavailable(error)) throw error;
      // SPEC §2.4: environments that cannot be read mean one env-less run (fail open), said loudly.
      const row = await readJobState(pool, job.configurationId, job.systemId, false);
      if (row) {
        this.deps.log.warn({ err: error, ...job }, 'Could not read the system’s environments; running env-less');
        this.deps.signals.environmentResolutionFailed({ systemId: job.systemId, configurationId: job.configurationId, error: (error as Error).message });
      }
      return row;
    }
  }

  /** This job's state, read in one query with those of the jobs starting within JOB_READ_GATHER_MS. */
  private readGathered(job: CheckJob): Promise<JobState | undefined> {
    return new Promise((resolve, reject) => {
      this.gathering.push({ job, resolve, reject });
      this.gatherTimer ??= setTimeout(() => {
        this.gatherTimer = undefined;
        const gathered = this.gathering.splice(0);
        readJobStates(this.deps.database.pool, gathered.map((g) => g.job)).then(
          (states) => gathered.forEach((g, index) => g.resolve(states[index])),
          (error: unknown) => gathered.forEach((g) => g.reject(error)),
        );
      }, JOB_READ_GATHER_MS);
    });
  }

  /** SPEC §2.4, re-read every run (with the job): the effective environments, in the system's order. */
  private environments(row: JobState): EnvironmentRow[] {
    if (!row.environments) return [];
    const wanted = new Set(effectiveEnvironments(row.environment_ids, row.environments.map((e) => e.id)));
    return row.environments.filter((e) => wanted.has(e.id));
  }

  /** Configs are migrated and validated once per configuration version, not once per run. */
  private async plan(row: JobState): Promise<ReturnType<typeof planDefinition>> {
    const key = `${row.configuration_id}:${row.updated_at.toISOString()}`;
    let planned = this.plans.get(key);
    if (!planned) {
      const definition = (await readDefinition(this.deps.database.pool, row.configuration_id)) ?? { config: {}, assertions: [], collectors: [] };
      if (this.plans.size >= PLAN_CACHE_LIMIT) this.plans.clear();
      planned = planDefinition(this.deps.strategies, { strategy: row.strategy, ...definition });
      this.plans.set(key, planned);
    }
    return planned;
  }
}

/** Keeps `value` under `key`, the map bounded by OUTAGE_CACHE_LIMIT (the oldest entry goes). */
function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > OUTAGE_CACHE_LIMIT) map.delete(map.keys().next().value!);
}
