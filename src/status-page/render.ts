import { BADGE_COLOURS, dayLevel, formatUptime, type Badge, type Level, type PublicIncident, type PublicMaintenance, type PublicSystemStatus, type StatusPage } from './model.ts';

/**
 * The public status page, its Atom feed and the badges as text: pure functions of what they
 * show, so every escape and every size is tested without a server.
 */

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text safe in HTML and XML content and in quoted attribute values. */
export function escape(text: string): string {
  // Control characters other than tab and newlines are not allowed in XML 1.0 at all.
  // eslint-disable-next-line no-control-regex
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]/g, '\ufffd');
}

const DAY_MS = 86_400_000;

/** A run of days with the same bar: one element for the lot keeps 90 bars of 50 systems small. */
interface Stretch {
  from: string;
  to: string;
  days: number;
  level: Level;
  text: string;
}

/** Consecutive days shown alike (same level and same uptime as displayed) merged, oldest first. */
export function stretches(days: PublicSystemStatus['days']): Stretch[] {
  const start = Date.parse(`${days.from}T00:00:00Z`);
  const dateOf = (index: number) => new Date(start + index * DAY_MS).toISOString().slice(0, 10);
  const result: (Stretch & { first: number })[] = [];
  days.uptime.forEach((uptime, index) => {
    const { level, label } = dayLevel(uptime);
    const text = uptime === null ? 'no data' : `${formatUptime(uptime)}%, ${label}`;
    const last = result.at(-1);
    if (last && last.level === level && last.text === text) last.days += 1;
    else result.push({ first: index, from: '', to: '', days: 1, level, text });
  });
  // Dates only at the ends of each stretch: 500 systems × 90 days stay cheap.
  return result.map(({ first, ...stretch }) => ({ ...stretch, from: dateOf(first), to: dateOf(first + stretch.days - 1) }));
}

/** A bar's tooltip: its day (or days), the uptime and the status in words. */
function stretchTitle(stretch: Stretch): string {
  const when = stretch.days === 1 ? stretch.from : `${stretch.from} to ${stretch.to}`;
  return stretch.level === 'none' ? `${when}: no data` : `${when}: ${stretch.text}${stretch.days > 1 ? ' each day' : ''}`;
}

function uptimeBar(system: PublicSystemStatus): string {
  const parts = stretches(system.days);
  const below = parts.filter((s) => s.level === 'warn' || s.level === 'bad');
  const belowDays = below.reduce((sum, s) => sum + s.days, 0);
  const empty = system.days.uptime.filter((u) => u === null).length;
  // A few bad days are named (the tooltips are for the mouse only); many are counted.
  const named = belowDays <= 5 ? ` (${below.map((s) => `${s.days === 1 ? s.from : `${s.from} to ${s.to}`}: ${s.text.split(',')[0]}`).join('; ')})` : '';
  const summary = [
    system.uptime === null ? 'No runs in 90 days' : `${formatUptime(system.uptime)}% uptime over 90 days`,
    belowDays ? `${belowDays} day${belowDays === 1 ? '' : 's'} below 99.9%${named}` : '',
    empty ? `${empty} day${empty === 1 ? '' : 's'} without data` : '',
  ]
    .filter(Boolean)
    .join(', ');
  // Terse markup on purpose: this is most of the page's bytes (the budget is 50 KB for 50 systems).
  const bars = parts
    .map((s) => `<i class=${s.level}${s.days > 1 ? ` style=flex:${s.days}` : ''} title="${escape(stretchTitle(s))}"></i>`)
    .join('');
  // The bars are for the eye (and the mouse); the line under them says the same in words, once.
  return `<div class=bar aria-hidden=true>${bars}</div><p class=axis>${escape(summary)}</p>`;
}

const time = (iso: string) => `<time datetime="${escape(iso)}">${escape(iso.slice(0, 16).replace('T', ' '))} UTC</time>`;
const capital = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

function incidentArticle(incident: PublicIncident): string {
  const updates = [...incident.updates]
    .reverse()
    .map((u) => `<li>${time(u.at)} <strong>${escape(capital(u.status))}</strong><p>${escape(u.message)}</p></li>`)
    .join('');
  const affects = incident.systems.length ? ` · affects ${escape(incident.systems.join(', '))}` : '';
  return `<article class="card ${incident.severity === 'minor' ? 'warn' : 'bad'}" id="i-${incident.ref}"><h3>${escape(incident.title)}</h3><p class="meta">${escape(capital(incident.severity))} · ${escape(capital(incident.status))}${affects}</p><ol class="timeline">${updates}</ol></article>`;
}

function maintenanceArticle(window: PublicMaintenance): string {
  const state = window.active ? 'In progress' : 'Scheduled';
  const description = window.description ? `<p>${escape(window.description)}</p>` : '';
  return `<article class="card info"><h3>${escape(window.title)}</h3><p class="meta">${state} · ${time(window.startsAt)} to ${time(window.endsAt)} · affects ${escape(window.systems.join(', '))}</p>${description}</article>`;
}

function systemItem(system: PublicSystemStatus): string {
  const description = system.description ? `<p class=desc>${escape(system.description)}</p>` : '';
  return `<li><div class=row><h3>${escape(system.name)}</h3><span class="st ${system.level}">${escape(system.label)}</span></div>${description}${uptimeBar(system)}</li>`;
}

/** Inline: the page is one request. Colours pass AA contrast on their background in both themes. */
const STYLE = `:root{color-scheme:light dark;--bg:#fff;--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--card:#f6f8fa;--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e;--info:#0969da;--none:#6e7781}
@media (prefers-color-scheme:dark){:root{--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--line:#3d444d;--card:#151b23;--ok:#3fb950;--warn:#d29922;--bad:#f85149;--info:#4493f8;--none:#6e7681}}
*{box-sizing:border-box}body{margin:0;background:var(--bg);color:var(--fg);font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
header,main,footer{max-width:52rem;margin:0 auto;padding:1rem}h1{font-size:1.5rem;margin:0}h2{font-size:1.2rem;margin:1.5rem 0 .5rem}h3{font-size:1rem;margin:0}
a{color:var(--info)}a:focus-visible{outline:2px solid var(--info);outline-offset:2px}nav ul{list-style:none;padding:0;margin:.5rem 0 0;display:flex;flex-wrap:wrap;gap:.25rem 1rem}
.banner{margin:0;padding:1rem;border-radius:6px;border:1px solid var(--line);border-left:6px solid var(--none);background:var(--card);font-weight:600;font-size:1.1rem}
.banner.ok{border-left-color:var(--ok)}.banner.warn{border-left-color:var(--warn)}.banner.bad{border-left-color:var(--bad)}.banner.info{border-left-color:var(--info)}
.systems{list-style:none;padding:0;margin:0}.systems>li{padding:.75rem 0;border-bottom:1px solid var(--line)}
.row{display:flex;flex-wrap:wrap;justify-content:space-between;gap:.25rem 1rem;align-items:baseline}.desc,.meta,.axis{color:var(--muted);font-size:.875rem;margin:.25rem 0}footer{color:var(--muted);font-size:.875rem}
.st{font-weight:600;font-size:.875rem}.st.ok{color:var(--ok)}.st.warn{color:var(--warn)}.st.bad{color:var(--bad)}.st.info{color:var(--info)}.st.none{color:var(--none)}
.bar{position:relative;display:flex;height:2rem;margin-top:.5rem;border-radius:2px;overflow:hidden}
.bar::after{content:"";position:absolute;inset:0;pointer-events:none;background:repeating-linear-gradient(90deg,transparent 0 calc(100%/90 - 1px),var(--bg) calc(100%/90 - 1px) calc(100%/90))}
.bar i{display:block;flex:1;min-width:0;background:var(--none)}.bar i:hover{opacity:.7}.bar .ok{background:var(--ok)}.bar .warn{background:var(--warn)}.bar .bad{background:var(--bad)}
.axis{margin:.25rem 0 0}
.card{padding:.75rem 1rem;margin:.5rem 0;border-radius:6px;border:1px solid var(--line);border-left:6px solid var(--none);background:var(--card)}
.card.warn{border-left-color:var(--warn)}.card.bad{border-left-color:var(--bad)}.card.info{border-left-color:var(--info)}
.timeline{list-style:none;padding:0;margin:.5rem 0 0}.timeline li{margin:.5rem 0}.timeline p{margin:.1rem 0 0;white-space:pre-wrap;overflow-wrap:anywhere}time{color:var(--muted);font-size:.875rem}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}`;

/**
 * Keeps the page current without a reload: every 30 s (while visible) it asks for itself again,
 * revalidating with the ETag, and swaps the main content when it changed. Without JavaScript the
 * page is whole; it just does not refresh.
 */
const SCRIPT = `(()=>{const m=document.querySelector("main"),u=document.getElementById("updated");async function f(){try{const r=await fetch(location.pathname,{cache:"no-cache"});if(!r.ok)throw 0;const n=new DOMParser().parseFromString(await r.text(),"text/html").querySelector("main");if(n&&n.innerHTML!==m.innerHTML)m.innerHTML=n.innerHTML;u.textContent="· Updated "+new Date().toLocaleTimeString()}catch{u.textContent="· Could not refresh; trying again in 30 s"}}setInterval(()=>{if(!document.hidden)f()},30000)})()`;

/** The whole page: complete without JavaScript. `base` is the status page's own path (/status or /status/<slug>). */
export function renderPage(page: StatusPage, base: string): string {
  const heading = page.group ? `${page.group.name} status` : 'System status';
  const nav = page.group
    ? `<nav aria-label="Status pages"><ul><li><a href="/status">All systems</a></li></ul></nav>`
    : page.groups.length
      ? `<nav aria-label="Groups"><ul>${page.groups.map((g) => `<li><a href="/status/${encodeURIComponent(g.slug)}">${escape(g.name)}</a></li>`).join('')}</ul></nav>`
      : '';
  const incidents = page.incidents.length
    ? `<section aria-labelledby="incidents"><h2 id="incidents">Active incidents</h2>${page.incidents.map(incidentArticle).join('')}</section>`
    : '';
  const maintenance = page.maintenance.length
    ? `<section aria-labelledby="maintenance"><h2 id="maintenance">Maintenance</h2>${page.maintenance.map(maintenanceArticle).join('')}</section>`
    : '';
  const systems = page.systems.length ? `<p class=axis>Each bar is a day, the last 90 days from left to right; hover a day for its uptime.</p><ul class="systems">${page.systems.map(systemItem).join('')}</ul>` : '<p>No systems are published here yet.</p>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escape(heading)}</title>
<link rel="alternate" type="application/atom+xml" title="Incidents" href="/status/feed.atom"><style>${STYLE}</style></head>
<body><header><h1>${escape(heading)}</h1>${nav}</header>
<main><h2 class="sr">Overall status</h2><p class="banner ${page.overall.level}" role="status">${escape(page.overall.label)}</p>
${incidents}${maintenance}<section aria-labelledby="systems"><h2 id="systems">Systems</h2>${systems}</section></main>
<footer><p><a href="/status/feed.atom">Incident feed (Atom)</a> · <a href="${escape(base)}.json">JSON</a> <span id="updated"></span></p></footer>
<script>${SCRIPT}</script></body></html>`;
}

/** The 404 page for an unknown group (or one without public systems: the two are not told apart). */
export function renderNotFound(): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>Not found</title><style>${STYLE}</style></head>
<body><header><h1>Status page not found</h1></header><main><p>There is no status page here. <a href="/status">See the status of every system</a>.</p></main></body></html>`;
}

/** The Atom feed (RFC 4287) of incidents: one entry per incident, its timeline as the content, newest first. */
export function renderFeed(incidents: readonly PublicIncident[], origin: string, updated: string): string {
  const entries = incidents.map((incident) => {
    const timeline = [...incident.updates]
      .reverse()
      .map((u) => `<p><strong>${escape(capital(u.status))}</strong> (${escape(u.at)}): ${escape(u.message)}</p>`)
      .join('');
    const affects = incident.systems.length ? `<p>Affects: ${escape(incident.systems.join(', '))}</p>` : '';
    const content = `<p>${escape(capital(incident.severity))} · ${escape(capital(incident.status))}</p>${affects}${timeline}`;
    return `<entry><id>urn:vigil:incident:${incident.ref}</id><title>${escape(`${capital(incident.status)}: ${incident.title}`)}</title><updated>${escape(incident.updatedAt)}</updated><published>${escape(incident.createdAt)}</published><link rel="alternate" type="text/html" href="${escape(`${origin}/status#i-${incident.ref}`)}"/><content type="html">${escape(content)}</content></entry>`;
  });
  return `<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><id>${escape(`${origin}/status/feed.atom`)}</id><title>Incidents</title><updated>${escape(updated)}</updated><author><name>Vigil</name></author><link rel="self" type="application/atom+xml" href="${escape(`${origin}/status/feed.atom`)}"/><link rel="alternate" type="text/html" href="${escape(`${origin}/status`)}"/>${entries.join('')}</feed>
`;
}

/**
 * Advance widths of Verdana at 11 px for printable ASCII (space to ~), the face shields-style
 * badges are drawn in; other characters count as a wide letter. `textLength` in the SVG makes
 * the text fit its box exactly whatever font the viewer has.
 */
const VERDANA_11 = [
  3.87, 4.33, 5.05, 9.01, 7.0, 11.84, 8.0, 2.95, 5.0, 5.0, 7.0, 9.01, 4.0, 5.0, 4.0, 5.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 7.0, 5.0, 5.0, 9.01, 9.01, 9.01, 6.0, 11.0,
  7.52, 7.54, 7.68, 8.48, 6.96, 6.32, 8.53, 8.27, 4.63, 5.0, 7.62, 6.12, 9.27, 8.23, 8.66, 6.63, 8.66, 7.65, 7.52, 6.78, 8.05, 7.52, 10.88, 7.54, 6.77, 7.54, 5.0, 5.0, 5.0, 9.01, 7.0, 7.0,
  6.61, 6.85, 5.73, 6.85, 6.55, 3.87, 6.85, 6.96, 3.02, 3.79, 6.51, 3.02, 10.71, 6.96, 6.68, 6.85, 6.85, 4.69, 5.73, 4.33, 6.96, 6.51, 8.98, 6.51, 6.51, 5.78, 6.98, 5.0, 6.98, 9.01,
];

export function textWidth(text: string): number {
  let width = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    width += code >= 32 && code <= 126 ? VERDANA_11[code - 32]! : code > 0x2e80 ? 11 : 7.5;
  }
  return width;
}

/** A two-part flat badge: the label on grey, the value on its colour. */
export function renderBadge(badge: Badge): string {
  const labelText = textWidth(badge.label);
  const valueText = textWidth(badge.value);
  const labelWidth = Math.round(labelText + 10);
  const valueWidth = Math.round(valueText + 10);
  const width = labelWidth + valueWidth;
  const label = escape(badge.label);
  const value = escape(badge.value);
  const text = (x: number, length: number, content: string) =>
    `<text x="${Math.round(x * 10)}" y="150" fill="#010101" fill-opacity=".3" transform="scale(.1)" textLength="${Math.round(length * 10)}">${content}</text><text x="${Math.round(x * 10)}" y="140" transform="scale(.1)" textLength="${Math.round(length * 10)}">${content}</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="20" role="img" aria-label="${label}: ${value}"><title>${label}: ${value}</title><linearGradient id="s" x2="0" y2="100%"><stop offset="0" stop-color="#bbb" stop-opacity=".1"/><stop offset="1" stop-opacity=".1"/></linearGradient><clipPath id="r"><rect width="${width}" height="20" rx="3" fill="#fff"/></clipPath><g clip-path="url(#r)"><rect width="${labelWidth}" height="20" fill="#555"/><rect x="${labelWidth}" width="${valueWidth}" height="20" fill="${BADGE_COLOURS[badge.colour]}"/><rect width="${width}" height="20" fill="url(#s)"/></g><g fill="#fff" text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" text-rendering="geometricPrecision" font-size="110">${text(labelWidth / 2, labelText, label)}${text(labelWidth + valueWidth / 2, valueText, value)}</g></svg>`;
}
