/** How the detectors see a field of known scale: whole, on a larger canvas, or in overlapping tiles. */
import { describe, expect, it } from 'vitest';
import { cutByTile, DEFAULT_DETECTOR_SCALE, detectorView, SCALE_TOLERANCE, TILE_OVERLAP_RBC, tiles } from '../../../src/core/analysis/detector-view.ts';
import type { Box } from '../../../src/core/types.ts';

describe('detectorView', () => {
  it('keeps a field whose long side spans the training band of red-cell diameters whole', () => {
    expect(detectorView(640, 480, 93)).toEqual({ kind: 'whole' }); // BCCD: 6.9
    expect(detectorView(363, 360, 72)).toEqual({ kind: 'whole' }); // PBC: 5.0
    expect(detectorView(640, 480, null)).toEqual({ kind: 'whole' });
    // A measurement up to SCALE_TOLERANCE off the band changes nothing.
    expect(detectorView(640, 480, 93 / (SCALE_TOLERANCE - 0.01))).toEqual({ kind: 'whole' });
    expect(detectorView(363, 360, 72 * (SCALE_TOLERANCE - 0.01))).toEqual({ kind: 'whole' });
  });

  it('puts a single-cell crop on a canvas that spans the fewest diameters of the band', () => {
    const view = detectorView(300, 200, 93); // 3.2 red cells across: an analyser's crop
    expect(view.kind).toBe('canvas');
    if (view.kind !== 'canvas') return;
    expect(view.width / 93).toBeCloseTo(DEFAULT_DETECTOR_SCALE.fieldRbcDiameters[0], 1);
    expect(view.height / view.width).toBeCloseTo(200 / 300, 2);
  });

  it('cuts a low-magnification field into overlapping tiles of the band middle that cover it', () => {
    const view = detectorView(800, 600, 40); // 20 red cells across
    expect(view.kind).toBe('tiles');
    if (view.kind !== 'tiles') return;
    expect(view.capped).toBe(false);
    const side = view.tiles[0][2] - view.tiles[0][0];
    expect(side / 40).toBeCloseTo(5.95, 1);
    for (const [x, y] of [
      [0, 0],
      [799, 599],
      [400, 300],
      [37, 590],
    ]) {
      expect(view.tiles.some((t) => x >= t[0] && x < t[2] && y >= t[1] && y < t[3])).toBe(true);
    }
    // Neighbours overlap by at least the overlap, so a leukocyte cut by one tile is whole in the next.
    const xs = [...new Set(view.tiles.map((t) => t[0]))].sort((a, b) => a - b);
    for (let i = 1; i < xs.length; i++) expect(xs[i - 1] + side - xs[i]).toBeGreaterThanOrEqual(TILE_OVERLAP_RBC * 40 - 1);
  });

  it('caps the number of tiles and says so', () => {
    const view = detectorView(4000, 3000, 12, { fieldRbcDiameters: [5, 6.9], maxTiles: 16 }); // a phone at 10x
    expect(view.kind).toBe('tiles');
    if (view.kind !== 'tiles') return;
    expect(view.tiles.length).toBeLessThanOrEqual(16);
    expect(view.capped).toBe(true);
  });
});

describe('tiles and cutByTile', () => {
  it('gives one tile for a field smaller than a tile', () => {
    expect(tiles(300, 200, 500, 100)).toEqual([[0, 0, 300, 200]]);
  });

  it('drops only boxes touching an inner edge of their tile', () => {
    const tile: Box = [100, 0, 300, 200];
    expect(cutByTile([101, 50, 150, 100], tile, 400, 200)).toBe(true); // left edge is inside the field
    expect(cutByTile([250, 50, 299, 100], tile, 400, 200)).toBe(true); // right edge too
    expect(cutByTile([150, 0, 200, 40], tile, 400, 200)).toBe(false); // top edge is the field's own
    expect(cutByTile([150, 50, 200, 100], tile, 400, 200)).toBe(false);
  });
});
