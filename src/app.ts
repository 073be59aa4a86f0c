import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { serve, type ServerType } from '@hono/node-server';
import { Counter, Histogram } from 'prom-client';
import { createApi } from './api/server.ts';
import { createMetrics, type Metrics } from './api/metrics.ts';
import { catalogRoutes } from './catalog/routes.ts';
import { CatalogService } from './catalog/service.ts';
import { checksRoutes } from './checks/routes.ts';
import { ChecksService } from './checks/service.ts';
import { createDefinitionValidator, type DefinitionValidator } from './definitions/validation.ts';
import type { EmbeddedPostgres } from './db/embedded.ts';
import { migrationsApplied, migrationsFolder, openDatabase, type Database } from './db/database.ts';
import { Executor } from './engine/executor.ts';
import { engineRoutes } from './engine/routes.ts';
import { createScheduler } from './engine/scheduler.ts';
import { loadSchedules } from './engine/desired-schedules.ts';
import { createMemoryBus, type EventBus } from './events/bus.ts';
import { OutboxRelay } from './events/outbox.ts';
import { eventRoutes } from './events/routes.ts';
import { HealthRecorder } from './health/recorder.ts';
import { healthRoutes } from './health/routes.ts';
import { HealthService } from './health/service.ts';
import type { Logger } from './kernel/log.ts';
import { createMemoryQueue } from './queue/memory.ts';
import type { CheckQueue } from './queue/types.ts';
import { SecretCipher } from './secrets/cipher.ts';
import { loadSecretKey } from './secrets/key.ts';
import { secretsRoutes } from './secrets/routes.ts';
import { SecretsService } from './secrets/service.ts';
import type { Settings } from './settings.ts';
import { getCollector, getStrategy, listStrategies, type StrategyRegistry } from './strategies/registry.ts';

export interface App {
  /** The address the API listens on, e.g. http://127.0.0.1:8080 (absent for roles without an API). */
  url?: string;
  database: Database;
  services: Services;
  close(): Promise<void>;
}

export interface Services {
  catalog: CatalogService;
  checks: ChecksService;
  health: HealthService;
  recorder: HealthRecorder;
  executor: Executor;
  relay: OutboxRelay;
  bus: EventBus;
  secrets: SecretsService;
  strategies: StrategyRegistry;
  validateDefinition: DefinitionValidator;
  metrics: Metrics;
}

const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const migrationCount = (JSON.parse(readFileSync(`${migrationsFolder}/meta/_journal.json`, 'utf8')) as { entries: unknown[] }).entries.length;

const SCHEDULES_CHANGED = 'schedules.changed';

/** How many checks one worker process runs at once: checks mostly wait on the network, and a few slow targets must not hold everyone else's ticks back. */
const WORKER_CONCURRENCY = Number(process.env.VIGIL_WORKER_CONCURRENCY ?? 500);

/** The composition root: the only place that knows every part and wires them together. */
export async function startApp(settings: Settings, log: Logger, started: { embedded?: EmbeddedPostgres } = {}): Promise<App> {
  // Before the database: a missing or malformed key stops the start with nothing to undo.
  const secretKey = await loadSecretKey(settings, log);
  const database = await openDatabase({ databaseUrl: settings.databaseUrl, dataDir: settings.dataDir, log, embedded: started.embedded });
  log.info({ database: database.description }, 'Database ready');
  const stops: (() => Promise<void>)[] = [];
  try {
    // Redis clients load only when Redis is used: the embedded default starts without them.
    const bus = settings.redisUrl
      ? await (await import('./events/redis-bus.ts')).createRedisBus(settings.redisUrl, log, `${settings.redisPrefix}:events`)
      : createMemoryBus();
    stops.push(() => bus.close());
    const services = createServices(database, bus, log, secretKey);
    services.relay.start();
    stops.unshift(() => services.relay.stop());

    const runsWorkers = settings.role === 'all' || settings.role === 'worker';
    const runsScheduler = settings.role === 'all' || settings.role === 'scheduler';
    let queue: CheckQueue | undefined;
    if (runsWorkers || runsScheduler) {
      queue = settings.redisUrl
        ? (await import('./queue/bullmq.ts')).createBullmqQueue({ redisUrl: settings.redisUrl, prefix: settings.redisPrefix, log })
        : createMemoryQueue({ log });
      stops.unshift(() => queue!.close());
    }
    if (queue && runsWorkers) {
      const executor = services.executor;
      queue.work(async (job) => {
        await executor.execute(job);
      }, WORKER_CONCURRENCY);
      log.info({ concurrency: WORKER_CONCURRENCY, queue: settings.redisUrl ? 'redis' : 'in-process' }, 'Worker started');
    }
    if (queue && runsScheduler) {
      const scheduler = createScheduler({ loadSchedules: () => loadSchedules(database.pool), queue, log });
      scheduler.start();
      // Any process's API announces schedule changes on the bus; the scheduler follows at once.
      const unsubscribe = bus.subscribe((event) => {
        if (event.topic === SCHEDULES_CHANGED) void scheduler.reconcileNow();
      });
      stops.unshift(async () => {
        unsubscribe();
        await scheduler.stop();
      });
      log.info('Scheduler started');
    }

    let url: string | undefined;
    if (settings.role === 'all' || settings.role === 'api') {
      const server = await listen(createHttpApp(database, services, log).fetch, settings.host, settings.port);
      stops.unshift(() => closeServer(server));
      const address = server.address() as AddressInfo;
      url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
    }

    let closing: Promise<void> | undefined;
    return { url, database, services, close: () => (closing ??= runStops([...stops, () => database.close()], log)) };
  } catch (error) {
    await runStops([...stops, () => database.close()], log);
    throw error;
  }
}

/** The whole HTTP surface over the given services (tests call its `request` directly). */
export function createHttpApp(database: Database, services: Services, log: Logger) {
  return createApi({
    log,
    metrics: services.metrics,
    version,
    routers: [
      catalogRoutes(services.catalog),
      checksRoutes(services.checks, services.validateDefinition),
      healthRoutes(services.health),
      engineRoutes(services.checks, services.executor),
      eventRoutes(services.bus),
      secretsRoutes(services.secrets),
    ],
    ready: async () => ((await migrationsApplied(database.pool, migrationCount)) ? undefined : 'database migrations not applied'),
  });
}

/** `secretKey`: the 32-byte key that encrypts secrets at rest (see secrets/key.ts). */
export function createServices(database: Database, bus: EventBus, log: Logger, secretKey: Buffer): Services {
  const strategies: StrategyRegistry = { getStrategy, listStrategies, getCollector };
  const secrets = new SecretsService(database.db, new SecretCipher(secretKey));
  const validateDefinition = createDefinitionValidator(strategies, () => secrets.names());
  const metrics = createMetrics();
  const environmentResolutionFailed = new Counter({
    name: 'vigil_environment_resolution_failed_total',
    help: "Runs that went ahead env-less because the system's environments could not be read",
    registers: [metrics.registry],
  });
  const runsTotal = new Counter({
    name: 'vigil_runs_total',
    help: 'Runs recorded, by strategy and status',
    labelNames: ['strategy', 'status'] as const,
    registers: [metrics.registry],
  });
  const runLatency = new Histogram({
    name: 'vigil_run_latency_seconds',
    help: 'How long checks took, by strategy',
    labelNames: ['strategy'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [metrics.registry],
  });
  const schedulingLag = new Histogram({
    name: 'vigil_scheduling_lag_seconds',
    help: 'How late check jobs started after their tick was due (includes waiting for a free worker slot)',
    buckets: [0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [metrics.registry],
  });
  const relay = new OutboxRelay(database.pool, bus, log);
  const recorder = new HealthRecorder(database, relay, bus, log);
  const executor = new Executor({
    database,
    strategies,
    recorder,
    secrets,
    log,
    signals: {
      environmentResolutionFailed(info) {
        environmentResolutionFailed.inc();
        bus.publish({ id: `${info.systemId}:${info.configurationId}:${Date.now()}`, topic: 'environment_resolution_failed', payload: info }).catch(() => undefined);
      },
      jobStarted(lagMs) {
        schedulingLag.observe(Math.max(0, lagMs) / 1000);
      },
      runRecorded(run) {
        runsTotal.inc({ strategy: run.strategy, status: run.status });
        if (run.latencyMs !== null) runLatency.observe({ strategy: run.strategy }, run.latencyMs / 1000);
      },
    },
  });
  /** Best effort: a failure leaves the stored views as they were until the system's next run. */
  const recomputeHealth = (systemIds: string[]) => {
    for (const systemId of new Set(systemIds)) {
      recorder.recomputeSystem(systemId).catch((error: unknown) => log.error({ err: error, systemId }, 'Could not re-evaluate the health of a changed system'));
    }
  };
  return {
    catalog: new CatalogService(database.db, (systemId) => recomputeHealth([systemId])),
    checks: new ChecksService(database.db, validateDefinition, (systemIds) => {
      bus.publish({ id: randomUUID(), topic: SCHEDULES_CHANGED, payload: {} }).catch((error: unknown) => log.warn({ err: error }, 'Could not announce a schedule change'));
      recomputeHealth(systemIds);
    }),
    health: new HealthService(database.pool),
    recorder,
    executor,
    relay,
    bus,
    secrets,
    strategies,
    validateDefinition,
    metrics,
  };
}

function listen(fetch: Parameters<typeof serve>[0]['fetch'], hostname: string, port: number): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname, port, createServer }, () => resolve(server));
    server.once('error', reject);
  });
}

/** Stop accepting, let in-flight requests finish (open event streams are cut). */
function closeServer(server: ServerType): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve());
    if ('closeIdleConnections' in server) server.closeIdleConnections();
    // Server-sent-event streams never finish on their own.
    setTimeout(() => 'closeAllConnections' in server && server.closeAllConnections(), 2_000).unref();
  });
}

/** Runs every stop in order; one failing does not keep the others (or the database) from closing. */
async function runStops(stops: (() => Promise<void>)[], log: Logger): Promise<void> {
  for (const stop of stops) {
    await stop().catch((error: unknown) => log.error({ err: error }, 'A part failed to stop cleanly'));
  }
}
