/**
 * The web UI's dashboard with 1,000 systems (10 environments, 10 checks each: 10,000 assignments)
 * in Debian's Chromium: time to the first rendered row, time until a search filters the list, JS
 * heap, frames dropped while 50 health changes a second arrive on the event stream, and the
 * gzip size of the JavaScript and CSS the dashboard loads. Needs the local PostgreSQL and a built
 * web/dist (`npm run build`).
 *
 *   node bin/run-ts.js bench/ui.ts        (also `npm run bench -- ui`)
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { buildWebIfStale } from '../bin/build.js';
import { createHttpApp, createServices } from '../src/app.ts';
import { WEB_DIST } from '../src/api/web-assets.ts';
import { createMemoryBus } from '../src/events/bus.ts';
import { silentLogger } from '../src/kernel/log.ts';
import { createMemoryQueue } from '../src/queue/memory.ts';
import { serveOnLoopback } from '../test/support/http-server.ts';
import { createBenchDatabase } from './database.ts';

const SYSTEMS = 1_000;
const ENVIRONMENTS = 10;
const CHECKS = 10;
const ADMIN = { email: 'bench@vigil.test', password: 'a long bench password' };

buildWebIfStale();
const { database, drop } = await createBenchDatabase('ui');
const bus = createMemoryBus();
const queue = createMemoryQueue();
const services = createServices(database, bus, silentLogger(), randomBytes(32), queue);
await services.access.ensureAdmin(ADMIN.email, ADMIN.password);
const [admin] = await services.access.listUsers();
const { token } = await services.access.createToken({ kind: 'user', userId: admin!.id, email: ADMIN.email, role: 'admin', grants: [] }, { name: 'bench' });
const app = createHttpApp(database, services, silentLogger());
const call = async (method: string, path: string, body: unknown) => {
  const response = await app.request(path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response.json() as Promise<{ id: string }>;
};
async function pool<T>(items: T[], concurrency: number, work: (item: T) => Promise<unknown>) {
  let next = 0;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

const seeding = performance.now();
const systems: string[] = [];
const assignments: { systemId: string; configurationId: string }[] = [];
try {
  const environments: string[] = [];
  for (let i = 0; i < ENVIRONMENTS; i++) environments.push((await call('POST', '/api/v1/environments', { name: `env-${i}` })).id);
  const configurations: string[] = [];
  for (let i = 0; i < CHECKS; i++) configurations.push((await call('POST', '/api/v1/configurations', { name: `check-${i}`, strategy: 'tcp', config: { host: '127.0.0.1', port: 1, timeout: 1000 }, intervalSeconds: 3600, enabled: true })).id);
  await pool([...Array(SYSTEMS).keys()], 8, async (i) => {
    const system = await call('POST', '/api/v1/systems', { name: `system-${String(i).padStart(4, '0')}`, description: `bench system ${i}` });
    systems.push(system.id);
    await call('PUT', `/api/v1/systems/${system.id}/environments`, { environmentIds: environments.slice(0, 1 + (i % 3)) });
  });
  assignments.push(...systems.flatMap((systemId) => configurations.map((configurationId) => ({ systemId, configurationId }))));
  await pool(assignments, 8, (a) => call('POST', '/api/v1/assignments', { ...a, environmentIds: [] }));
  // One run per assignment: every system has a status and a latency.
  await pool(assignments, 8, (a) => {
    const at = new Date();
    return services.recorder.recordRun({ ...a, environmentId: null, source: 'Local', status: Math.random() < 0.05 ? 'unhealthy' : 'healthy', latencyMs: Math.round(5 + Math.random() * 50), message: '', result: {}, scheduledFor: at, at });
  });
} catch (error) {
  await drop();
  throw error;
}
console.log(`Seeded ${SYSTEMS} systems, ${assignments.length} assignments and as many runs in ${((performance.now() - seeding) / 1000).toFixed(1)} s.\n`);

const server = await serveOnLoopback(app.fetch);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
const rows: string[] = [];
try {
  const context = await browser.newContext({ baseURL: server.base, viewport: { width: 1280, height: 900 } });
  const login = await context.request.post('/api/v1/auth/login', { data: ADMIN, headers: { origin: server.base } });
  if (!login.ok()) throw new Error(`sign-in: ${login.status()}`);
  for (let round = 0; round < 3; round++) {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const started = Date.now();
    await page.goto('/');
    await page.locator('.system-row').first().waitFor({ timeout: 60_000 });
    const firstRows = Date.now() - started;
    const inDom = await page.locator('.system-row').count();
    const calls = (await page.evaluate(`performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/v1/')).map((e) => [new URL(e.name).pathname, Math.round(e.duration), e.transferSize])`)) as [string, number, number][];
    const slow = calls.filter(([path]) => /\/(health|uptime|systems)$/.test(path)).map(([path, ms, bytes]) => `${path.replace('/api/v1/', '')} ${ms} ms (${Math.round(bytes / 1024)} KB)`).join(', ');
    // Interactive: a search typed into the filter has narrowed the list.
    const typed = Date.now();
    await page.getByRole('searchbox').fill('system-0999');
    await page.waitForFunction(() => document.querySelectorAll('.system-row').length === 1);
    const filtered = Date.now() - typed;
    await page.getByRole('searchbox').fill('');
    await page.waitForFunction(() => document.querySelectorAll('.system-row').length > 1);
    // 50 health changes a second for 5 s, through the real event stream, while frames are counted.
    // A string, not a function: tsx's name helpers do not exist in the page.
    await page.evaluate(`(() => {
      window.frameGaps = [];
      let last = performance.now();
      const tick = (now) => { window.frameGaps.push(now - last); last = now; requestAnimationFrame(tick); };
      requestAnimationFrame(tick);
    })()`);
    const statuses = ['healthy', 'degraded', 'unhealthy'] as const;
    for (let i = 0; i < 250; i++) {
      const systemId = systems[Math.floor(Math.random() * systems.length)]!;
      await bus.publish({ id: randomUUID(), topic: 'healthcheck.system_health_changed', payload: { systemId, systemName: 'x', previousStatus: 'healthy', newStatus: statuses[i % 3]!, healthyChecks: 9, totalChecks: 10, timestamp: new Date().toISOString() } } as never);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    await page.waitForTimeout(300);
    const frames = (await page.evaluate('window.frameGaps.slice(1)')) as number[];
    const dropped = frames.reduce((sum, f) => sum + Math.max(0, Math.round(f / (1000 / 60)) - 1), 0);
    const metrics = Object.fromEntries((await cdp.send('Performance.getMetrics')).metrics.map((m) => [m.name, m.value]));
    rows.push(`| ${round + 1} | ${firstRows} ms | ${slow} | ${filtered} ms | ${inDom} | ${((metrics.JSHeapUsedSize ?? 0) / 2 ** 20).toFixed(1)} MB | ${frames.length} frames, ${dropped} dropped, longest ${Math.round(Math.max(...frames))} ms |`);
    await page.close();
  }
} finally {
  await browser.close();
  await server.close();
  await queue.close();
  await drop();
}

console.log('| round | first rows drawn (navigation → first row) | its API calls | search filters the list | rows in the DOM | JS heap used | 5 s of 50 health changes/s |');
console.log('| --- | --- | --- | --- | --- | --- | --- |');
for (const row of rows) console.log(row);

// What the dashboard route loads: index.html's script and styles (other pages are split out).
const html = readFileSync(join(WEB_DIST, 'index.html'), 'utf8');
const files = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]!);
let raw = 0;
let gzip = 0;
for (const file of files) {
  const path = join(WEB_DIST, file);
  if (!existsSync(path)) continue;
  const bytes = readFileSync(path);
  raw += bytes.length;
  gzip += gzipSync(bytes, { level: 9 }).length;
}
console.log(`\nDashboard route: ${files.join(', ')} — ${(raw / 1024).toFixed(1)} KB, ${(gzip / 1024).toFixed(1)} KB gzip (target < 250 KB).`);
process.exit(0);
