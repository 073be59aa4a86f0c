import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Hono, type Context, type Next } from 'hono';

/**
 * The web UI (web/, built into web/dist by `npm run build`): hashed files under /assets/ cached for
 * a year, index.html never cached, and the single-page app's own routes answered with index.html.
 * Paths the server answers itself are never shadowed. Without a build, `/` says how to make one.
 */

/** web/dist beside src/ (running from source) or beside dist/ (compiled): both are two levels up. */
export const WEB_DIST = fileURLToPath(new URL('../../web/dist', import.meta.url));

/** Prefixes the server owns; the UI never answers them (the public status page and badges included). */
const RESERVED = ['/api', '/ping', '/status', '/badge', '/healthz', '/readyz', '/metrics', '/mcp', '/assets'];

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

const IMMUTABLE = 'public, max-age=31536000, immutable';

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Vigil</title>
<style>body{font:16px system-ui;max-width:36rem;margin:4rem auto;padding:0 1rem}code{background:#8882;padding:0 .2em}</style></head>
<body><h1>Vigil is running</h1>
<p>The web UI has not been built. Build it with <code>npm run build</code> (it lands in <code>web/dist</code>), then reload this page.</p>
<p>The API answers meanwhile: its documentation is at <a href="/api/docs">/api/docs</a>.</p></body></html>`;

const reserved = (path: string) => RESERVED.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));

export function webAssets(options: { dist?: string } = {}): Hono {
  const dist = resolve(options.dist ?? WEB_DIST);
  const assets = join(dist, 'assets');
  const router = new Hono();

  const sendFile = async (c: Context, file: string, cacheControl: string) => {
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) return undefined;
    const headers = { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream', 'cache-control': cacheControl, 'content-length': String(info.size) };
    if (c.req.method === 'HEAD') return c.body(null, 200, headers);
    return c.body(await readFile(file), 200, headers);
  };

  const index = async (c: Context) => {
    const response = await sendFile(c, join(dist, 'index.html'), 'no-cache');
    return response ?? c.html(NOT_BUILT, 200, { 'cache-control': 'no-cache' });
  };

  // Registered for every method (so the 405 answers of real routes are unchanged), acting on GET and HEAD only.
  router.use('*', async (c: Context, next: Next) => {
    if (c.req.method !== 'GET' && c.req.method !== 'HEAD') return next();
    const path = c.req.path;
    if (path.startsWith('/assets/')) {
      const file = resolve(assets, decodeURIComponent(path.slice('/assets/'.length)));
      if (!file.startsWith(`${assets}${sep}`)) return next();
      return (await sendFile(c, file, IMMUTABLE)) ?? next();
    }
    // The first-admin link (/setup?token=…) opens the UI's setup page once the UI is built; the
    // server's plain page answers otherwise.
    if (path === '/setup') return existsSync(join(dist, 'index.html')) ? index(c) : next();
    if (reserved(path)) return next();
    if (path === '/' || path === '/index.html') return index(c);
    // Files at the top of the build (favicon): an hour; anything else with an extension is not a page.
    if (extname(path)) {
      const file = resolve(dist, `.${decodeURIComponent(path)}`);
      if (!file.startsWith(`${dist}${sep}`) || file.startsWith(`${assets}${sep}`)) return next();
      return (await sendFile(c, file, 'public, max-age=3600')) ?? next();
    }
    // A route of the single-page app: index.html, which reads the path. Without a build, the usual 404.
    if (!existsSync(join(dist, 'index.html'))) return next();
    return index(c);
  });
  return router;
}
