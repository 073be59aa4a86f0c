import { describe, expect, it } from 'vitest';
import { ScopedStorage } from './scoped-storage.ts';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('ScopedStorage', () => {
  it('gives each run its store through everything it awaits, and counts the runs under way', async () => {
    const storage = new ScopedStorage<string>();
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const seen: (string | undefined)[] = [];
    const a = storage.run('a', async () => {
      await held;
      seen.push(storage.getStore());
    });
    const b = storage.run('b', async () => {
      await tick();
      seen.push(storage.getStore());
    });
    expect(storage.active).toBe(2);
    await b;
    expect(storage.active).toBe(1);
    release();
    await a;
    expect(seen).toEqual(['b', 'a']);
    expect(storage.active).toBe(0);
    expect(storage.getStore()).toBeUndefined();
  });

  it('counts a run that fails, at once or later, as over', async () => {
    const storage = new ScopedStorage<string>();
    expect(() =>
      storage.run('x', () => {
        throw new Error('at once');
      }),
    ).toThrow('at once');
    await expect(storage.run('y', async () => Promise.reject(new Error('later')))).rejects.toThrow('later');
    expect(storage.active).toBe(0);
  });

  it('switches on again for the next run once the last one is over', async () => {
    const storage = new ScopedStorage<number>();
    await storage.run(1, async () => undefined);
    expect(await storage.run(2, async () => {
      await tick();
      return storage.getStore();
    })).toBe(2);
  });
});
