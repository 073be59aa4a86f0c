import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serve, type ServerType } from '@hono/node-server';
import { accessMiddleware } from './access/middleware.ts';
import { mcpHandler } from './ai/mcp-routes.ts';
import type { ScopeFacts } from './access/scope.ts';
import { allSystemIds, groupsOfSystems, missingGroups, missingSystems, systemsOfGroup } from './catalog/read.ts';
import { historyRoutes } from './history/routes.ts';
import { HistoryService } from './history/service.ts';
import { HistoryPurge } from './history/purge.ts';
import { RetentionJob } from './history/retention.ts';
import { sloRoutesFor } from './history/slo-routes.ts';
import { SloService } from './history/slo-service.ts';
import { suppressingIncidents } from './incidents/read.ts';
import { incidentRoutesFor } from './incidents/routes.ts';
import { IncidentsService } from './incidents/service.ts';
import { systemsInMaintenance } from './maintenance/read.ts';
import { maintenanceRoutes } from './maintenance/routes.ts';
import { MaintenanceService } from './maintenance/service.ts';
import { NotificationLoop } from './notifications/loop.ts';
import type { ActionDoors } from './automation/actions/types.ts';
import { AutomationRunner } from './automation/runner.ts';
import { isTrigger } from './automation/triggers.ts';
import { PassLoop } from './kernel/pass-loop.ts';
import { NotificationPlanner } from './notifications/planner.ts';
import type { PolicyFields } from './notifications/policy.ts';
import { notificationRoutes } from './notifications/routes.ts';
import { NotificationSender } from './notifications/sender.ts';
import { NotificationsService } from './notifications/service.ts';
import { systemOfAssignment, systemsOfConfiguration } from './checks/read.ts';
import { hostCommandGate } from './access/host-commands.ts';
import { LoginLimiter } from './access/login-limit.ts';
import { OidcService, type OidcConfig } from './access/oidc.ts';
import { oidcRoutes } from './access/oidc-routes.ts';
import type { Role } from './access/roles.ts';
import { accessRoutes } from './access/routes.ts';
import { AccessService, type AccessOptions } from './access/service.ts';
import { userEmails, userIdsByEmail } from './access/read.ts';
import { createApi } from './api/server.ts';
import { createMetrics, type Metrics } from './api/metrics.ts';
import { webAssets } from './api/web-assets.ts';
import { automationRoutes } from './automation/routes.ts';
import { GitopsService } from './gitops/apply.ts';
import { ConfigDirectory } from './gitops/config-dir.ts';
import { gitopsRoutes } from './gitops/routes.ts';
import { AutomationService } from './automation/service.ts';
import { catalogRoutes } from './catalog/routes.ts';
import { CatalogService } from './catalog/service.ts';
import { catalogueRoutes } from './checks/catalogue-routes.ts';
import { checksRoutes } from './checks/routes.ts';
import { ChecksService } from './checks/service.ts';
import { createDefinitionValidator, type DefinitionValidator } from './definitions/validation.ts';
import type { EmbeddedPostgres } from './db/embedded.ts';
import { migrationsApplied, migrationsFolder, openDatabase, type Database } from './db/database.ts';
import { Executor } from './engine/executor.ts';
import { engineSignals, heldRunsMetrics } from './engine/metrics.ts';
import { engineRoutes } from './engine/routes.ts';
import { RunNow, jobHandler } from './engine/run-now.ts';
import { TestRunner, TestRuns } from './engine/test-run.ts';
import { testRunRoutes } from './engine/test-run-routes.ts';
import { createScheduler } from './engine/scheduler.ts';
import { loadSchedules } from './engine/desired-schedules.ts';
import { createMemoryBus, type EventBus } from './events/bus.ts';
import { OutboxRelay, pruneOutbox } from './events/outbox.ts';
import { eventRoutes } from './events/routes.ts';
import { HealthRecorder } from './health/recorder.ts';
import { PingLimiter } from './heartbeats/limit.ts';
import { heartbeatRoutes, pingRoutes } from './heartbeats/routes.ts';
import { HeartbeatService } from './heartbeats/service.ts';
import { runSummaries, systemOfRun, unrunTicks } from './health/read.ts';
import { healthRoutes } from './health/routes.ts';
import { HealthService } from './health/service.ts';
import { StartError } from './kernel/errors.ts';
import { ambientDb, ambientPool, whenCommitted } from './db/ambient.ts';
import type { Logger } from './kernel/log.ts';
import { createMemoryQueue } from './queue/memory.ts';
import type { CheckQueue, DueTick } from './queue/types.ts';
import { SecretCipher } from './secrets/cipher.ts';
import { KEY_FILE, loadSecretKey } from './secrets/key.ts';
import { secretsRoutes } from './secrets/routes.ts';
import { SecretsService } from './secrets/service.ts';
import { notificationDefaults, retentionDays, type Settings } from './settings.ts';
import { buildStrategyRegistry, createStrategies, getCollector, getStrategy, listStrategies, type StrategyRegistry } from './strategies/registry.ts';
import { confinementStatus, type ScriptConfinement } from './strategies/script/confinement.ts';
import { planDefinition } from './definitions/plan.ts';
import { missingSatellites, satelliteNames } from './satellites/read.ts';
import { SATELLITE_CHANNEL_PATH, satelliteChannelRoutes } from './satellites/agent-routes.ts';
import { satelliteRoutes } from './satellites/routes.ts';
import { statusPageRoutes } from './status-page/routes.ts';
import { StatusPageService } from './status-page/service.ts';
import { SatellitesService } from './satellites/service.ts';

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
  history: HistoryService;
  slos: SloService;
  recorder: HealthRecorder;
  executor: Executor;
  runNow: RunNow;
  /** Asks for test runs (API processes) … */
  testRuns: TestRuns;
  /** … and answers them (workers). */
  testRunner: TestRunner;
  relay: OutboxRelay;
  notifications: NotificationsService;
  incidents: IncidentsService;
  maintenance: MaintenanceService;
  automations: AutomationService;
  /** Plans deliveries from status changes and sends them; started on worker processes. */
  notificationLoop: NotificationLoop;
  /** Evaluates automation rules against events and runs their actions; started on worker processes. */
  automationLoop: PassLoop;
  bus: EventBus;
  secrets: SecretsService;
  strategies: StrategyRegistry;
  validateDefinition: DefinitionValidator;
  metrics: Metrics;
  access: AccessService;
  loginLimiter: LoginLimiter;
  heartbeats: HeartbeatService;
  pingLimiter: PingLimiter;
  gitops: GitopsService;
  satellites: SatellitesService;
}

const version = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
const migrationCount = (JSON.parse(readFileSync(`${migrationsFolder}/meta/_journal.json`, 'utf8')) as { entries: unknown[] }).entries.length;

/** The composition root: the only place that knows every part and wires them together. */
export async function startApp(settings: Settings, log: Logger, started: { embedded?: EmbeddedPostgres } = {}): Promise<App> {
  // Before the database: a missing or malformed key stops the start with nothing to undo.
  const secretKey = await loadSecretKey(settings, log);
  const database = await openDatabase({ databaseUrl: settings.databaseUrl, dataDir: settings.dataDir, log, embedded: started.embedded });
  log.info({ database: database.description }, 'Database ready');
  const stops = new Map<Part, () => Promise<void>>();
  try {
    // Redis clients load only when Redis is used: the embedded default starts without them.
    const bus = settings.redisUrl
      ? await (await import('./events/redis-bus.ts')).createRedisBus(settings.redisUrl, log, `${settings.redisPrefix}:events`)
      : createMemoryBus();
    stops.set('Event bus', () => bus.close());
    // Every role has the queue: workers consume it, schedulers fill it, API processes enqueue "run now".
    // A queue that starts with no schedules (a fresh process; Redis back empty) runs the ticks owed.
    const owed = (ticks: DueTick[]) => unrunTicks(database.pool, ticks);
    const queue: CheckQueue = settings.redisUrl
      ? (await import('./queue/bullmq.ts')).createBullmqQueue({ redisUrl: settings.redisUrl, prefix: settings.redisPrefix, log, unrunTicks: owed })
      : createMemoryQueue({ log, unrunTicks: owed });
    stops.set('Queue', () => queue.close());
    const servesApi = settings.role === 'all' || settings.role === 'api';
    // Failed sign-ins are counted in Redis when several API processes share the work, so the limit
    // holds across them; workers and schedulers take no sign-ins and open no connection for it.
    let loginLimiter = new LoginLimiter();
    let pingLimiter = new PingLimiter();
    if (settings.redisUrl && servesApi) {
      const { Redis } = await import('ioredis');
      const client = new Redis(settings.redisUrl, { maxRetriesPerRequest: 3, enableOfflineQueue: false, lazyConnect: true });
      (await import('./events/redis-bus.ts')).watchRedisConnection(client, log, 'sign-in limiter');
      await client.connect();
      stops.set('Sign-in limiter', async () => client.disconnect());
      loginLimiter = new LoginLimiter({ redis: { client, prefix: settings.redisPrefix } });
      pingLimiter = new PingLimiter({ redis: { client, prefix: settings.redisPrefix } });
    }
    const confinement = scriptConfinement(settings, started.embedded);
    const strategies = buildStrategyRegistry(createStrategies({ script: confinement }));
    const services = createServices(database, bus, log, secretKey, queue, {
      access: { sessionIdleMs: settings.sessionIdleHours * 3_600_000 },
      loginLimiter,
      pingLimiter,
      strategies,
      ...(settings.publicUrl ? { publicUrl: settings.publicUrl } : {}),
      notifications: notificationDefaults(settings),
    });
    services.relay.start();
    stops.set('Outbox relay', () => services.relay.stop());
    // Runs are group-committed: what the queue's last jobs (and the API's pings) handed over is written before the pools close.
    stops.set('Run writer', () => services.recorder.drain());
    if (settings.configDir) {
      // Before the scheduler and the API: a start with a sound directory runs what it declares from the first tick.
      const directory = new ConfigDirectory(settings.configDir, services.gitops, { strategies }, log);
      await directory.start();
      stops.set('Configuration directory', () => directory.stop());
      log.info({ directory: settings.configDir }, 'Watching the configuration directory');
    }

    const runsWorkers = settings.role === 'all' || settings.role === 'worker';
    const runsScheduler = settings.role === 'all' || settings.role === 'scheduler';
    if (runsWorkers) {
      queue.work(jobHandler(services.executor, bus, services.testRunner), settings.workerConcurrency);
      log.info({ concurrency: settings.workerConcurrency, queue: settings.redisUrl ? 'redis' : 'in-process' }, 'Worker started');
      // Workers are where scripts run: say whether they are confined (SPEC §7.6). Unconfined is
      // the documented default without bubblewrap; only `required` leaves scripts unable to run.
      // Notifications are planned and sent by workers: every second, and at once on a status change.
      services.notificationLoop.start();
      const unsubscribeNotifications = bus.subscribe((event) => {
        if (event.topic === 'healthcheck.system_health_changed' || event.topic.startsWith('incident.') || event.topic === 'maintenance.ended') void services.notificationLoop.kick();
      });
      stops.set('Notifications', async () => {
        unsubscribeNotifications();
        await services.notificationLoop.stop();
      });
      // Automation rules too: every second, and at once when an event they may trigger on is heard.
      services.automationLoop.start();
      const unsubscribeAutomations = bus.subscribe((event) => {
        if (isTrigger(event.topic)) void services.automationLoop.kick();
      });
      stops.set('Automations', async () => {
        unsubscribeAutomations();
        await services.automationLoop.stop();
      });
      const confined = await confinementStatus(confinement);
      if (!confined.active && confinement.mode === 'required') log.warn(confined.line);
      else log.info(confined.line);
    }
    if (runsScheduler) {
      const scheduler = createScheduler({ loadSchedules: () => loadSchedules(database.pool, strategies), queue, log });
      scheduler.start();
      // Any process's API announces schedule changes on the bus; the scheduler follows at once.
      const unsubscribe = bus.subscribe((event) => {
        if (event.topic === 'schedules.changed') void scheduler.reconcileNow();
      });
      stops.set('Scheduler', async () => {
        unsubscribe();
        await scheduler.stop();
      });
      log.info('Scheduler started');
      // Tiered retention (SPEC §5.2): asked hourly, done once a day by whichever scheduler gets the lock.
      const retention = new RetentionJob(database.pool, database.lockPool, {
        platform: retentionDays(settings),
        log,
      });
      let retaining: Promise<unknown> = Promise.resolve();
      const retain = () => (retaining = retention.run().catch((error: unknown) => log.error({ err: error }, 'Retention failed; it runs again within the hour')));
      const firstRetention = setTimeout(retain, 60_000);
      const hourlyRetention = setInterval(retain, 3_600_000);
      firstRetention.unref();
      hourlyRetention.unref();
      // SLO burn-rate alerts (SPEC §5.4): every scheduler evaluates each minute; the state row makes each change announce once.
      let evaluating: Promise<unknown> = Promise.resolve();
      const sloEvaluation = setInterval(() => {
        evaluating = services.slos.evaluateAll().catch((error: unknown) => log.error({ err: error }, 'SLO evaluation failed; it runs again in a minute'));
      }, 60_000);
      sloEvaluation.unref();
      // History of deleted systems and checks goes in batches, a few minutes after the delete (SPEC §6.3).
      const purge = new HistoryPurge(database.pool, log);
      let purging: Promise<unknown> = Promise.resolve();
      const purgeEvery = setInterval(() => {
        purging = Promise.all([
          purge.run(),
          // Delivered events older than two days: the outbox is a queue, not a history.
          pruneOutbox(database.pool, new Date(Date.now() - 2 * 86_400_000)),
        ]).catch((error: unknown) => log.error({ err: error }, 'History purge failed; it runs again in five minutes'));
      }, 300_000);
      purgeEvery.unref();
      stops.set('History jobs', async () => {
        clearTimeout(firstRetention);
        clearInterval(hourlyRetention);
        clearInterval(sloEvaluation);
        clearInterval(purgeEvery);
        await Promise.all([retaining, evaluating, purging]);
      });
      // Maintenance windows (SPEC §3.5): every scheduler moves their status each 5 s; the conditional update announces each start and end once.
      stops.set(
        'Maintenance windows',
        every(5_000, () => services.maintenance.advance(new Date()), (error) => log.error({ err: error }, 'Could not advance maintenance windows; it runs again in 5 seconds')),
      );
      // Heartbeats (SPEC §2.11): every scheduler looks for missed pings each 5 s; the run key records each missed slot once.
      stops.set(
        'Heartbeats',
        every(5_000, () => services.heartbeats.sweep(new Date()), (error) => log.error({ err: error }, 'Could not sweep heartbeats; it runs again in 5 seconds')),
      );
      // Satellites: every scheduler looks for missed heartbeats each 5 s; the conditional update announces each going offline once.
      stops.set(
        'Satellites',
        every(5_000, () => services.satellites.sweep(new Date()), (error) => log.error({ err: error }, 'Could not look for silent satellites; it runs again in 5 seconds')),
      );
    }

    let url: string | undefined;
    if (servesApi) {
      const sso = singleSignOn(settings);
      const oidc = sso && new OidcService(sso, { db: database.db, access: services.access, secretKey, log });
      if (sso) log.info({ issuer: sso.issuer, roleMap: sso.roleMap.length > 0, autoCreate: sso.autoCreate }, 'Single sign-on with OpenID Connect');
      const http = { maxBodyBytes: settings.maxBodyBytes, trustProxy: settings.trustProxy, scriptRole: settings.scriptRole, oidc, publicUrl: settings.publicUrl };
      const server = await listen(createHttpApp(database, services, log, http).fetch, settings.host, settings.port);
      // Idle sessions and expired setup tokens are refused when used; the sweep keeps the tables small.
      const sweep = setInterval(() => services.access.sweep().catch((error: unknown) => log.warn({ err: error }, 'Could not sweep idle sessions')), 3_600_000);
      sweep.unref();
      stops.set('API', async () => {
        clearInterval(sweep);
        await closeServer(server);
      });
      const address = server.address() as AddressInfo;
      url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
      await ensureFirstAdmin(services.access, settings, url, log);
    }

    let closing: Promise<void> | undefined;
    return { url, database, services, close: () => (closing ??= stopParts(stops, database, log)) };
  } catch (error) {
    await stopParts(stops, database, log);
    throw error;
  }
}

/** Runs `work` every `ms`, never two at once; the answer stops it and waits for a run under way. */
function every(ms: number, work: () => Promise<unknown>, failed: (error: unknown) => void): () => Promise<void> {
  let running: Promise<unknown> | undefined;
  const clock = setInterval(() => {
    running ??= work()
      .catch(failed)
      .finally(() => (running = undefined));
  }, ms);
  clock.unref();
  return async () => {
    clearInterval(clock);
    await running;
  };
}

/**
 * Scripts run confined as the settings say, never seeing Vigil's own files: the data directory
 * (the key file, the embedded PostgreSQL's files), and the embedded server's socket directory,
 * which a deep data directory puts elsewhere.
 */
function scriptConfinement(settings: Settings, embedded: EmbeddedPostgres | undefined): ScriptConfinement {
  const keyFile = settings.secretKey === undefined ? [join(settings.dataDir, KEY_FILE)] : [];
  const database = embedded ? [embedded.pgDir, embedded.socketDir] : [];
  return { mode: settings.scriptConfine, bwrapPath: settings.bwrapPath, hiddenPaths: [settings.dataDir, ...keyFile, ...database] };
}

/**
 * SPEC §8.1 first admin: from VIGIL_ADMIN_EMAIL + VIGIL_ADMIN_PASSWORD (idempotent, never logged),
 * or, while there is no user at all, a one-time setup link (1 h) printed for the person starting Vigil.
 */
async function ensureFirstAdmin(access: AccessService, settings: Settings, url: string, log: Logger): Promise<void> {
  if (settings.adminEmail && settings.adminPassword) {
    const outcome = await access.ensureAdmin(settings.adminEmail, settings.adminPassword);
    log.info({ email: settings.adminEmail }, outcome === 'created' ? 'Created the admin from VIGIL_ADMIN_EMAIL' : 'The admin from VIGIL_ADMIN_EMAIL exists');
    return;
  }
  const token = await access.createSetupToken();
  if (token) console.log(`No admin yet. Finish setup within an hour at ${url}/setup?token=${token}`);
}

/** The single sign-on settings, when VIGIL_OIDC_ISSUER is set (settings.ts makes sure the client comes with it). */
function singleSignOn(settings: Settings): OidcConfig | undefined {
  if (!settings.oidcIssuer || !settings.oidcClientId || !settings.oidcClientSecret) return undefined;
  return {
    issuer: settings.oidcIssuer,
    clientId: settings.oidcClientId,
    clientSecret: settings.oidcClientSecret,
    scopes: settings.oidcScopes,
    roleClaim: settings.oidcRoleClaim,
    roleMap: settings.oidcRoleMap,
    defaultRole: settings.oidcDefaultRole,
    autoCreate: settings.oidcAutoCreate,
    name: settings.oidcName,
  };
}

export interface HttpOptions {
  maxBodyBytes?: number;
  /** Believe X-Forwarded-Proto from a proxy (Secure session cookies behind HTTPS). */
  trustProxy?: boolean;
  /** The role that may write configurations running commands on the host (default admin). */
  scriptRole?: Role;
  /** Single sign-on; absent: off (GET /api/v1/auth/oidc says so). */
  oidc?: OidcService;
  /** VIGIL_PUBLIC_URL: where people reach Vigil (the provider sends them back there). */
  publicUrl?: string;
}

/** The whole HTTP surface over the given services (tests call its `request` directly). */
export function createHttpApp(database: Database, services: Services, log: Logger, options: HttpOptions = {}) {
  const hostCommands = hostCommandGate(services.strategies, options.scriptRole ?? 'admin');
  const app = createApi({
    maxBodyBytes: options.maxBodyBytes,
    authorize: accessMiddleware(services.access, { prefix: '/api/v1', trustProxy: options.trustProxy ?? false, scopeFacts: scopeFacts(database.db) }),
    setupPage: true,
    log,
    metrics: services.metrics,
    version,
    routers: [
      catalogRoutes(services.catalog),
      checksRoutes(services.checks, services.validateDefinition, hostCommands, (ids, origin) => services.heartbeats.pingUrls(ids, options.publicUrl ?? origin)),
      heartbeatRoutes(services.heartbeats, services.checks, options.publicUrl),
      testRunRoutes({ checks: services.checks, catalog: services.catalog, validateDefinition: services.validateDefinition, hostCommands, testRuns: services.testRuns, strategies: services.strategies }),
      catalogueRoutes(services.strategies),
      healthRoutes(services.health, { allSystems: (limit) => allSystemIds(database.db, limit) }),
      historyRoutes(services.history, {
        systemsOfGroup: (id) => systemsOfGroup(database.db, id),
        missingSystems: (ids, field) => missingSystems(database.db, ids, field),
        allSystems: (limit) => allSystemIds(database.db, limit),
      }),
      sloRoutesFor(services.slos),
      satelliteRoutes(services.satellites),
      notificationRoutes(services.notifications),
      incidentRoutesFor(services.incidents),
      maintenanceRoutes(services.maintenance),
      automationRoutes(services.automations),
      gitopsRoutes(services.gitops),
      engineRoutes(services.checks, services.health, services.runNow, services.strategies),
      eventRoutes(services.bus),
      secretsRoutes(services.secrets),
      accessRoutes(services.access, { sessionIdleMs: services.access.sessionIdleMs, trustProxy: options.trustProxy ?? false, limiter: services.loginLimiter, log }),
      oidcRoutes(options.oidc, { sessionIdleMs: services.access.sessionIdleMs, trustProxy: options.trustProxy ?? false, limiter: services.loginLimiter, log, publicUrl: options.publicUrl }),
    ],
    // The web UI last: it answers only what nothing above does (never /api, where the satellites' channel is).
    publicRouters: [
      pingRoutes(services.heartbeats, services.pingLimiter),
      statusPageRoutes(new StatusPageService({ db: database.db, pool: database.pool, health: services.health, history: services.history }), { publicUrl: options.publicUrl }),
      webAssets(),
    ],
    channelRouters: [{ path: SATELLITE_CHANNEL_PATH, router: satelliteChannelRoutes(services.satellites, services.bus) }],
    ready: async () => {
      // Runs held through an outage are written first: until then the stored state lags what was checked.
      const held = services.recorder.heldState();
      if (held.since) return `${held.reason}; ${held.held} runs held in memory since ${held.since.toISOString()}${held.dropped ? `, ${held.dropped} dropped` : ''}`;
      return (await migrationsApplied(database.pool, migrationCount)) ? undefined : 'database migrations not applied';
    },
  });
  // AI tools (SPEC §7.5) call the routes above in-process, as the caller, so they share their rules.
  const mcp = { access: services.access, scopeFacts: scopeFacts(database.db), checks: services.checks, notifications: services.notifications, log, version, trustProxy: options.trustProxy ?? false, hostCommands };
  app.post('/mcp', mcpHandler(mcp, app));
  return app;
}

/** What group-scoped grants are checked against (SPEC §8.1), read from the domains that own it. */
function scopeFacts(db: Database['db']): ScopeFacts {
  return {
    groupsOfSystems: (ids) => groupsOfSystems(db, ids),
    systemsOfGroup: (id) => systemsOfGroup(db, id),
    systemsOfConfiguration: (id) => systemsOfConfiguration(db, id),
    systemOfAssignment: (id) => systemOfAssignment(db, id),
    systemOfRun: (id) => systemOfRun(db, id),
  };
}

export interface ServiceOptions {
  access?: AccessOptions;
  loginLimiter?: LoginLimiter;
  pingLimiter?: PingLimiter;
  /** Built from the settings at start; tests get every strategy with its defaults. */
  strategies?: StrategyRegistry;
  /** VIGIL_PUBLIC_URL: links in notifications point there. */
  publicUrl?: string;
  /** Grouping window, platform policy and the mail server for users (settings.ts `notificationDefaults`). */
  notifications?: { groupWindowSeconds?: number; platformPolicy?: PolicyFields; userMail?: { url: string; from: string } };
}

/** `secretKey`: the 32-byte key that encrypts secrets at rest (see secrets/key.ts). */
export function createServices(database: Database, bus: EventBus, log: Logger, secretKey: Buffer, queue: CheckQueue, options: ServiceOptions = {}): Services {
  const { access = { sessionIdleMs: 7 * 24 * 3_600_000 }, loginLimiter = new LoginLimiter(), pingLimiter = new PingLimiter(), strategies = { getStrategy, listStrategies, getCollector } } = options;
  const cipher = new SecretCipher(secretKey);
  // The resources configuration documents declare join an ambient transaction when there is one
  // (db/ambient.ts: an apply is all or nothing across them); elsewhere these are the plain handles.
  const resourceDb = ambientDb(database.db);
  const resourcePool = ambientPool(database.pool);
  const secrets = new SecretsService(resourceDb, cipher);
  const validateDefinition = createDefinitionValidator(strategies, () => secrets.names());
  const metrics = createMetrics();
  const relay = new OutboxRelay(database.pool, bus, log);
  const recorder = new HealthRecorder(database, relay, bus, log);
  heldRunsMetrics(metrics.registry, () => recorder.heldState());
  const executor = new Executor({
    database,
    strategies,
    recorder,
    secrets,
    log,
    signals: engineSignals(metrics.registry, (info) => {
      bus.publish({ id: `${info.systemId}:${info.configurationId}:${Date.now()}`, topic: 'environment_resolution_failed', payload: info }).catch(() => undefined);
    }),
  });
  const accessService = new AccessService(database.db, {
    ...access,
    log,
    missingGroups: (ids) => missingGroups(database.db, ids),
    announce: (userId) => {
      bus.publish({ id: randomUUID(), topic: 'access.changed', payload: { userId } }).catch((error: unknown) => log.warn({ err: error }, 'Could not announce a change of credentials'));
    },
  });
  const history = new HistoryService(database.pool);
  // Every process drops what it cached about a user whose credentials changed on any process.
  bus.subscribe((event) => {
    if (event.topic === 'access.changed') accessService.forget(event.payload.userId);
    // A run that lands in an hour or day already closed changes what dashboards cached of it.
    if (event.topic === 'run.completed') history.forget(event.payload.systemId, new Date(event.payload.timestamp));
  });
  /** Best effort: a failure leaves the stored views as they were until the system's next run. After COMMIT inside an apply. */
  const recomputeHealth = (systemIds: string[]) => {
    for (const systemId of new Set(systemIds)) {
      whenCommitted(`recompute:${systemId}`, () => {
        recorder.recomputeSystem(systemId).catch((error: unknown) => log.error({ err: error, systemId }, 'Could not re-evaluate the health of a changed system'));
      });
    }
  };
  const notifications = new NotificationsService(resourceDb, cipher, async (tx, ids, field) =>
    (await missingGroups(tx, ids)).map((id) => ({ path: field, message: `no group with id ${id}` })),
  );
  const notifying = options.notifications ?? {};
  const notificationLoop = new NotificationLoop(
    new NotificationPlanner(database.pool, {
      log,
      ...notifying,
      ...(options.publicUrl ? { publicUrl: options.publicUrl } : {}),
      lookups: {
        incidents: (systemIds) => suppressingIncidents(database.pool, systemIds),
        maintenance: (systemIds, at) => systemsInMaintenance(database.pool, systemIds, at),
      },
    }),
    new NotificationSender(database.pool, database.db, notifications, { log, ...notifying }),
    log,
  );
  const announceSchedules = () =>
    whenCommitted('schedules.changed', () => {
      bus.publish({ id: randomUUID(), topic: 'schedules.changed', payload: {} }).catch((error: unknown) => log.warn({ err: error }, 'Could not announce a schedule change'));
    });
  const checks = new ChecksService(
    resourceDb,
    validateDefinition,
    (systemIds) => {
      announceSchedules();
      recomputeHealth(systemIds);
    },
    (db, ids, field) => missingSatellites(db, ids, field),
  );
  const incidents = new IncidentsService(resourceDb, resourcePool, { deliver: (ids) => relay.deliver(ids) });
  const maintenance = new MaintenanceService(resourceDb, resourcePool, { deliver: (ids) => relay.deliver(ids), log });
  const runNow = new RunNow(queue, bus);
  const automationRunner = new AutomationRunner(database.pool, {
    log,
    doors: automationDoors({ pool: database.pool, notifications, checks, incidents, maintenance, runNow, secrets }),
  });
  const catalog = new CatalogService(resourceDb, (systemId) => recomputeHealth([systemId]));
  const slos = new SloService(resourceDb, resourcePool, { deliver: (ids) => relay.deliver(ids), log });
  const automations = new AutomationService(resourceDb);
  const gitops: GitopsService = new GitopsService(
    database.pool,
    resourceDb,
    {
      catalog,
      checks,
      secrets,
      notifications,
      maintenance,
      automations,
      slos,
      strategies,
      users: { idsByEmail: (emails) => userIdsByEmail(resourceDb, emails), emails: (ids) => userEmails(resourceDb, ids) },
      appliedNames: (kind) => gitops.appliedNames(kind),
      satelliteNames: () => satelliteNames(resourceDb),
    },
    { strategies },
  );
  return {
    gitops,
    notifications,
    notificationLoop,
    automationLoop: new PassLoop(
      () => automationRunner.pass(),
      (error) => log.error({ err: error }, 'Automation pass failed; it runs again in a second'),
    ),
    catalog,
    checks,
    health: new HealthService(database.pool),
    history,
    slos,
    incidents,
    maintenance,
    automations,
    recorder,
    executor,
    runNow,
    testRuns: new TestRuns(queue, bus, cipher),
    testRunner: new TestRunner({ strategies, secrets, cipher, bus, log }),
    relay,
    bus,
    secrets,
    strategies,
    validateDefinition,
    metrics,
    access: accessService,
    loginLimiter,
    heartbeats: new HeartbeatService({ pool: database.pool, cipher, recorder, resolveSecrets: (names) => secrets.resolve(names), log }),
    pingLimiter,
    satellites: new SatellitesService({
      db: database.db,
      pool: database.pool,
      recorder,
      resolveSecrets: (names) => secrets.resolve(names),
      secretNamesOf: (definition) => {
        const planned = planDefinition(strategies, definition);
        return planned.ok ? planned.plan.secretNames : [];
      },
      deliver: (ids) => relay.deliver(ids),
      onAssignmentsChanged: recomputeHealth,
      log,
    }),
  };
}

function listen(fetch: Parameters<typeof serve>[0]['fetch'], hostname: string, port: number): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, hostname, port, createServer }, () => resolve(server));
    server.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') reject(new StartError(`Port ${port} is already in use; choose another with --port`));
      else if (error.code === 'EADDRNOTAVAIL') reject(new StartError(`Cannot listen on ${hostname}: no such address on this machine; choose another with --host`));
      else if (error.code === 'EACCES') reject(new StartError(`Not allowed to listen on port ${port}; choose one above 1023 with --port`));
      else reject(error);
    });
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

type Part = (typeof STOP_ORDER)[number];

/**
 * The order a process stops in: nothing new comes in (API, scheduler), in-flight runs finish
 * (queue, bounded by its grace), pending events go out, then the pools close and, last, the
 * embedded PostgreSQL stops: no part is left talking to a database that is gone.
 */
const STOP_ORDER = ['API', 'Configuration directory', 'Scheduler', 'History jobs', 'Maintenance windows', 'Heartbeats', 'Satellites', 'Automations', 'Notifications', 'Queue', 'Run writer', 'Outbox relay', 'Event bus', 'Sign-in limiter'] as const;

/** Stops each part that was started, one line each; one failing does not keep the others (or the database) from closing. */
async function stopParts(stops: ReadonlyMap<Part, () => Promise<void>>, database: Database, log: Logger): Promise<void> {
  for (const part of STOP_ORDER) {
    const stop = stops.get(part);
    if (!stop) continue;
    try {
      await stop();
      log.info(`${part} stopped`);
    } catch (error) {
      log.error({ err: error }, `${part} failed to stop cleanly`);
    }
  }
  await database.close().catch((error: unknown) => log.error({ err: error }, 'The database failed to close cleanly'));
  log.info('Database connections closed');
}

/**
 * What automation actions may do, each through the service that owns it (SPEC §6.1): the only
 * place that knows both sides. Changes they make are audited as the automation's.
 */
function automationDoors(parts: {
  pool: Database['pool'];
  notifications: NotificationsService;
  checks: ChecksService;
  incidents: IncidentsService;
  maintenance: MaintenanceService;
  runNow: RunNow;
  secrets: SecretsService;
}): Omit<ActionDoors, 'linkedIncident' | 'linkIncident'> {
  const { notifications, checks, incidents, maintenance, runNow, pool, secrets } = parts;
  const assignmentOf = async (systemId: string, configurationId: string) => {
    const page = await checks.listAssignments({ limit: 1 }, { systemId, configurationId }).catch(() => undefined);
    const assignment = page?.items[0];
    // SPEC §6.1's words; permanent: trying again will not make it exist.
    if (!assignment) throw Object.assign(new Error(`Assignment not found: ${systemId} ↔ ${configurationId}`), { permanent: true });
    return assignment;
  };
  return {
    secrets: (names) => secrets.resolve(names),
    sendToChannel: (channelId, message) => notifications.sendNow(channelId, message),
    subscriberChannels: (systemId) => notifications.channelsSubscribedTo(systemId),
    openIncident: async (input) => ({ id: (await incidents.create({ ...input, status: 'investigating' })).id }),
    updateIncident: async (incidentId, update) => {
      await incidents.postUpdate(incidentId, update);
    },
    runNow: async (systemId, configurationId) => {
      await assignmentOf(systemId, configurationId);
      const runIds = await runNow.run({ systemId, configurationId }, 60_000);
      if (!runIds) throw new Error('no worker ran the check within 60 s');
      return { runs: await runSummaries(pool, runIds) };
    },
    setAssignmentEnabled: async (systemId, configurationId, enabled) => {
      const assignment = await assignmentOf(systemId, configurationId);
      await checks.updateAssignment(assignment.id, { enabled });
    },
    startMaintenance: async ({ title, systemIds, minutes }) => {
      const now = Date.now();
      const window = await maintenance.create({
        title,
        description: 'Started by an automation rule',
        systemIds,
        groupIds: [],
        startsAt: new Date(now).toISOString(),
        endsAt: new Date(now + minutes * 60_000).toISOString(),
        rrule: null,
        timeZone: 'UTC',
        suppressNotifications: true,
      } as Parameters<MaintenanceService['create']>[0]);
      return { id: window.id };
    },
  };
}
