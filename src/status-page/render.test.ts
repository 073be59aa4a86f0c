import { describe, expect, it } from 'vitest';
import type { PublicSystemStatus, StatusPage } from './model.ts';
import { escape, renderBadge, renderFeed, renderNotFound, renderPage, stretches, textWidth } from './render.ts';

const HOSTILE = `"><script>alert('x')</script>&amp;`;
const HOSTILE_ESCAPED = '&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;amp;';

describe('escape', () => {
  const cases: [string, string][] = [
    ['plain', 'plain'],
    ['a & b', 'a &amp; b'],
    ['<b>', '&lt;b&gt;'],
    [`"double" 'single'`, '&quot;double&quot; &#39;single&#39;'],
    ['&amp;', '&amp;amp;'],
    ['bell\u0007 and nul\u0000', 'bell\ufffd and nul\ufffd'],
    ['tab\tand\nnewline', 'tab\tand\nnewline'],
    ['Zürich 東京', 'Zürich 東京'],
  ];
  for (const [text, escaped] of cases) it(JSON.stringify(text), () => expect(escape(text)).toBe(escaped));
});

describe('stretches', () => {
  const cases: { name: string; uptime: (number | null)[]; expected: [string, string, number, string][] }[] = [
    { name: 'one day', uptime: [100], expected: [['2026-01-01', '2026-01-01', 1, 'ok']] },
    { name: 'equal days merge', uptime: [null, null, 100, 100, 100], expected: [['2026-01-01', '2026-01-02', 2, 'none'], ['2026-01-03', '2026-01-05', 3, 'ok']] },
    { name: 'the same level with another uptime does not merge', uptime: [100, 99.95, 99.95], expected: [['2026-01-01', '2026-01-01', 1, 'ok'], ['2026-01-02', '2026-01-03', 2, 'ok']] },
    { name: 'uptime equal as shown merges', uptime: [99.951, 99.958], expected: [['2026-01-01', '2026-01-02', 2, 'ok']] },
    { name: 'a bad day between good ones', uptime: [100, 0, 100], expected: [['2026-01-01', '2026-01-01', 1, 'ok'], ['2026-01-02', '2026-01-02', 1, 'bad'], ['2026-01-03', '2026-01-03', 1, 'ok']] },
    { name: 'across a month end', uptime: [96, 96], expected: [['2026-01-01', '2026-01-02', 2, 'warn']] },
    { name: 'no days', uptime: [], expected: [] },
  ];
  for (const row of cases) {
    it(row.name, () => {
      const found = stretches({ from: '2026-01-01', uptime: row.uptime }).map((s) => [s.from, s.to, s.days, s.level]);
      expect(found).toEqual(row.expected);
    });
  }
});

function system(name: string, overrides: Partial<PublicSystemStatus> = {}): PublicSystemStatus {
  return { name, description: '', level: 'ok', label: 'Operational', uptime: 100, days: { from: '2026-01-01', uptime: Array.from({ length: 90 }, () => 100) }, ...overrides };
}

function page(overrides: Partial<StatusPage> = {}): StatusPage {
  return { group: null, groups: [], overall: { level: 'ok', label: 'All systems operational' }, systems: [system('api')], incidents: [], maintenance: [], ...overrides };
}

const incident = {
  title: HOSTILE,
  severity: 'major' as const,
  status: 'identified' as const,
  createdAt: '2026-01-02T03:04:05.000Z',
  updatedAt: '2026-01-02T04:00:00.000Z',
  resolvedAt: null,
  systems: [HOSTILE, 'api'],
  updates: [
    { status: 'investigating' as const, message: `first ${HOSTILE}`, at: '2026-01-02T03:04:05.000Z' },
    { status: 'identified' as const, message: 'second', at: '2026-01-02T04:00:00.000Z' },
  ],
  ref: '0123456789abcdef0123',
};

describe('renderPage', () => {
  const cases: { name: string; page: StatusPage; contains: string[]; lacks?: string[] }[] = [
    {
      name: 'a landmark per part, the banner in words, a heading per system',
      page: page(),
      contains: ['<html lang="en">', '<header><h1>System status</h1>', '<main>', '<footer>', '<p class="banner ok" role="status">All systems operational</p>', '<h3>api</h3><span class="st ok">Operational</span>', 'name="viewport"', 'prefers-color-scheme:dark'],
    },
    {
      name: 'a hostile system name is text everywhere it appears',
      page: page({ systems: [system(HOSTILE, { description: HOSTILE })] }),
      contains: [`<h3>${HOSTILE_ESCAPED}</h3>`, `<p class=desc>${HOSTILE_ESCAPED}</p>`],
      lacks: [HOSTILE, "<script>alert('x')"],
    },
    {
      name: 'a hostile incident: title, systems and updates escaped, newest update first',
      page: page({ incidents: [incident] }),
      contains: [`<h3>${HOSTILE_ESCAPED}</h3>`, `affects ${HOSTILE_ESCAPED}, api`, `<strong>Identified</strong><p>second</p>`, `first ${HOSTILE_ESCAPED}`, 'id="i-0123456789abcdef0123"'],
      lacks: [HOSTILE],
    },
    {
      name: 'hostile maintenance',
      page: page({ maintenance: [{ title: HOSTILE, description: HOSTILE, active: true, startsAt: '2026-01-02T03:00:00.000Z', endsAt: '2026-01-02T05:00:00.000Z', systems: [HOSTILE] }] }),
      contains: [`<h3>${HOSTILE_ESCAPED}</h3>`, 'In progress · <time datetime="2026-01-02T03:00:00.000Z">2026-01-02 03:00 UTC</time>', `affects ${HOSTILE_ESCAPED}`],
      lacks: [HOSTILE],
    },
    {
      name: 'hostile group names in the navigation: slug encoded in the link, name escaped',
      page: page({ groups: [{ name: HOSTILE, slug: '-script-alert-x-script-amp' }, { name: 'Zürich', slug: 'zürich' }] }),
      contains: [`<a href="/status/-script-alert-x-script-amp">${HOSTILE_ESCAPED}</a>`, '<a href="/status/z%C3%BCrich">Zürich</a>'],
      lacks: [HOSTILE],
    },
    {
      name: "a group's page links back to every system's",
      page: page({ group: { name: 'Core <1>', slug: 'core-1' } }),
      contains: ['<title>Core &lt;1&gt; status</title>', '<h1>Core &lt;1&gt; status</h1>', '<a href="/status">All systems</a>'],
    },
    {
      name: 'a day tooltip gives the date, the uptime and the status',
      page: page({ systems: [system('api', { uptime: 97.5, days: { from: '2026-01-01', uptime: [...Array.from({ length: 88 }, () => null), 95.5, 100] } })] }),
      contains: [
        '<i class=none style=flex:88 title="2026-01-01 to 2026-03-29: no data"></i>',
        '<i class=warn title="2026-03-30: 95.5%, degraded"></i>',
        '<i class=ok title="2026-03-31: 100%, operational"></i>',
        '<p class=axis>97.5% uptime over 90 days, 1 day below 99.9% (2026-03-30: 95.5%), 88 days without data</p>',
      ],
    },
    {
      name: 'many bad days are counted, not named',
      page: page({ systems: [system('api', { uptime: 90, days: { from: '2026-01-01', uptime: Array.from({ length: 90 }, (_, d) => (d % 10 ? 100 : 0)) } })] }),
      contains: ['<p class=axis>90% uptime over 90 days, 9 days below 99.9%</p>', '<div class=bar aria-hidden=true>'],
    },
    { name: 'no systems', page: page({ systems: [] }), contains: ['No systems are published here yet.'] },
    { name: 'the live refresh and the feed link', page: page(), contains: ['<script>(()=>{', 'fetch(location.pathname,{cache:"no-cache"})', 'href="/status/feed.atom"', 'href="/status.json"'] },
  ];
  for (const row of cases) {
    it(row.name, () => {
      const html = renderPage(row.page, '/status');
      for (const text of row.contains) expect(html).toContain(text);
      for (const text of row.lacks ?? []) expect(html).not.toContain(text);
    });
  }

  it('the not-found page says where to go instead', () => {
    expect(renderNotFound()).toContain('<a href="/status">See the status of every system</a>');
  });
});

describe('renderFeed', () => {
  const xml = renderFeed([incident], 'https://status.example', '2026-01-02T04:00:00.000Z');
  const cases: [string, string][] = [
    ['the XML declaration and the Atom namespace', '<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'],
    ['the feed id and self link', '<id>https://status.example/status/feed.atom</id>'],
    ['the feed updated', '<updated>2026-01-02T04:00:00.000Z</updated>'],
    ['an author (Atom requires one)', '<author><name>Vigil</name></author>'],
    ['an entry id from the opaque ref', '<id>urn:vigil:incident:0123456789abcdef0123</id>'],
    ['the entry title with its status, escaped', `<title>Identified: ${HOSTILE_ESCAPED}</title>`],
    ['the entry link to the page anchor', '<link rel="alternate" type="text/html" href="https://status.example/status#i-0123456789abcdef0123"/>'],
    ['the content HTML escaped for XML (twice over for hostile text)', `first &amp;quot;&amp;gt;&amp;lt;script&amp;gt;alert(&amp;#39;x&amp;#39;)&amp;lt;/script&amp;gt;&amp;amp;amp;`],
  ];
  for (const [name, text] of cases) it(name, () => expect(xml).toContain(text));
  it('never carries hostile markup raw', () => expect(xml).not.toContain('<script>'));
  it('an empty feed is still a feed', () => expect(renderFeed([], 'https://s', '1970-01-01T00:00:00.000Z')).toContain('<title>Incidents</title><updated>1970-01-01T00:00:00.000Z</updated>'));
});

describe('badges', () => {
  const widths: [string, number, number][] = [
    ['passing', 40, 44],
    ['99.95%', 40, 46],
    ['iiii', 10, 14],
    ['MMMM', 35, 40],
    ['東京', 20, 24],
  ];
  for (const [text, least, most] of widths) {
    it(`"${text}" is about ${least}–${most} px wide in Verdana 11`, () => {
      expect(textWidth(text)).toBeGreaterThanOrEqual(least);
      expect(textWidth(text)).toBeLessThanOrEqual(most);
    });
  }

  it('is two parts, label on grey and value on its colour, as wide as its texts plus padding', () => {
    const svg = renderBadge({ label: 'uptime 30d', value: '99.9%', colour: 'brightgreen' });
    const label = Math.round(textWidth('uptime 30d') + 10);
    const value = Math.round(textWidth('99.9%') + 10);
    expect(svg).toContain(`<svg xmlns="http://www.w3.org/2000/svg" width="${label + value}" height="20" role="img" aria-label="uptime 30d: 99.9%">`);
    expect(svg).toContain(`<rect width="${label}" height="20" fill="#555"/><rect x="${label}" width="${value}" height="20" fill="#4c1"/>`);
    expect(svg).toContain(`textLength="${Math.round(textWidth('99.9%') * 10)}">99.9%</text>`);
  });

  it('escapes a hostile label', () => {
    const svg = renderBadge({ label: HOSTILE, value: 'down', colour: 'red' });
    expect(svg).toContain(`<title>${HOSTILE_ESCAPED}: down</title>`);
    expect(svg).not.toContain('<script>');
  });
});
