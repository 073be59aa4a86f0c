import { describe, expect, it } from 'vitest';
import { addToSketch, mergeSketches, sketchQuantile, type Sketch } from './sketch.ts';

function exactQuantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)]!;
}

/** A deterministic spread of latencies: mostly fast, a long slow tail. */
function latencies(count: number, seed: number): number[] {
  let x = seed;
  return Array.from({ length: count }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const u = x / 2 ** 31;
    return Math.round(u < 0.9 ? 5 + u * 100 : 200 + (u - 0.9) * 50_000);
  });
}

describe('latency sketch', () => {
  it('answers p50/p95/p99 within 1 % of the exact value, also after merging hourly sketches', () => {
    const hours = [latencies(1000, 1), latencies(1000, 2), latencies(500, 3)];
    const merged = mergeSketches(...hours.map((values) => values.reduce<Sketch>((s, v) => addToSketch(s, v), {})));
    const all = hours.flat();
    for (const q of [0.5, 0.95, 0.99]) {
      const exact = exactQuantile(all, q);
      expect(Math.abs(sketchQuantile(merged, q)! - exact) / exact, `q=${q}`).toBeLessThanOrEqual(0.01);
    }
  });

  it('keeps zero latencies and is empty without values', () => {
    expect(sketchQuantile({}, 0.5)).toBeNull();
    const sketch = [0, 0, 10].reduce<Sketch>((s, v) => addToSketch(s, v), {});
    expect(sketchQuantile(sketch, 0.5)).toBe(0);
    expect(Math.abs(sketchQuantile(sketch, 1)! - 10)).toBeLessThanOrEqual(0.1);
  });
});
