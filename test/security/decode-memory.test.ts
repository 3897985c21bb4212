/**
 * Issue 21, finding 6: a tiny PNG declaring 7000x7000 pixels decodes to 147 MB, and nothing limited
 * how many decoded at once (eight took the daemon from 0.3 to 1.5 GB). Decodes now wait for a slot
 * of a DecodeLimiter: at most decodeConcurrency at once within decodePixelBudget pixels, and dropped
 * pictures are collected before the next large decode (PixelReclaim). The RSS
 * under eight concurrent 7000x7000 uploads is measured by scripts/decode-memory.ts (not a test:
 * it needs a real daemon and a minute).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DecodeLimiter, decodeSlots } from '../../src/core/analysis/decode-limiter.ts';
import { decodeImage } from '../../src/core/analysis/image-input.ts';
import { PixelReclaim, pixelReclaim } from '../../src/core/analysis/pixel-reclaim.ts';
import { tinyBigPng } from '../../scripts/decode-memory-png.ts';
import { testApp } from '../helpers/app.ts';
import { createSample, upload } from '../helpers/workflow.ts';

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs tasks of the given pixel sizes through the limiter, recording what ran together. */
async function observe(limiter: DecodeLimiter, sizes: number[]) {
  let running = 0;
  let pixels = 0;
  let mostRunning = 0;
  let mostPixelsShared = 0;
  const started: number[] = [];
  let seed = 7;
  const rand = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  await Promise.all(
    sizes.map((size, i) =>
      limiter.run(size, async () => {
        started.push(i);
        running++;
        pixels += size;
        mostRunning = Math.max(mostRunning, running);
        if (running > 1) mostPixelsShared = Math.max(mostPixelsShared, pixels);
        await tick(1 + Math.floor(rand() * 8));
        running--;
        pixels -= size;
      }),
    ),
  );
  return { mostRunning, mostPixelsShared, started };
}

describe('DecodeLimiter', () => {
  it('never lets more than N decodes run at once', async () => {
    for (const n of [1, 2, 3]) {
      const limiter = new DecodeLimiter(n, 1e12);
      const { mostRunning } = await observe(
        limiter,
        Array.from({ length: 24 }, () => 1000),
      );
      expect(mostRunning).toBe(n);
      expect(limiter.peak).toBe(n);
      expect([limiter.active, limiter.queued]).toEqual([0, 0]);
    }
  });

  it('keeps the pixels decoded at once within the budget; an image above it runs alone', async () => {
    const limiter = new DecodeLimiter(4, 100);
    const { mostRunning, mostPixelsShared } = await observe(limiter, [60, 30, 50, 10, 250, 40, 40, 20, 90, 10]);
    expect(mostPixelsShared).toBeLessThanOrEqual(100);
    expect(mostRunning).toBeGreaterThan(1);
  });

  it('serves waiters in arrival order, so a large image is not starved by small ones', async () => {
    const limiter = new DecodeLimiter(2, 100);
    const { started } = await observe(limiter, [50, 90, 10, 10, 10, 10]);
    expect(started.indexOf(1)).toBeLessThan(started.indexOf(2));
  });

  it('releases the slot when the work fails', async () => {
    const limiter = new DecodeLimiter(1, 100);
    await expect(limiter.run(10, () => Promise.reject(new Error('bad image')))).rejects.toThrow('bad image');
    await expect(limiter.run(10, () => 'next')).resolves.toBe('next');
    expect(limiter.active).toBe(0);
  });

  it('refuses nonsense limits', () => {
    expect(() => new DecodeLimiter(0, 100)).toThrow(RangeError);
    expect(() => new DecodeLimiter(2, 0)).toThrow(RangeError);
  });
});

describe('PixelReclaim', () => {
  it('collects before a decode once the pictures decoded since the last collection reach the threshold', () => {
    let runs = 0;
    const reclaim = new PixelReclaim(() => runs++, 96 * 2 ** 20);
    const big = 7000 * 7000 * 3;
    for (let i = 0; i < 3; i++) reclaim.beforeDecode(big);
    // Not before the first (nothing dropped yet), then before each next one.
    expect(runs).toBe(2);
    const small = new PixelReclaim(() => runs++, 96 * 2 ** 20);
    runs = 0;
    for (let i = 0; i < 20; i++) small.beforeDecode(12e6 * 3);
    // 36 MB each: one collection every third decode.
    expect(runs).toBe(6);
    expect(() => new PixelReclaim(null).beforeDecode(big)).not.toThrow();
  });

  it("reaches V8's collector in the daemon and runs it between large decodes", async () => {
    expect(pixelReclaim.enabled).toBe(true);
    const before = pixelReclaim.collections;
    for (const i of [1, 2]) await decodeImage(tinyBigPng(6000, 6000, i));
    expect(pixelReclaim.collections).toBeGreaterThan(before);
  });
});

describe('decodes go through the limiter', () => {
  it('decodeImage waits for a slot: one at a time with a limiter of one', async () => {
    const limiter = new DecodeLimiter(1, 1e12);
    const images = [1, 2, 3, 4].map((i) => tinyBigPng(1200, 900, i));
    const decoded = await Promise.all(images.map((png) => decodeImage(png, { slots: limiter })));
    expect(decoded.map((d) => d.width)).toEqual([1200, 1200, 1200, 1200]);
    expect(limiter.peak).toBe(1);
  });

  describe('the daemon', () => {
    const saved = decodeSlots.limits;
    afterAll(() => decodeSlots.configure(saved.concurrency, saved.pixelBudget));

    it('takes the limits from the configuration and holds to them under 8 concurrent uploads of big-pixel PNGs', async () => {
      const app = await testApp({ decodeConcurrency: 2, decodePixelBudget: 8_000_000 });
      try {
        expect(decodeSlots.limits).toEqual({ concurrency: 2, pixelBudget: 8_000_000 });
        const samples = await Promise.all(Array.from({ length: 8 }, (_, i) => createSample(app, { reference: `S-MEM-${i}` })));
        decodeSlots.peak = 0;
        const answers = await Promise.all(samples.map((id, i) => upload(app, id, tinyBigPng(2000, 1500, i))));
        expect(answers.map((r) => r.statusCode)).toEqual(Array(8).fill(202));
        // 3 MP each within an 8 MP budget: two at once, never more.
        expect(decodeSlots.peak).toBe(2);
      } finally {
        await app.close();
      }
    });
  });
});
