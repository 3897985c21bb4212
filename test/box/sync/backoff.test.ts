import { describe, expect, it } from 'vitest';
import { fullJitter, spread } from '../../../src/box/sync/backoff.ts';
import { rng } from './harness/rng.ts';

describe('backoff with full jitter', () => {
  it('waits nothing before the first failure, then up to base * 2^(n-1), never above the cap', () => {
    expect(fullJitter(0, 1000, 600_000)).toBe(0);
    const r = rng(7);
    for (let n = 1; n <= 30; n++) {
      const ceiling = Math.min(600_000, 1000 * 2 ** (n - 1));
      for (let i = 0; i < 200; i++) {
        const d = fullJitter(n, 1000, 600_000, r);
        expect(d).toBeGreaterThanOrEqual(0);
        expect(d).toBeLessThan(ceiling);
      }
    }
    expect(fullJitter(1000, 1000, 600_000, () => 0.999999)).toBeLessThan(600_000);
  });

  it('spreads over the whole range (boxes that lost the hub together come back apart)', () => {
    const r = rng(11);
    const delays = Array.from({ length: 2000 }, () => fullJitter(12, 1000, 600_000, r));
    const buckets = new Array(10).fill(0);
    for (const d of delays) buckets[Math.floor(d / 60_000)]++;
    for (const b of buckets) expect(b).toBeGreaterThan(120);
  });

  it('spread() stays within half to one and a half times', () => {
    const r = rng(3);
    for (let i = 0; i < 500; i++) {
      const d = spread(1000, r);
      expect(d).toBeGreaterThanOrEqual(500);
      expect(d).toBeLessThan(1500);
    }
  });
});
