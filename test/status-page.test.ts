import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Status } from '../src/kernel/status.ts';
import { created, createTestApi, type TestApi } from './support/api.ts';

/**
 * The public status page, its JSON, the Atom feed and the badges (issue 21) over a real API and
 * database: systems, groups, incidents and maintenance made through the API, runs recorded
 * through the real write path, every answer fetched without credentials. Private systems, the
 * groups only they are in, check names and ids never appear in any answer.
 */

let api: TestApi;
const ids: Record<string, string> = {};
/** Everything that must never be published: private names, titles, and every internal id. */
const secrets: string[] = [];
let configurationId: string;
const DAY = 86_400_000;
const HOSTILE = `Pay & <Shop> "1" 'x'`;

const iso = (ms: number) => new Date(ms).toISOString();
const anonymous = { authorization: '' };

async function get(path: string, headers: Record<string, string> = {}) {
  const response = await api.app.request(path, { headers });
  return { status: response.status, headers: response.headers, text: await response.text() };
}

async function run(system: string, status: Status, at: number) {
  await api.services.recorder.recordRun({
    systemId: ids[system]!, configurationId, environmentId: null, source: 'Local', status, latencyMs: 120, message: '', result: {}, scheduledFor: new Date(at), at: new Date(at),
  });
}

beforeAll(async () => {
  api = await createTestApi();
  ids.core = (await created(api, '/api/v1/groups', { name: 'Core Services' })).id;
  ids.secretGroup = (await created(api, '/api/v1/groups', { name: 'Secret Ops' })).id;
  const systems: [string, string, boolean, string[]][] = [
    ['web', 'web', true, ['core']],
    ['db', 'db', true, ['core']],
    ['pay', HOSTILE, true, []],
    ['cache', 'cache', true, []],
    ['slashed', 'team/api', true, []],
    ['billing', 'hidden-billing', false, ['core']],
    ['vault', 'secret-vault', false, ['secretGroup']],
  ];
  for (const [key, name, isPublic, groups] of systems) {
    ids[key] = (await created(api, '/api/v1/systems', { name, public: isPublic, description: `${name} description`, groupIds: groups.map((g) => ids[g]) })).id;
  }
  configurationId = (await created(api, '/api/v1/configurations', { name: 'private-check-name-zeta', strategy: 'tcp', config: { host: '127.0.0.1', port: 9 }, intervalSeconds: 3600 })).id;
  for (const key of ['web', 'db', 'pay', 'cache', 'billing', 'vault']) await created(api, '/api/v1/assignments', { systemId: ids[key], configurationId });
  const now = Date.now();
  // Ten days of history for pay (one day down), and the current state of each system.
  for (let day = 10; day >= 1; day--) await run('pay', day === 4 ? 'unhealthy' : 'healthy', now - day * DAY);
  for (const key of ['web', 'pay', 'cache', 'billing', 'vault']) await run(key, 'healthy', now - 60_000);
  for (let i = 6; i >= 1; i--) await run('db', 'unhealthy', now - i * 1_000);

  ids.dbIncident = (await created(api, '/api/v1/incidents', { title: 'Database <slow> & sad', severity: 'major', systemIds: [ids.db, ids.billing], description: 'Queries time out' })).id;
  await created(api, `/api/v1/incidents/${ids.dbIncident}/updates`, { status: 'identified', message: 'An index went missing <script>alert(1)</script>' });
  ids.vaultIncident = (await created(api, '/api/v1/incidents', { title: 'Vault breach', severity: 'critical', systemIds: [ids.vault], description: 'secret words' })).id;
  ids.webIncident = (await created(api, '/api/v1/incidents', { title: 'Web was flaky', severity: 'minor', systemIds: [ids.web], description: 'Flaky' })).id;
  await created(api, `/api/v1/incidents/${ids.webIncident}/updates`, { status: 'resolved', message: 'Fixed' });

  const window = (title: string, body: Record<string, unknown>) => created(api, '/api/v1/maintenance', { title, description: `${title} details`, ...body });
  ids.webWindow = (await window('Web upgrade', { systemIds: [ids.web], startsAt: iso(now - 3_600_000), endsAt: iso(now + 3_600_000) })).id;
  ids.coreWindow = (await window('Core migration', { groupIds: [ids.core], startsAt: iso(now + 2 * DAY), endsAt: iso(now + 2 * DAY + 3_600_000) })).id;
  ids.vaultWindow = (await window('Vault maintenance', { systemIds: [ids.vault], startsAt: iso(now - 3_600_000), endsAt: iso(now + 3_600_000) })).id;
  ids.farWindow = (await window('Far future work', { systemIds: [ids.cache], startsAt: iso(now + 90 * DAY), endsAt: iso(now + 90 * DAY + 3_600_000) })).id;
  secrets.push('hidden-billing', 'secret-vault', 'Secret Ops', 'secret-ops', 'private-check-name-zeta', 'Vault breach', 'secret words', 'Vault maintenance', 'admin@vigil.test', ...Object.values(ids));
}, 60_000);
afterAll(() => api.close());

function expectNoLeak(body: string, where: string) {
  for (const secret of secrets) expect(body.toLowerCase().includes(secret.toLowerCase()), `${where} leaks ${secret}`).toBe(false);
}

describe('the public status page', () => {
  it('shows every public system with its status, without credentials and without JavaScript', async () => {
    const page = await get('/status', anonymous);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.text).toContain('Partial outage');
    const status = (name: string) => new RegExp(`<h3>${name}</h3><span class="st [a-z]+">([^<]+)</span>`).exec(page.text)?.[1];
    expect({ web: status('web'), db: status('db'), cache: status('cache'), pay: status('Pay &amp; &lt;Shop&gt; &quot;1&quot; &#39;x&#39;') }).toEqual({
      web: 'Under maintenance',
      db: 'Outage',
      cache: 'Operational',
      pay: 'Operational',
    });
    expect(page.text).not.toContain('<Shop>');
    expect(page.text).toContain('<a href="/status/core-services">Core Services</a>');
    // A trailing slash typed by hand finds the same page.
    const slashed = await get('/status/', anonymous);
    expect([slashed.status, slashed.headers.get('location')]).toEqual([301, '/status']);
  });

  it('draws 90 days of uptime per system, a tooltip per day saying its date, uptime and status', async () => {
    const page = await get('/status', anonymous);
    const pay = page.text.slice(page.text.indexOf('Pay &amp;'), page.text.indexOf('</li>', page.text.indexOf('Pay &amp;')));
    const bars = [...pay.matchAll(/<i class=([a-z]+)(?: style=flex:(\d+))? title="([^"]+)"><\/i>/g)].map((m) => ({ level: m[1], days: Number(m[2] ?? 1), title: m[3] }));
    expect(bars.reduce((sum, bar) => sum + bar.days, 0)).toBe(90);
    const down = iso(Date.now() - 4 * DAY).slice(0, 10);
    expect(bars).toContainEqual({ level: 'bad', days: 1, title: `${down}: 0%, outage` });
    expect(bars[0]).toMatchObject({ level: 'none', title: expect.stringMatching(/^\d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d: no data$/) });
    expect(bars.at(-1)).toMatchObject({ level: 'ok', title: expect.stringContaining('100%, operational') });
    expect(pay).toMatch(new RegExp(`<p class=axis>90(\\.\\d+)?% uptime over 90 days, 1 day below 99.9% \\(${down}: 0%\\), 79 days without data</p>`));
  });

  it('lists active incidents with their timeline and maintenance, naming only public systems', async () => {
    const page = await get('/status', anonymous);
    expect(page.text).toContain('<h3>Database &lt;slow&gt; &amp; sad</h3>');
    expect(page.text).toContain('Major · Identified · affects db</p>');
    expect(page.text).toContain('An index went missing &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(page.text.indexOf('An index went missing')).toBeLessThan(page.text.indexOf('Queries time out'));
    expect(page.text).not.toContain('Web was flaky');
    expect(page.text).toMatch(/<h3>Web upgrade<\/h3><p class="meta">In progress · .* affects web<\/p>/);
    expect(page.text).toMatch(/<h3>Core migration<\/h3><p class="meta">Scheduled · .* affects db, web<\/p>/);
    expect(page.text).not.toContain('Far future work');
  });

  it('leaks no private system, group, check, incident or window, and no id', async () => {
    for (const path of ['/status', '/status.json', '/status/core-services', '/status/core-services.json', '/status/feed.atom']) {
      const answer = await get(path, anonymous);
      expect(answer.status, path).toBe(200);
      expectNoLeak(answer.text, path);
    }
    for (const file of ['status.svg', 'uptime.svg', 'latency.svg']) expectNoLeak((await get(`/badge/db/${file}`, anonymous)).text, file);
  });

  it("shows a group's public systems at its slug, and the same 404 for an unknown group and one with only private systems", async () => {
    const page = await get('/status/core-services', anonymous);
    expect(page.text).toContain('<h1>Core Services status</h1>');
    expect(page.text).toContain('Major outage');
    expect([...page.text.matchAll(/<h3>([^<]+)<\/h3><span class="st/g)].map((m) => m[1])).toEqual(['db', 'web']);
    const unknown = await get('/status/nothing-here', anonymous);
    const privateOnly = await get('/status/secret-ops', anonymous);
    expect([unknown.status, privateOnly.status]).toEqual([404, 404]);
    expect(privateOnly.text).toBe(unknown.text);
    expect(unknown.headers.get('content-type')).toContain('text/html');
    expect((await get('/status/nothing-here.json', anonymous)).status).toBe(404);
  });

  it('answers the same facts as JSON, names only', async () => {
    const { status, text } = await get('/status.json', anonymous);
    expect(status).toBe(200);
    const body = JSON.parse(text);
    expect(body.overall).toEqual({ level: 'warn', label: 'Partial outage' });
    expect(body.systems.map((s: { name: string; level: string }) => [s.name, s.level])).toEqual([['cache', 'ok'], ['db', 'bad'], [HOSTILE, 'ok'], ['team/api', 'none'], ['web', 'info']]);
    expect(body.systems[0].days.uptime).toHaveLength(90);
    expect(body.incidents.map((i: { title: string; systems: string[] }) => [i.title, i.systems])).toEqual([['Database <slow> & sad', ['db']]]);
    expect(body.maintenance.map((m: { title: string; active: boolean }) => [m.title, m.active])).toEqual([['Web upgrade', true], ['Core migration', false]]);
    expect((await get('/status/core-services.json', anonymous)).status).toBe(200);
  });

  it('is cached briefly in public caches, revalidated by ETag, and compressed when asked', async () => {
    for (const path of ['/status', '/status.json', '/status/feed.atom']) {
      const first = await get(path, anonymous);
      expect(first.headers.get('cache-control'), path).toBe('public, max-age=30');
      const tag = first.headers.get('etag');
      expect(tag, path).toMatch(/^"[^"]+"$/);
      const again = await get(path, { ...anonymous, 'if-none-match': tag! });
      expect([again.status, again.text], path).toEqual([304, '']);
    }
    const response = await api.app.request('/status', { headers: { 'accept-encoding': 'gzip' } });
    expect(response.headers.get('content-encoding')).toBe('gzip');
    expect(response.headers.get('vary')).toContain('Accept-Encoding');
    expect(gunzipSync(Buffer.from(await response.arrayBuffer())).toString()).toContain('Partial outage');
  });

  it('keeps /status and /badge public beside the authenticated API', async () => {
    expect((await api.call('GET', '/api/v1/systems', undefined, anonymous)).status).toBe(401);
    expect((await get('/status', anonymous)).status).toBe(200);
  });
});

describe('the Atom feed', () => {
  it('has one entry per incident naming a public system, newest first, escaped and well formed', async () => {
    const feed = await get('/status/feed.atom', anonymous);
    expect(feed.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    expectWellFormedXml(feed.text);
    const entries = [...feed.text.matchAll(/<entry>(.*?)<\/entry>/g)].map((m) => m[1]!);
    expect(entries.map((e) => /<title>([^<]*)<\/title>/.exec(e)?.[1])).toEqual(['Resolved: Web was flaky', 'Identified: Database &lt;slow&gt; &amp; sad']);
    for (const entry of entries) {
      expect(entry).toMatch(/<id>urn:vigil:incident:[0-9a-f]{20}<\/id>/);
      expect(entry).toMatch(/<updated>\d{4}-\d\d-\d\dT[\d:.]+Z<\/updated>/);
    }
    // The content is HTML escaped once more for XML: the hostile message is inert twice over.
    expect(entries[1]).toContain('An index went missing &amp;lt;script&amp;gt;alert(1)&amp;lt;/script&amp;gt;');
    expect(entries[1]).toContain('Affects: db');
    expect(feed.text).toMatch(/^<\?xml version="1.0" encoding="utf-8"\?>\n<feed xmlns="http:\/\/www.w3.org\/2005\/Atom"><id>http:\/\/localhost\/status\/feed.atom<\/id><title>Incidents<\/title><updated>/);
  });
});

describe('badges', () => {
  const value = (svg: string) => /<title>(.*)<\/title>/.exec(svg)?.[1];

  it('draws status, uptime and latency of a public system named by name (any case) or id', async () => {
    const cases: [string, string][] = [
      ['/badge/db/status.svg', 'db: down'],
      ['/badge/DB/status.svg', 'db: down'],
      [`/badge/${ids.cache}/status.svg`, 'cache: operational'],
      ['/badge/web/status.svg', 'web: maintenance'],
      [`/badge/${encodeURIComponent(HOSTILE)}/status.svg`, 'Pay &amp; &lt;Shop&gt; &quot;1&quot; &#39;x&#39;: operational'],
      [`/badge/${encodeURIComponent(HOSTILE)}/uptime.svg?range=30d`, 'uptime 30d: 90.9%'],
      [`/badge/${encodeURIComponent(HOSTILE)}/uptime.svg`, 'uptime 30d: 90.9%'],
      ['/badge/cache/uptime.svg?range=24h', 'uptime 24h: 100%'],
      ['/badge/cache/latency.svg', 'latency: 120 ms'],
      ['/badge/team%2Fapi/status.svg', 'team/api: no data'],
    ];
    for (const [path, expected] of cases) {
      const badge = await get(path, anonymous);
      expect([badge.status, value(badge.text)], path).toEqual([200, expected]);
      expect(badge.headers.get('content-type'), path).toBe('image/svg+xml; charset=utf-8');
      expect(badge.headers.get('cache-control'), path).toBe('public, max-age=60');
      expect(badge.headers.get('etag'), path).toBeTruthy();
      expectWellFormedXml(badge.text);
    }
  });

  it('answers a private system exactly as an unknown one', async () => {
    const unknown = await get('/badge/no-such-system/status.svg', anonymous);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
    for (const path of ['/badge/hidden-billing/status.svg', `/badge/${ids.billing}/status.svg`, `/badge/${ids.vault}/uptime.svg`, '/badge/secret-vault/latency.svg']) {
      const answer = await get(path, anonymous);
      expect([answer.status, answer.text], path).toEqual([404, unknown.text]);
    }
  });

  it('refuses an unknown range and an unknown badge', async () => {
    expect((await get('/badge/db/uptime.svg?range=1y', anonymous)).status).toBe(400);
    expect((await get('/badge/db/other.svg', anonymous)).status).toBe(404);
  });
});

describe('size', () => {
  // bench/status-page.ts measures the harder cases (every day's uptime different, 500 systems).
  it('stays under 50 KB of HTML for 50 public systems with weeks of history and a few bad days each', async () => {
    const size = await createTestApi();
    try {
      const config = (await created(size, '/api/v1/configurations', { name: 'probe', strategy: 'tcp', config: { host: '127.0.0.1', port: 9 }, intervalSeconds: 3600 })).id;
      const now = Date.now();
      const systems: string[] = [];
      for (let i = 0; i < 50; i++) {
        const systemId = (await created(size, '/api/v1/systems', { name: `service-${String(i).padStart(2, '0')}-${'x'.repeat(20)}`, public: true, description: 'A service people use every day' })).id;
        await created(size, '/api/v1/assignments', { systemId, configurationId: config });
        systems.push(systemId);
      }
      // One run a day for 30 to 90 days (as long as each system has been watched), three bad days each.
      await Promise.all(
        systems.map(async (systemId, i) => {
          const watched = 30 + ((i * 7) % 61);
          const bad = new Set([(i * 13) % watched, (i * 29 + 5) % watched, (i * 3 + 11) % watched]);
          for (let day = watched - 1; day >= 0; day--) {
            const at = now - day * DAY - 60_000;
            const status = bad.has(day) ? 'unhealthy' : 'healthy';
            await size.services.recorder.recordRun({ systemId, configurationId: config, environmentId: null, source: 'Local', status, latencyMs: 50, message: '', result: {}, scheduledFor: new Date(at), at: new Date(at) });
          }
        }),
      );
      const response = await size.app.request('/status');
      const html = await response.text();
      expect(response.status).toBe(200);
      expect((html.match(/<li><div class=row>/g) ?? []).length).toBe(50);
      expect((html.match(/ class=bad /g) ?? []).length).toBeGreaterThanOrEqual(100);
      expect(Buffer.byteLength(html)).toBeLessThan(50 * 1024);
    } finally {
      await size.close();
    }
  }, 180_000);
});

/** Well-formed XML as far as a status page needs: balanced tags, quoted attributes, no stray `<` or `&`. */
function expectWellFormedXml(text: string) {
  const body = text.replace(/^<\?xml[^?]*\?>\s*/, '');
  const open: string[] = [];
  const token = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let match: RegExpExecArray | null;
  let consumed = 0;
  while ((match = token.exec(body))) {
    consumed = token.lastIndex;
    const [, closing, name, , selfClosing, content] = match;
    if (content !== undefined) {
      expect(content.replace(/&(amp|lt|gt|quot|#39|#\d+);/g, ''), 'text').not.toMatch(/[&<]/);
    } else if (closing) {
      expect(open.pop(), `closing ${name}`).toBe(name);
    } else if (!selfClosing) open.push(name!);
  }
  expect(consumed, `unparsed XML at ${body.slice(consumed, consumed + 40)}`).toBe(body.length);
  expect(open).toEqual([]);
}
