import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Services } from '../../src/app.ts';
import { startFlipTarget, type FlipTarget } from '../support/flip-target.ts';
import type { RunningServer } from '../support/http-server.ts';
import { chromiumMissing as missing, signIn, startHarness, type Harness } from './support.ts';

/**
 * The web UI in real headless Chromium (Debian's, driven by playwright-core; never a downloaded
 * browser) against a real Vigil API in-process serving the built web/dist, and a real local target.
 * The steps run in order and share one browser; each leaves a screenshot under test-results/.
 * Any console error or failed request fails the test (the few the flow expects are named).
 * The public status page and badges, signed out, are in public.test.ts; the harness in support.ts.
 */
const ADMIN = { email: 'first@vigil.test', password: 'a long first password' };
const VIEWER = { email: 'viewer@vigil.test', password: 'a long viewer password' };

let harness: Harness;
let services: Services;
let server: RunningServer;
let target: FlipTarget;
let context: BrowserContext;
let page: Page;
let systemId: string;
let problems: string[];
let expected: Harness['expected'];
const watch = (p: Page) => harness.watch(p);
const shot = (name: string, p = page) => harness.shot(name, p);

beforeAll(async () => {
  if (missing) return;
  harness = await startHarness();
  ({ services, server, problems, expected } = harness);
  target = await startFlipTarget(200);
  context = await harness.newContext();
  page = await context.newPage();
  watch(page);
}, 120_000);

afterAll(async () => {
  if (missing) return;
  await harness?.close();
  await target?.close();
});

describe.skipIf(missing)('the web UI in Chromium', () => {
  it('serves the UI at / with long-cached hashed assets, and keeps the API’s paths', async () => {
    const index = await fetch(`${server.base}/`);
    expect(index.headers.get('cache-control')).toBe('no-cache');
    const html = await index.text();
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const script = await fetch(`${server.base}${asset}`);
    expect(script.status).toBe(200);
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect((await fetch(`${server.base}/systems/anything`)).headers.get('content-type')).toMatch(/text\/html/);
    for (const path of ['/api/nothing', '/status/nothing', '/badge/x/status.svg', '/assets/missing.js']) {
      expect((await fetch(`${server.base}${path}`)).status, path).toBe(404);
    }
    expect((await fetch(`${server.base}/healthz`)).status).toBe(200);
  });

  it('creates the first admin from the setup link, signs out and in again', async () => {
    const token = (await services.access.createSetupToken())!;
    await page.goto(`/setup?token=${token}`);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password', { exact: true }).fill(ADMIN.password);
    await page.getByLabel('Password again').fill(ADMIN.password);
    await shot('01-setup');
    await page.getByRole('button', { name: 'Create admin and sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByText('No systems yet').waitFor();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Vigil' }).waitFor();
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await shot('02-signed-in');
    expect(problems).toEqual([]);
  });

  it('creates a system and an HTTP check through the editor, with a test run before saving', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Systems' }).click();
    await page.getByLabel('Name').fill('checkout');
    await page.getByLabel('Description').fill('Takes the money');
    await page.getByRole('button', { name: 'Create system' }).click();
    await page.getByRole('heading', { name: 'checkout' }).waitFor();
    systemId = new URL(page.url()).pathname.split('/').pop()!;
    await page.getByRole('link', { name: 'Add a check' }).click();
    await page.getByRole('heading', { name: 'New check' }).waitFor();
    await page.locator('#check-name').fill('checkout http');
    await page.locator('#check-interval').fill('1');
    // The form is generated from the strategy's schema: the URL field has its path as id.
    await page.locator('#f-config-url').fill('not a url');
    await page.locator('#f-config-url-error').waitFor();
    await page.locator('#f-config-url').fill(target.url);
    await page.getByRole('button', { name: 'Add an assertion' }).click();
    // Only the collector's fields, and only the operators that fit the chosen one.
    const fields = await page.locator('#a-assertions-0-field option').allTextContents();
    expect(fields).toContain('statusCode');
    await page.locator('#a-assertions-0-field').selectOption('statusCode');
    expect(await page.locator('#a-assertions-0-operator option').allTextContents()).not.toContain('contains');
    await page.locator('#a-assertions-0-operator').selectOption('equals');
    await page.locator('#a-assertions-0-value').fill('200');
    await page.getByText('✓ Valid').waitFor();
    await page.getByRole('button', { name: 'Test run' }).click();
    const result = page.locator('.test-result .run-result');
    await result.waitFor();
    expect(await result.getAttribute('data-status')).toBe('healthy');
    await expect.poll(() => page.locator('.test-result .assertions .pass').count()).toBe(1);
    await shot('03-check-editor-test-run');
    await page.getByRole('button', { name: 'Create check' }).click();
    await page.getByRole('heading', { name: 'checkout' }).waitFor();
    expect(problems).toEqual([]);
  });

  it('shows the system go healthy on the dashboard', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Dashboard' }).click();
    const row = page.locator('.system-row[data-system="checkout"]');
    await row.waitFor();
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 15_000 }).toBe('healthy');
    await shot('04-dashboard-healthy');
  });

  it('shows a live status change when the target starts failing, without a reload', async () => {
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42));
    target.setStatus(500);
    const row = page.locator('.system-row[data-system="checkout"]');
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 20_000 }).not.toBe('healthy');
    // Same document: nothing reloaded it.
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42);
    await shot('05-dashboard-live-change');
    target.setStatus(200);
    expect(problems).toEqual([]);
  });

  it('draws the latency chart of the system page with data', async () => {
    // A day of history beside the runs the test made, so the chart has a line to draw.
    const [assignment] = (await services.checks.listAssignments({ limit: 1 }, { systemId })).items;
    for (let i = 1; i <= 48; i++) {
      const at = new Date(Date.now() - i * 30 * 60_000);
      await services.recorder.recordRun({ systemId, configurationId: assignment!.configurationId, environmentId: null, source: 'Local', status: 'healthy', latencyMs: 20 + (i % 7) * 5, message: '', result: {}, scheduledFor: at, at });
    }
    await page.locator('.system-row[data-system="checkout"] a').click();
    await page.getByRole('heading', { name: 'Latency' }).waitFor();
    const canvas = page.locator('.chart canvas');
    await canvas.waitFor();
    // Pixels of the series' colours (p50 #2a9d5c, p95 #d08c00, p99 #d1453b; equal values overlap): lines, not only axes.
    const count = () =>
      canvas.evaluate((element: HTMLCanvasElement) => {
        const { data } = element.getContext('2d')!.getImageData(0, 0, element.width, element.height);
        const colours = [[42, 157, 92], [208, 140, 0], [209, 69, 59]];
        let series = 0;
        let any = 0;
        for (let i = 0; i < data.length; i += 4) {
          if (data[i + 3]! > 0) any++;
          if (data[i + 3]! > 128 && colours.some(([r, g, b]) => Math.abs(data[i]! - r!) < 30 && Math.abs(data[i + 1]! - g!) < 30 && Math.abs(data[i + 2]! - b!) < 30)) series++;
        }
        return { series, any };
      });
    await expect.poll(async () => (await count()).series, { timeout: 5_000 }).toBeGreaterThan(200);
    const drawn = await count();
    await page.getByRole('heading', { name: 'Latest runs' }).waitFor();
    await shot('06-system-page');
    expect(drawn.any).toBeGreaterThan(1000);
    expect(problems).toEqual([]);
  });

  it('edits the check: the editor opens with what is stored and saves a change', async () => {
    await page.getByRole('link', { name: 'Edit' }).click();
    await page.getByRole('heading', { name: 'Edit checkout http' }).waitFor();
    expect(await page.locator('#f-config-url').inputValue()).toBe(target.url);
    expect(await page.locator('#a-assertions-0-field').inputValue()).toBe('statusCode');
    await page.locator('#check-interval').fill('2');
    await page.getByText('✓ Valid').waitFor();
    await page.getByRole('button', { name: 'Save changes' }).click();
    await page.getByRole('heading', { name: 'Latest runs' }).waitFor();
    const [assignment] = (await services.checks.listAssignments({ limit: 1 }, { systemId })).items;
    expect((await services.checks.getConfiguration(assignment!.configurationId)).intervalSeconds).toBe(2);
    expect(problems).toEqual([]);
  });

  it('opens every catalog page, and sends a channel’s test message', async () => {
    const receiver = await startFlipTarget(200);
    try {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Catalog' }).click();
      for (const [kind, heading] of <[string, string][]>[['groups', 'Groups'], ['environments', 'Environments'], ['secrets', 'Secrets'], ['maintenance', 'Maintenance windows'], ['incidents', 'Incidents'], ['users', 'Users'], ['audit', 'Audit log'], ['automations', 'Automations'], ['channels', 'Notification channels']]) {
        await page.getByRole('navigation', { name: 'Catalog' }).getByRole('link', { name: heading.replace(' windows', '') }).click();
        await page.getByRole('heading', { name: heading, exact: true }).waitFor();
        expect(new URL(page.url()).pathname).toBe(`/catalog/${kind}`);
      }
      await page.getByText('New channel').click();
      await page.getByLabel('Name').fill('ops hook');
      await page.getByLabel('Settings (JSON)').fill(JSON.stringify({ url: receiver.url }));
      await page.getByRole('button', { name: 'Create' }).click();
      await page.getByRole('cell', { name: 'ops hook', exact: true }).waitFor();
      await page.getByRole('button', { name: 'Send test' }).click();
      await page.getByText(/^delivered/).waitFor();
      expect(receiver.hits()).toBe(1);
      await shot('07-catalog-channels');
      // A subscription of the system to that channel.
      await page.getByRole('navigation', { name: 'Catalog' }).getByRole('link', { name: 'Subscriptions' }).click();
      await page.getByText('New subscription').click();
      await page.getByLabel('About').selectOption({ label: 'checkout' });
      await page.getByLabel('Channel').selectOption({ label: 'ops hook' });
      await page.getByRole('button', { name: 'Create' }).click();
      await page.getByRole('cell', { name: 'ops hook', exact: true }).waitFor();
    } finally {
      await receiver.close();
    }
    expect(problems).toEqual([]);
  });

  it('warns before editing what configuration files manage, and asks before saving such an edit', async () => {
    // Applied with the admin's session, as `vigil apply` would with a token.
    const applied = await page.evaluate(async (url) => {
      const response = await fetch('/api/v1/apply', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          documents: [
            { apiVersion: 'vigil/v1', kind: 'Healthcheck', metadata: { name: 'files-http' }, spec: { strategy: 'http', config: { url }, intervalSeconds: 60 } },
            { apiVersion: 'vigil/v1', kind: 'System', metadata: { name: 'from-files' }, spec: { healthchecks: [{ ref: 'files-http' }] } },
          ],
        }),
      });
      return { status: response.status, body: (await response.json()) as { summary: { create: number } } };
    }, target.url);
    expect(applied.status).toBe(200);
    expect(applied.body.summary.create).toBeGreaterThanOrEqual(2);
    const notice = 'Managed by files (files): the next apply will undo changes made here';

    // The catalog marks it, with one request for the page.
    const asked: string[] = [];
    const count = (request: { url(): string }) => request.url().includes('/api/v1/managed-resources') && asked.push(request.url());
    page.on('request', count);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Systems' }).click();
    const row = page.getByRole('row', { name: /from-files/ });
    await row.waitFor();
    await expect.poll(() => row.locator('.tag.managed').count()).toBe(1);
    expect(await page.getByRole('row', { name: /checkout/ }).locator('.tag.managed').count()).toBe(0);
    expect(asked, asked.join(' ')).toHaveLength(1);
    expect(asked[0]).toContain('kind=System');
    page.off('request', count);

    // Its page says so, before anything is changed.
    await row.getByRole('link', { name: 'from-files' }).click();
    await page.getByRole('heading', { name: 'from-files', level: 1 }).waitFor();
    await page.getByRole('note').filter({ hasText: notice }).waitFor();
    await shot('08a-managed-system');
    // Saving an edit asks first: declined, nothing is written; accepted, it is.
    const managedId = new URL(page.url()).pathname.split('/').pop()!;
    await page.getByText('Edit system').click();
    await page.getByLabel('Description').fill('edited in the UI');
    const dialogs: string[] = [];
    page.once('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.getByRole('button', { name: 'Save system' }).click();
    await expect.poll(() => dialogs.length).toBe(1);
    expect(dialogs[0]).toContain(notice);
    expect((await services.catalog.getSystem(managedId)).description).not.toBe('edited in the UI');
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('button', { name: 'Save system' }).click();
    await page.getByText('edited in the UI', { exact: true }).waitFor();
    expect((await services.catalog.getSystem(managedId)).description).toBe('edited in the UI');

    // And the check editor of the check its files declare.
    await page.getByRole('link', { name: 'Edit', exact: true }).click();
    await page.getByRole('heading', { name: 'Edit files-http' }).waitFor();
    await page.getByRole('note').filter({ hasText: notice }).waitFor();
    await page.getByText('✓ Valid').waitFor();
    await shot('08b-managed-check');
    page.once('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => dialogs.length).toBe(2);
    expect(dialogs[1]).toContain(notice);
    await page.getByRole('link', { name: 'Cancel' }).click();
    await page.getByRole('heading', { name: 'from-files', level: 1 }).waitFor();
    expect(problems).toEqual([]);
  });

  it('creates an API token shown once with a copy button, and revokes it', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
    await page.getByRole('heading', { name: 'API tokens' }).waitFor();
    await page.getByRole('textbox', { name: 'Name' }).fill('ci token');
    await page.getByRole('button', { name: 'Create token' }).click();
    const value = await page.locator('#new-token').inputValue();
    expect(value).toMatch(/^vgl_/);
    // The token works: the API takes it.
    expect((await fetch(`${server.base}/api/v1/auth/me`, { headers: { authorization: `Bearer ${value}` } })).status).toBe(200);
    await page.getByRole('button', { name: 'Copy' }).waitFor();
    await shot('08-token-created');
    await page.getByRole('button', { name: 'Done' }).click();
    expect(await page.locator('#new-token').count()).toBe(0);
    page.once('dialog', (dialog) => void dialog.accept());
    await page.getByRole('row', { name: /ci token/ }).getByRole('button', { name: 'Revoke' }).click();
    await page.getByText('No tokens.').waitFor();
    expect((await fetch(`${server.base}/api/v1/auth/me`, { headers: { authorization: `Bearer ${value}` } })).status).toBe(401);
    expect(problems).toEqual([]);
  });

  it('shows a loading state while the API is slow, and a readable error when it fails', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/v1/health', async (route) => {
      await held;
      await route.continue();
    });
    await page.goto('/');
    await page.getByRole('status').filter({ hasText: 'Loading systems' }).waitFor();
    await shot('09-loading');
    release();
    await page.locator('.system-row[data-system="checkout"]').waitFor();
    await page.unroute('**/api/v1/health');

    expected.push({ status: 500, path: /^\/api\/v1\/health$/ });
    await page.route('**/api/v1/health', (route) => route.fulfill({ status: 500, contentType: 'application/json', body: JSON.stringify({ error: { code: 'internal', message: 'Internal server error', details: [] } }) }));
    await page.reload();
    const alert = page.getByRole('alert');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('Internal server error');
    await shot('10-error');
    await page.unroute('**/api/v1/health');
    await alert.getByRole('button', { name: 'Try again' }).click();
    await page.locator('.system-row[data-system="checkout"]').waitFor();
    expected.pop();
    expect(problems).toEqual([]);
  });

  it('shows a viewer no edit controls, and refuses a forced write with 403', async () => {
    await services.access.createUser({ email: VIEWER.email, password: VIEWER.password, role: 'viewer', name: 'Viewer', grants: [] } as Parameters<Services['access']['createUser']>[0]);
    // A phone-sized screen with the OS in dark mode: the UI follows it.
    const viewerContext = await harness.newContext({ viewport: { width: 375, height: 800 }, colorScheme: 'dark' });
    const viewer = await viewerContext.newPage();
    watch(viewer);
    expected.push({ status: 403, path: /^\/api\/v1\/systems$/ });
    await viewer.goto('/');
    await viewer.getByLabel('Email').fill(VIEWER.email);
    await viewer.getByLabel('Password').fill(VIEWER.password);
    await viewer.getByRole('button', { name: 'Sign in' }).click();
    await viewer.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await viewer.locator('.system-row[data-system="checkout"]').waitFor();
    await viewer.getByRole('button', { name: 'Menu' }).click();
    expect(await viewer.getByRole('link', { name: 'New check' }).count()).toBe(0);
    await viewer.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Systems' }).click();
    await viewer.getByRole('heading', { name: 'Systems' }).waitFor();
    expect(await viewer.getByRole('button', { name: 'Create system' }).count()).toBe(0);
    await viewer.getByRole('link', { name: 'checkout' }).click();
    await viewer.getByRole('heading', { name: 'Latest runs' }).waitFor();
    expect(await viewer.getByRole('link', { name: 'Add a check' }).count()).toBe(0);
    expect(await viewer.getByRole('link', { name: 'Edit' }).count()).toBe(0);
    expect(await viewer.getByRole('button', { name: 'Run now' }).count()).toBe(0);
    await shot('11-viewer-375px-dark', viewer);
    const status = await viewer.evaluate(async () => (await fetch('/api/v1/systems', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'sneaky' }) })).status);
    expect(status).toBe(403);
    await viewerContext.close();
    expect(problems).toEqual([]);
  });

  it('shows a user limited to some groups the dashboard of one of theirs, with a group picker', async () => {
    const group = await services.catalog.createGroup({ name: 'payments', description: '', systemIds: [systemId] });
    await services.catalog.createGroup({ name: 'empty team', description: '', systemIds: [] });
    const scoped = { email: 'payments@vigil.test', password: 'a long payments password' };
    await services.access.createUser({ email: scoped.email, password: scoped.password, role: null, name: 'Payments', grants: [{ role: 'viewer', groupIds: [group.id] }] } as unknown as Parameters<Services['access']['createUser']>[0]);
    const scopedContext = await harness.newContext();
    const other = await scopedContext.newPage();
    watch(other);
    await other.goto('/');
    await signIn(other, scoped);
    // Their group, chosen for them; its system; nothing of the others (from-files is in no group of theirs).
    const picker = other.getByLabel('Your group');
    await picker.waitFor();
    expect(await picker.locator('option').allTextContents()).toEqual(['payments']);
    await other.locator('.system-row[data-system="checkout"]').waitFor();
    expect(await other.locator('.system-row[data-system="from-files"]').count()).toBe(0);
    expect(await other.getByRole('alert').count()).toBe(0);
    await expect.poll(() => other.locator('.system-row[data-system="checkout"]').getAttribute('data-status')).not.toBe('none');
    await shot('12a-group-limited-dashboard', other);
    // Their system's page opens too: its checks read one by one, as they may not list them all.
    await other.locator('.system-row[data-system="checkout"] a').click();
    await other.getByRole('heading', { name: 'Latest runs' }).waitFor();
    await other.getByRole('cell', { name: 'checkout http', exact: true }).first().waitFor();
    expect(await other.getByRole('alert').count()).toBe(0);
    await scopedContext.close();
    expect(problems).toEqual([]);
  });

  it('changes the password on the account page; the old one no longer signs in, the new one does', async () => {
    const next = 'a longer second password';
    await page.goto('/');
    await page.getByRole('heading', { name: 'Dashboard' }).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account' }).click();
    await page.getByLabel('Current password').fill(ADMIN.password);
    await page.getByLabel('New password').fill(next);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.getByRole('status').filter({ hasText: 'Password changed' }).waitFor();
    await shot('13-password-changed');
    // Signed out (by the change itself, or here), the sign-in page takes only the new password.
    await page.goto('/');
    await page.getByRole('heading', { name: /^(Dashboard|Sign in to Vigil)$/ }).waitFor();
    if (await page.getByRole('button', { name: 'Sign out' }).isVisible()) await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Vigil' }).waitFor();
    expected.push({ status: 401, path: /^\/api\/v1\/auth\/login$/ });
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('heading', { name: 'Dashboard' }).count()).toBe(0);
    await shot('14-old-password-refused');
    await signIn(page, { email: ADMIN.email, password: next });
    expected.pop();
    await page.locator('.system-row[data-system="checkout"]').waitFor();
    await shot('15-signed-in-with-new-password');
    expect(problems).toEqual([]);
  });
});
