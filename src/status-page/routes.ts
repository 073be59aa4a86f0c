import { Hono, type Context } from 'hono';
import { compress } from 'hono/compress';
import { etag } from 'hono/etag';
import { BADGE_RANGES, type BadgeRange } from './model.ts';
import { renderBadge, renderFeed, renderNotFound, renderPage } from './render.ts';
import type { StatusPageService } from './service.ts';

const PAGE_CACHE = 'public, max-age=30';
const BADGE_CACHE = 'public, max-age=60';

/**
 * The public status page, its JSON and Atom feed, and badges (issue 21): outside /api/v1 and its
 * authentication, for anyone, and outside the API document (they are pages and images, not API).
 * Answers are short-lived in caches, carry an ETag (a poll that finds nothing new costs a 304) and
 * are compressed when the client accepts it. `publicUrl`: where the feed's links point (absent:
 * the origin the caller reached).
 */
export function statusPageRoutes(service: StatusPageService, options: { publicUrl?: string } = {}): Hono {
  const router = new Hono();
  // Per route, never router.use('*'): mounted at the root, that would reach every other route too.
  const cached = [compress(), etag()] as const;

  const page = async (c: Context, slug: string | undefined) => {
    const json = slug === undefined ? c.req.path === '/status.json' : slug.endsWith('.json');
    const wanted = json && slug !== undefined ? slug.slice(0, -'.json'.length) : slug;
    const found = await service.page(wanted);
    c.header('Cache-Control', PAGE_CACHE);
    if (!found) return json ? c.json({ error: { code: 'not_found', message: 'No status page here' } }, 404) : c.html(renderNotFound(), 404);
    if (json) return c.json(found);
    return c.html(renderPage(found, wanted === undefined ? '/status' : `/status/${encodeURIComponent(wanted)}`));
  };

  router.get('/status', ...cached, (c) => page(c, undefined));
  router.get('/status.json', ...cached, (c) => page(c, undefined));
  // A typed trailing slash finds the page.
  router.get('/status/', (c) => c.redirect('/status', 301));
  router.get('/status/feed.atom', ...cached, async (c) => {
    const incidents = await service.feed();
    const origin = (options.publicUrl ?? new URL(c.req.url).origin).replace(/\/+$/, '');
    // The feed changed when its newest entry did; an empty feed is as old as the epoch.
    const updated = incidents[0]?.updatedAt ?? new Date(0).toISOString();
    return c.body(renderFeed(incidents, origin, updated), 200, { 'Content-Type': 'application/atom+xml; charset=utf-8', 'Cache-Control': PAGE_CACHE });
  });
  router.get('/status/:slug', ...cached, (c) => page(c, c.req.param('slug')));

  router.get('/badge/:system/:file', ...cached, async (c) => {
    const file = c.req.param('file');
    const headers = { 'Content-Type': 'image/svg+xml; charset=utf-8', 'Cache-Control': BADGE_CACHE };
    const range = c.req.query('range') ?? '30d';
    if (file === 'uptime.svg' && !(BADGE_RANGES as readonly string[]).includes(range)) {
      return c.text(`range: expected one of ${BADGE_RANGES.join(', ')}\n`, 400);
    }
    const kind =
      file === 'status.svg' ? ({ type: 'status' } as const)
      : file === 'uptime.svg' ? ({ type: 'uptime', range: range as BadgeRange } as const)
      : file === 'latency.svg' ? ({ type: 'latency' } as const)
      : undefined;
    if (!kind) return c.text('Not found: a badge is status.svg, uptime.svg or latency.svg\n', 404);
    const { found, badge } = await service.badge(c.req.param('system'), kind);
    return c.body(renderBadge(badge), found ? 200 : 404, headers);
  });
  return router;
}
