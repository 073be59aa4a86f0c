import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterAll, describe, expect, it } from 'vitest';
import { webAssets } from './web-assets.ts';

const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** The UI's router behind a stand-in for the server's own routes, as src/app.ts mounts it. */
function appServing(dist: string) {
  const app = new Hono();
  app.route('/', webAssets({ dist }));
  app.get('/setup', (c) => c.text('server setup page'));
  app.get('/status', (c) => c.text('status page'));
  app.notFound((c) => c.json({ error: 'not found' }, 404));
  return app;
}

function built(): string {
  const root = mkdtempSync(join(tmpdir(), 'vigil-web-'));
  dirs.push(root);
  const dist = join(root, 'dist');
  mkdirSync(join(dist, 'assets'), { recursive: true });
  writeFileSync(join(dist, 'index.html'), '<!doctype html><script src="/assets/app-1234.js"></script>');
  writeFileSync(join(dist, 'assets', 'app-1234.js'), 'console.log(1)');
  writeFileSync(join(dist, 'favicon.svg'), '<svg/>');
  writeFileSync(join(root, 'secret.txt'), 'not served');
  return dist;
}

describe('the web UI’s files', () => {
  it('serves hashed assets for a year, index.html never cached, and client routes as index.html', async () => {
    const app = appServing(built());
    const index = await app.request('/');
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(await index.text()).toContain('/assets/app-1234.js');
    const asset = await app.request('/assets/app-1234.js');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-type')).toMatch(/javascript/);
    const route = await app.request('/systems/0000/whatever');
    expect(route.status).toBe(200);
    expect(await route.text()).toContain('<!doctype html>');
    expect((await app.request('/favicon.svg')).headers.get('content-type')).toBe('image/svg+xml');
    // The setup link opens the UI's page once it is built.
    expect(await (await app.request('/setup?token=abc')).text()).toContain('<!doctype html>');
  });

  it('never shadows the server’s paths, nor serves files outside the build', async () => {
    const app = appServing(built());
    expect(await (await app.request('/status')).text()).toBe('status page');
    for (const path of ['/api/v1/x', '/ping/abc', '/badge/x/status.svg', '/metrics', '/healthz', '/assets/missing.js', '/assets/..%2F..%2Fsecret.txt', '/..%2Fsecret.txt', '/nothing.txt']) {
      expect((await app.request(path)).status, path).toBe(404);
    }
    expect((await app.request('/', { method: 'POST' })).status).toBe(404);
  });

  it('without a build: / says how to make one, /setup is the server’s page, other paths are 404', async () => {
    const app = appServing(join(tmpdir(), 'vigil-web-never-built'));
    const home = await app.request('/');
    expect(home.status).toBe(200);
    expect(await home.text()).toContain('npm run build');
    expect(await (await app.request('/setup?token=abc')).text()).toBe('server setup page');
    expect((await app.request('/systems/1')).status).toBe(404);
  });
});
