import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { webIsStale } from '../../bin/build.js';
import { WEB_DIST } from '../../src/api/web-assets.ts';
import { createHttpApp, createServices, type Services } from '../../src/app.ts';
import { jobHandler } from '../../src/engine/run-now.ts';
import { loadSchedules } from '../../src/engine/desired-schedules.ts';
import { createScheduler, type Scheduler } from '../../src/engine/scheduler.ts';
import { createMemoryBus } from '../../src/events/bus.ts';
import { silentLogger } from '../../src/kernel/log.ts';
import { createMemoryQueue } from '../../src/queue/memory.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { serveOnLoopback, type RunningServer } from '../support/http-server.ts';

/**
 * What the browser tests share: a real Vigil API in-process (scheduler, queue, relay) serving the
 * built web/dist, Debian's headless Chromium driven by playwright-core (never a downloaded browser),
 * and the guard that turns any console error or failed request into a problem the steps assert on.
 */
export const CHROMIUM = '/usr/bin/chromium';
export const chromiumMissing = !existsSync(CHROMIUM);
if (chromiumMissing && process.env.CI === 'true') throw new Error(`${CHROMIUM} is missing: apt-get install chromium`);
if (chromiumMissing) console.warn(`Skipping the browser tests: ${CHROMIUM} is missing (apt-get install chromium)`);

export const SHOTS = join(process.cwd(), 'test-results', 'browser');

/** An answer a step expects to fail: not a problem. */
export interface Expected {
  status: number;
  path: RegExp;
}

export interface Harness {
  database: TestDatabase;
  services: Services;
  server: RunningServer;
  browser: Browser;
  /** Problems seen in the browser: console errors and failed requests, less those `expected` names. */
  problems: string[];
  expected: Expected[];
  /** A new context (its own cookies: nobody signed in) on the server. */
  newContext(options?: Parameters<Browser['newContext']>[0]): Promise<BrowserContext>;
  /** Reports the page's console errors, page errors, failed requests and error answers into `problems`. */
  watch(page: Page): void;
  /** A screenshot under test-results/browser/: the full page, unless `fullPage: false` (an SVG document, which Chromium cannot measure). */
  shot(name: string, page: Page, options?: { fullPage?: boolean }): Promise<Buffer>;
  close(): Promise<void>;
}

/**
 * The production build, as `npm run build` makes it. Under vitest NODE_ENV is `test`, and a build
 * made with it (test/support/global-setup.ts builds web/dist when stale) carries React's
 * development build: twice the size, and StrictMode mounting every page twice, so each page's
 * requests doubled. Such a build is made again, in a process of its own with NODE_ENV=production.
 */
function buildProductionWeb() {
  const assets = join(WEB_DIST, 'assets');
  const development = () => existsSync(assets) && readdirSync(assets).some((file) => file.endsWith('.js') && readFileSync(join(assets, file), 'utf8').includes('Check the render method'));
  if (!webIsStale() && !development()) return;
  // Browser test files run at once in several workers: one builds, the others wait for it.
  const lock = join(WEB_DIST, '..', '.dist-building');
  const deadline = Date.now() + 300_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      // A lock left by a run that died is not waited on for ever.
      if (Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 300_000 || Date.now() > deadline) rmSync(lock, { recursive: true, force: true });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 250);
    }
  }
  try {
    if (!webIsStale() && !development()) return;
    console.error('vigil: building the web UI (production) into web/dist …');
    const script = `import(${JSON.stringify(new URL('../../bin/build.js', import.meta.url).href)}).then((m) => m.buildWeb())`;
    const built = spawnSync(process.execPath, ['-e', script], { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'production' } });
    if (built.status !== 0 || development()) throw new Error('the production build of the web UI failed (see above)');
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

export async function startHarness(): Promise<Harness> {
  buildProductionWeb();
  mkdirSync(SHOTS, { recursive: true });
  const database = await createTestDatabase();
  const bus = createMemoryBus();
  const queue = createMemoryQueue();
  const services = createServices(database, bus, silentLogger(), randomBytes(32), queue);
  queue.work(jobHandler(services.executor, bus, services.testRunner), 20);
  const scheduler: Scheduler = createScheduler({ loadSchedules: () => loadSchedules(database.pool, services.strategies), queue, log: silentLogger(), reconcileMs: 60_000 });
  scheduler.start();
  bus.subscribe((event) => {
    if (event.topic === 'schedules.changed') void scheduler.reconcileNow();
  });
  services.relay.start();
  const server = await serveOnLoopback(createHttpApp(database, services, silentLogger()).fetch);
  // A fresh profile: playwright gives each launch its own new user-data directory, removed on close.
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const problems: string[] = [];
  const expected: Expected[] = [
    // Asked on every load: who is signed in (nobody yet, or after signing out).
    { status: 401, path: /^\/api\/v1\/auth\/me$/ },
  ];
  const allowed = (status: number, url: string) => expected.some((e) => e.status === status && e.path.test(new URL(url).pathname));
  const watch = (p: Page) => {
    p.on('console', (message) => {
      if (message.type() !== 'error') return;
      const status = /status of (\d{3})/.exec(message.text())?.[1];
      if (status && allowed(Number(status), message.location().url)) return;
      problems.push(`console: ${message.text()} (${message.location().url})`);
    });
    p.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    p.on('requestfailed', (request) => {
      // An event stream closed by the page as it moves on is not a failure.
      if (request.url().includes('/api/v1/events') && request.failure()?.errorText === 'net::ERR_ABORTED') return;
      problems.push(`request failed: ${request.method()} ${request.url()} ${request.failure()?.errorText}`);
    });
    p.on('response', (response) => {
      if (response.status() >= 400 && !allowed(response.status(), response.url())) problems.push(`response ${response.status()}: ${response.request().method()} ${response.url()}`);
    });
  };
  return {
    database,
    services,
    server,
    browser,
    problems,
    expected,
    newContext: (options) => browser.newContext({ baseURL: server.base, viewport: { width: 1280, height: 900 }, ...options }),
    watch,
    shot: (name, p, options) => p.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: options?.fullPage ?? true }),
    async close() {
      await browser.close();
      await scheduler.stop();
      await services.relay.stop();
      await queue.close();
      await server.close();
      await database.close();
    },
  };
}

/** Signs in through the sign-in page and waits for the dashboard. */
export async function signIn(page: Page, user: { email: string; password: string }) {
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
}
