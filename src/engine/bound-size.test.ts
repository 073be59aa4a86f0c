import { describe, expect, it } from 'vitest';
import { boundSize } from './bound-size.ts';

const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');
const text = (n: number, character = 'x') => character.repeat(n);

describe('boundSize', () => {
  const rows: { name: string; value: unknown; maxBytes: number; cut: string[]; fits: boolean }[] = [
    { name: 'a value within the bound is left as it is', value: { body: text(100) }, maxBytes: 1_000, cut: [], fits: true },
    { name: 'one long text is cut to fit', value: { status: 'healthy', body: text(10_000) }, maxBytes: 4_000, cut: ['body'], fits: true },
    { name: 'the longest text is cut first, a shorter one kept whole', value: { a: { stdout: text(20_000) }, stderr: text(3_000) }, maxBytes: 8_000, cut: ['a.stdout'], fits: true },
    { name: 'texts inside lists are found by index', value: { collectors: [{ fields: { body: text(9_000) } }] }, maxBytes: 4_000, cut: ['collectors.0.fields.body'], fits: true },
    { name: 'several texts are cut when one is not enough', value: { stdout: text(6_000), stderr: text(6_000) }, maxBytes: 4_000, cut: ['stdout', 'stderr'], fits: true },
    { name: 'no text is cut below a readable start; bulk of numbers does not fit', value: { samples: Array.from({ length: 5_000 }, (_, i) => i), note: text(2_000) }, maxBytes: 4_000, cut: ['note'], fits: false },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const bounded = boundSize(row.value, row.maxBytes);
      expect(bounded.truncated.map((t) => t.path)).toEqual(row.cut);
      expect(bounded.fits).toBe(row.fits);
      if (row.fits) expect(bytes(bounded.value) + 160 * bounded.truncated.length).toBeLessThanOrEqual(row.maxBytes);
      if (!row.cut.length) expect(bounded.value).toBe(row.value);
    });
  }

  it('says how much of each text it kept, keeps its start, and leaves the original alone', () => {
    const value = { body: `start-${text(10_000)}` };
    const { value: cut, truncated } = boundSize(value, 3_000);
    expect(cut.body.startsWith('start-xxx')).toBe(true);
    expect(truncated).toEqual([{ path: 'body', originalBytes: 10_006, keptBytes: cut.body.length }]);
    expect(value.body).toHaveLength(10_006);
  });

  it('never cuts a character in half', () => {
    const { value } = boundSize({ body: text(5_000, '😀') }, 3_000);
    expect(value.body).toMatch(/^(😀)+$/u);
  });
});
