import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFlipTarget, type FlipTarget } from '../support/flip-target.ts';
import { waitFor } from '../support/wait.ts';
import { chromiumMissing as missing, signIn, startHarness, type Harness } from './support.ts';

/**
 * The public side in real headless Chromium: a maintenance window created through the UI's
 * maintenance page shows on the public status page, and the status page and a badge open without
 * signing in, with real content and nothing of a private system. Same guard as ui.test.ts: any
 * console error or failed request fails the step; screenshots under test-results/browser/.
 */
const ADMIN = { email: 'admin@vigil.test', password: 'a long admin password' };
const PUBLIC = 'storefront';
const PRIVATE = 'ledger-internal';

let harness: Harness;
let target: FlipTarget;
let privateId: string;

/** A page of a fresh context: its own cookie jar, nobody signed in. */
async function anonymous(): Promise<Page> {
  const context = await harness.newContext();
  const page = await context.newPage();
  harness.watch(page);
  return page;
}

beforeAll(async () => {
  if (missing) return;
  harness = await startHarness();
  target = await startFlipTarget(200);
  const { services } = harness;
  await services.access.createUser({ email: ADMIN.email, password: ADMIN.password, role: 'admin', name: 'Admin', grants: [] } as Parameters<typeof services.access.createUser>[0]);
  const shown = await services.catalog.createSystem({ name: PUBLIC, description: 'Where customers shop', public: true, groupIds: [], tags: {} });
  const hidden = await services.catalog.createSystem({ name: PRIVATE, description: 'Books only staff see', public: false, groupIds: [], tags: {} });
  privateId = hidden.id;
  for (const system of [shown, hidden]) {
    const check = await services.checks.createConfiguration({ name: `${system.name} http`, strategy: 'http', config: { url: target.url }, intervalSeconds: 1 } as unknown as Parameters<typeof services.checks.createConfiguration>[0]);
    await services.checks.createAssignment({ systemId: system.id, configurationId: check.id, environmentIds: null } as Parameters<typeof services.checks.createAssignment>[0]);
  }
  // The public system has a status before anyone looks: its check ran and passed.
  await waitFor(
    async () => {
      const page = (await (await fetch(`${harness.server.base}/status.json`, { cache: 'no-store' })).json()) as { systems: { name: string; level: string }[] };
      return page.systems.some((s) => s.name === PUBLIC && s.level === 'ok');
    },
    20_000,
    'the public system to be operational',
  );
}, 120_000);

afterAll(async () => {
  if (missing) return;
  await harness?.close();
  await target?.close();
});

describe.skipIf(missing)('the public status page and badges in Chromium', () => {
  it('opens the status page without signing in: the public system and its status, nothing of the private one', async () => {
    const page = await anonymous();
    const response = await page.goto('/status');
    expect(response?.status()).toBe(200);
    await page.getByRole('heading', { name: 'System status', level: 1 }).waitFor();
    const row = page.locator('.systems > li').filter({ has: page.getByRole('heading', { name: PUBLIC, exact: true }) });
    await row.waitFor();
    expect(await row.locator('.st').textContent()).toBe('Operational');
    expect(await row.locator('.desc').textContent()).toBe('Where customers shop');
    expect(await page.getByRole('status').first().textContent()).toBe('All systems operational');
    const html = await page.content();
    expect(html).not.toContain(PRIVATE);
    expect(html).not.toContain(privateId);
    expect(html).not.toContain('Books only staff see');
    // Not signed in, and the page did not ask the API anything that needs it.
    expect((await page.context().cookies()).length).toBe(0);
    await harness.shot('p1-status-page-signed-out', page);
    await page.context().close();
    expect(harness.problems).toEqual([]);
  });

  it('opens a badge without signing in: an SVG naming the system and its status; a private system has none', async () => {
    const page = await anonymous();
    const response = await page.goto(`/badge/${PUBLIC}/status.svg`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-type']).toMatch(/^image\/svg\+xml/);
    // Chromium shows the SVG as the document: its text is what a README shows.
    const shown = await page.evaluate(() => ({ root: document.documentElement.localName, text: document.documentElement.textContent ?? '', label: document.documentElement.getAttribute('aria-label') }));
    expect(shown.root).toBe('svg');
    expect(shown.text).toContain(PUBLIC);
    expect(shown.text).toContain('operational');
    expect(shown.label).toBe(`${PUBLIC}: operational`);
    await harness.shot('p2-badge-signed-out', page, { fullPage: false });
    // A private system's badge is not there, by name or by id, and says nothing of it.
    for (const key of [PRIVATE, privateId]) {
      const refused = await fetch(`${harness.server.base}/badge/${key}/status.svg`);
      expect(refused.status, key).toBe(404);
      expect(await refused.text()).not.toContain(PRIVATE);
    }
    await page.context().close();
    expect(harness.problems).toEqual([]);
  });

  it('creates a maintenance window on the maintenance page, and the public status page shows it to anyone', async () => {
    const context = await harness.newContext();
    const admin = await context.newPage();
    harness.watch(admin);
    await admin.goto('/');
    await signIn(admin, ADMIN);
    await admin.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Catalog' }).click();
    await admin.getByRole('navigation', { name: 'Catalog' }).getByRole('link', { name: 'Maintenance' }).click();
    await admin.getByRole('heading', { name: 'Maintenance windows', exact: true }).waitFor();
    await admin.getByText('New maintenance window').click();
    await admin.getByLabel('Title').fill('Payment provider upgrade');
    // Both systems: the public page names only the public one.
    await admin.getByLabel('Systems').selectOption([{ label: PUBLIC }, { label: PRIVATE }]);
    await admin.getByRole('button', { name: 'Create' }).click();
    const created = admin.getByRole('row', { name: /Payment provider upgrade/ });
    await created.waitFor();
    expect(await created.textContent()).toContain(PUBLIC);
    await harness.shot('p3-maintenance-created', admin);
    await context.close();

    const page = await anonymous();
    await page.goto('/status');
    const section = page.getByRole('region', { name: 'Maintenance' });
    await section.waitFor();
    const article = section.locator('article').filter({ has: page.getByRole('heading', { name: 'Payment provider upgrade' }) });
    await article.waitFor();
    const meta = await article.locator('.meta').textContent();
    expect(meta).toMatch(/^Scheduled · /);
    expect(meta).toContain(`affects ${PUBLIC}`);
    expect(await page.content()).not.toContain(PRIVATE);
    await harness.shot('p4-status-page-maintenance', page);
    await page.context().close();
    expect(harness.problems).toEqual([]);
  });
});
