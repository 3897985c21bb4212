/**
 * The red-cell scale measurement on drawn fields whose red-cell size is known, and on the demo
 * fields (four microscopes) against their red cells' size as labelled in TXL-PBC.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { decodeImage } from '../../../src/core/analysis/image-input.ts';
import { SCALE_TOLERANCE } from '../../../src/core/analysis/detector-view.ts';
import { measureScale, otsuThresholds, REFERENCE_RBC_UM } from '../../../src/core/analysis/scale.ts';

const DEMO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../demo/images');

interface Disc {
  x: number;
  y: number;
  r: number;
  /** RGB inside the disc; a pale centre (the red cell's pallor) when pallor is given. */
  rgb: [number, number, number];
  pallor?: number;
}

/** A bright field (230, 225, 228) with the given discs painted on it. */
function field(width: number, height: number, discs: Disc[]) {
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) rgb.set([230, 225, 228], i * 3);
  for (const d of discs) {
    for (let y = Math.floor(d.y - d.r); y <= d.y + d.r; y++) {
      for (let x = Math.floor(d.x - d.r); x <= d.x + d.r; x++) {
        if (x < 0 || y < 0 || x >= width || y >= height) continue;
        const dist = Math.hypot(x + 0.5 - d.x, y + 0.5 - d.y);
        if (dist > d.r) continue;
        const pale = d.pallor !== undefined && dist < d.r * d.pallor;
        rgb.set(pale ? [215, 200, 205] : d.rgb, (y * width + x) * 3);
      }
    }
  }
  return { rgb, width, height };
}

const RBC: [number, number, number] = [200, 120, 140];
/** A grid of separate red cells of radius r, spaced 3r apart, starting inside the border. */
function grid(width: number, height: number, r: number, extra: Disc[] = [], pallor?: number) {
  const discs: Disc[] = [];
  for (let y = 2 * r; y + 2 * r < height; y += 3 * r) for (let x = 2 * r; x + 2 * r < width; x += 3 * r) discs.push({ x, y, r, rgb: RBC, pallor });
  return field(width, height, [...discs, ...extra]);
}

describe('measureScale', () => {
  it('measures the diameter of separate red cells within 6 % (1.5 px for small ones): the working copy is at most 240 px', () => {
    for (const r of [8, 20, 45]) {
      const m = measureScale(grid(12 * r, 9 * r, r));
      expect(m.rbcDiameterPx).not.toBeNull();
      expect(Math.abs(m.rbcDiameterPx! - 2 * r)).toBeLessThan(Math.max(1.5, 0.06 * 2 * r));
      expect(m.umPerPixel).toBeCloseTo(REFERENCE_RBC_UM / m.rbcDiameterPx!, 10);
    }
  });

  it('fills the pale centre of red cells and ignores leukocytes, platelets and cells cut by the border', () => {
    const r = 20;
    const others: Disc[] = [
      { x: 130, y: 130, r: 38, rgb: [120, 60, 160] }, // a leukocyte
      { x: 5, y: 100, r: 20, rgb: RBC }, // cut by the border
      ...[0, 1, 2, 3, 4, 5].map((i) => ({ x: 40 + 30 * i, y: 230, r: 4, rgb: [140, 90, 170] as [number, number, number] })), // platelets
    ];
    const m = measureScale(grid(260, 260, r, others, 0.4));
    expect(Math.abs(m.rbcDiameterPx! / (2 * r) - 1)).toBeLessThan(0.04);
  });

  it('separates touching red cells', () => {
    const r = 15;
    const pairs: Disc[] = [];
    for (let i = 0; i < 5; i++) pairs.push({ x: 40 + 80 * i, y: 60, r, rgb: RBC }, { x: 40 + 80 * i + 2 * r - 1, y: 60, r, rgb: RBC });
    const m = measureScale(field(440, 120, pairs));
    expect(m.rbcCount).toBeGreaterThanOrEqual(5);
    expect(Math.abs(m.rbcDiameterPx! / (2 * r) - 1)).toBeLessThan(0.15);
  });

  it('gives no scale when fewer than three red cells can be measured', () => {
    const m = measureScale(
      field(200, 200, [
        { x: 60, y: 60, r: 20, rgb: RBC },
        { x: 140, y: 140, r: 20, rgb: RBC },
      ]),
    );
    expect(m).toEqual({ rbcDiameterPx: null, rbcCount: 2, umPerPixel: null, method: null });
    expect(measureScale(field(64, 64, [])).rbcDiameterPx).toBeNull();
  });

  it('measures small red cells on a large image at a finer working copy', () => {
    const m = measureScale(grid(2400, 1800, 7));
    expect(Math.abs(m.rbcDiameterPx! - 14)).toBeLessThan(1.5);
  });

  /** Red cells of radius r in staggered rows, `gap` pixels apart, filling a side x side field. */
  function packed(side: number, r: number, gap: number) {
    const discs: Disc[] = [];
    const step = 2 * r + gap;
    for (let row = 0, y = r + 2; y + r < side; row++, y += step) for (let x = r + 2 + (row % 2) * (step / 2); x + r < side; x += step) discs.push({ x, y, r, rgb: RBC });
    return field(side, side, discs);
  }

  it('measures small, packed red cells on a small image (a low-power objective through a phone) on an enlarged copy', () => {
    // Red cells 11 px wide, a pixel apart or touching, as a phone photographs a 40x field at 416 px:
    // touching ones are told apart only without the closing.
    for (const gap of [1, 0]) {
      const m = measureScale(packed(416, 5.5, gap));
      expect(m.rbcDiameterPx, `gap ${gap}`).not.toBeNull();
      expect(Math.abs(m.rbcDiameterPx! / 11 - 1), `gap ${gap}`).toBeLessThan(0.15);
    }
  });

  it('measures large touching red cells at their own size, not as small cells', () => {
    const m = measureScale(packed(480, 14, 0));
    expect(m.rbcDiameterPx).not.toBeNull();
    expect(Math.abs(m.rbcDiameterPx! / 28 - 1)).toBeLessThan(0.15);
  });

  it('reads every demo field within the tolerance the detector view allows of its labelled red-cell size', async () => {
    // Median labelled red-cell box of each field (whole boxes, aspect <= 1.3; BCCD VOC and TXL-PBC
    // labels, 3 to 15 boxes a field). The measured disc lies inside the box's pale rim: 0.8 to 0.92
    // of it over TXL-PBC val (scripts/measure-scale.ts --txl).
    const labelled: Record<string, number> = {
      'bccd-BloodImage_00001.jpg': 97.3,
      'bccd-BloodImage_00249.jpg': 94.0,
      'bcd-9a5a40ca.jpg': 89.0,
      'pbc-30a596f3.jpg': 91.0,
      'pbc-a99a594c.jpg': 72.5,
      'raabin-5c3e037c.jpg': 128.0,
    };
    for (const [name, px] of Object.entries(labelled)) {
      const m = measureScale(await decodeImage(path.join(DEMO, name)));
      expect(m.rbcDiameterPx, name).not.toBeNull();
      expect(m.rbcDiameterPx! / px, name).toBeGreaterThan(0.9 / SCALE_TOLERANCE);
      expect(m.rbcDiameterPx! / px, name).toBeLessThan(0.9 * SCALE_TOLERANCE);
    }
  });
});

describe('otsuThresholds', () => {
  it('splits three grey populations between them', () => {
    const grey = new Uint8Array(300);
    grey.fill(40, 0, 100);
    grey.fill(130, 100, 200);
    grey.fill(220, 200, 300);
    const [low, high] = otsuThresholds(grey);
    expect(low).toBeGreaterThanOrEqual(40);
    expect(low).toBeLessThan(130);
    expect(high).toBeGreaterThanOrEqual(130);
    expect(high).toBeLessThan(220);
  });
});
