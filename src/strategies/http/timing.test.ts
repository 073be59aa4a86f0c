import { afterAll, describe, expect, it } from 'vitest';
import { closeHttpPools, poolFor } from './timing.ts';

afterAll(() => closeHttpPools());

describe('poolFor', () => {
  it('keeps one Pool per origin and TLS setting for every check that shares them', () => {
    const verify = { verify: true };
    const first = poolFor(verify, 'http://127.0.0.1:8080');
    expect(poolFor({ verify: true }, 'http://127.0.0.1:8080')).toBe(first);
    for (const [tls, origin] of [
      [verify, 'http://127.0.0.1:8081'],
      [{ verify: false }, 'http://127.0.0.1:8080'],
      [{ verify: true, ca: 'a CA' }, 'http://127.0.0.1:8080'],
    ] as const) {
      expect(poolFor(tls, origin)).not.toBe(first);
    }
  });
});
