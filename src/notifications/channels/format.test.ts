import { describe, expect, it } from 'vitest';
import { sampleAlert, sampleRecovery } from '../../../test/support/messages.ts';
import { escapeHtml, escapeMarkdown, escapeSlack, formatDuration, formatTime, joinUrl, joinWithin, summarizeSystem, truncate, type SystemSummary } from './format.ts';
import type { MessageSystem } from './types.ts';

describe('formatDuration', () => {
  const rows: { ms: number; expected: string }[] = [
    { ms: 0, expected: '0 s' },
    { ms: 45_400, expected: '45 s' },
    { ms: 59_600, expected: '1 min' },
    { ms: 720_000, expected: '12 min' },
    { ms: 719_999, expected: '12 min' },
    { ms: 3_600_000, expected: '1 h' },
    { ms: 3_900_000, expected: '1 h 5 min' },
    { ms: 86_400_000, expected: '1 d' },
    { ms: 183_600_000, expected: '2 d 3 h' },
    { ms: -5, expected: '0 s' },
  ];
  for (const row of rows) it(`${row.ms} ms → ${row.expected}`, () => expect(formatDuration(row.ms)).toBe(row.expected));
});

describe('text helpers', () => {
  const rows: { name: string; actual: () => string; expected: string }[] = [
    { name: 'a time is shown to the minute, in UTC', actual: () => formatTime('2026-12-02T10:00:59.999Z'), expected: '2026-12-02 10:00 UTC' },
    { name: 'an offset time is converted to UTC', actual: () => formatTime('2026-12-02T12:30:00+02:00'), expected: '2026-12-02 10:30 UTC' },
    { name: 'a time that is not one is shown as given', actual: () => formatTime('soon'), expected: 'soon' },
    { name: 'HTML escapes markup and both quotes', actual: () => escapeHtml(`<b>"a" & 'b'</b>`), expected: '&lt;b&gt;&quot;a&quot; &amp; &#39;b&#39;&lt;/b&gt;' },
    { name: 'Slack escapes only &, < and >', actual: () => escapeSlack(`<!channel> "a" & b`), expected: '&lt;!channel&gt; "a" &amp; b' },
    { name: 'Discord markdown is escaped with backslashes', actual: () => escapeMarkdown('__init__ *x* `y` [l](u) a|b ~z~ > q \\'), expected: '\\_\\_init\\_\\_ \\*x\\* \\`y\\` \\[l\\]\\(u\\) a\\|b \\~z\\~ \\> q \\\\' },
    { name: 'a short text is not cut', actual: () => truncate('abc', 3), expected: 'abc' },
    { name: 'a long text is cut with an ellipsis within the limit', actual: () => truncate('abcdef', 4), expected: 'abc…' },
    { name: 'everything that fits is joined', actual: () => joinWithin(['aa', 'bb'], '\n', 5, (n) => `+${n}`), expected: 'aa\nbb' },
    { name: 'what does not fit is counted', actual: () => joinWithin(['aa', 'bb', 'cc', 'dd'], '\n', 10, (n) => `+${n}`), expected: 'aa\nbb\n+2' },
    { name: 'the note is counted in the limit', actual: () => joinWithin(['aa', 'bb', 'cc'], '\n', 7, (n) => `+${n}`), expected: 'aa\n+2' },
    { name: 'nothing fits: only the note', actual: () => joinWithin(['aaaaaa', 'bb'], '\n', 4, (n) => `+${n}`), expected: '+2' },
    { name: 'a base URL with a trailing slash', actual: () => joinUrl('https://ntfy.example.org/', '/alerts'), expected: 'https://ntfy.example.org/alerts' },
    { name: 'a base URL with a path', actual: () => joinUrl('https://example.org/ntfy', '/alerts'), expected: 'https://example.org/ntfy/alerts' },
  ];
  for (const row of rows) it(row.name, () => expect(row.actual()).toBe(row.expected));
});

describe('summarizeSystem', () => {
  const alert = sampleAlert().systems[0]!;
  const recovery = sampleRecovery().systems[0]!;
  const checks = (count: number) => Array.from({ length: count }, (_, i) => ({ name: `check-${i + 1}`, message: 'timeout' }));
  const rows: { name: string; system: MessageSystem; expected: Partial<SystemSummary> }[] = [
    {
      name: 'an alert: the change, since when, the failing check and the link',
      system: alert,
      expected: {
        heading: 'payments-api · prod',
        change: 'healthy → unhealthy since 2026-12-02 10:00 UTC',
        checks: [{ name: 'http-health', message: 'statusCode: expected 200, got 503' }],
        url: alert.url!,
      },
    },
    { name: 'a recovery says how long it was down', system: recovery, expected: { change: 'unhealthy → healthy since 2026-12-02 10:12 UTC, down for 12 min', checks: [] } },
    { name: 'no environment is every environment', system: { ...alert, environment: null }, expected: { environment: 'all environments', heading: 'payments-api · all environments' } },
    {
      name: 'a multi-line check message becomes one line, cut at 300 characters',
      system: { ...alert, failingChecks: [{ name: 'script', message: `line one\n  line two\n${'x'.repeat(400)}` }] },
      expected: { checks: [{ name: 'script', message: `line one line two ${'x'.repeat(281)}…` }] },
    },
    { name: 'ten failing checks are listed, the rest counted', system: { ...alert, failingChecks: checks(13) }, expected: { checks: checks(10), moreChecks: '…and 3 more failing checks' } },
    { name: 'one check left out is one check', system: { ...alert, failingChecks: checks(11) }, expected: { moreChecks: '…and 1 more failing check' } },
  ];
  for (const row of rows) it(row.name, () => expect(summarizeSystem(row.system)).toMatchObject(row.expected));

  it('has no link or check note when there is none', () => {
    const summary = summarizeSystem({ ...alert, url: undefined });
    expect(summary).not.toHaveProperty('url');
    expect(summary).not.toHaveProperty('moreChecks');
  });
});
