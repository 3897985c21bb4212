import { describe, expect, it } from 'vitest';
import { fuse, fuseNms, fusePaper, parseFusionSpec } from '../../../src/core/ensemble/index.ts';
import type { Box, Detection } from '../../../src/core/types.ts';

/** A detection whose leukocyte probability (the sum of its type probabilities) is score + 0.1. */
const det = (box: Box, type: number, score: number): Detection => ({
  box,
  type,
  score,
  probs: Array.from({ length: 5 }, (_, t) => (t === type ? score : 0.025)),
});
const image = { width: 640, height: 480 };

describe('nms fusion', () => {
  const perModel = [
    [det([100, 100, 140, 140], 0, 0.9), det([101, 100, 141, 140], 0, 0.4)],
    [det([102, 101, 142, 141], 0, 0.8), det([300, 300, 340, 340], 2, 0.6)],
    [det([100, 102, 140, 142], 3, 0.7)],
  ];

  it('keeps the top box of each overlapping group, class-agnostic, with group votes and support', () => {
    const cells = fuse(perModel, { mode: 'nms', iou: 0.5 }, image);
    expect(cells).toHaveLength(2);
    const [a, b] = cells;
    expect(a.box).toEqual([100, 100, 140, 140]);
    expect(a.type).toBe(0);
    expect(a.confidence).toBe(0.9);
    // Group: model 0 twice (type 0), model 1 (type 0), model 2 (type 3).
    expect(a.votes).toEqual([3, 0, 0, 1, 0]);
    expect(a.support).toBe(3);
    expect(a.agreement).toBeCloseTo(2 / 3, 12);
    // Each model's best leukocyte probability in the group (model 0: 1.0, not 0.5), over M = 3.
    expect(a.leukocyte).toBeCloseTo((1.0 + 0.9 + 0.8) / 3, 12);
    expect(b).toEqual({ box: [300, 300, 340, 340], type: 2, confidence: 0.6, votes: [0, 0, 1, 0, 0], agreement: 1 / 3, support: 1, leukocyte: expect.closeTo(0.7 / 3, 12) });
  });

  it('keeps a box at IoU exactly equal to the threshold (before the one-cell-per-leukocyte pass merges it)', () => {
    const perModel = [[det([0, 0, 10, 10], 0, 0.9)], [det([0, 0, 10, 5], 0, 0.8)]];
    expect(fuseNms(perModel, 0.5)).toHaveLength(2);
    expect(fuse(perModel, { mode: 'nms', iou: 0.5 }, image)).toHaveLength(1);
  });
});

describe('single fusion', () => {
  it("returns one member's detections as cells, by confidence", () => {
    const perModel = [[det([0, 0, 10, 10], 1, 0.9)], [det([0, 0, 10, 10], 4, 0.3), det([50, 50, 60, 60], 2, 0.8)]];
    const cells = fuse(perModel, { mode: 'single', member: 1 }, image);
    expect(cells).toEqual([
      { box: [50, 50, 60, 60], type: 2, confidence: 0.8, votes: [0, 0, 1, 0, 0], agreement: 1, support: 1, leukocyte: expect.closeTo(0.9, 12) },
      { box: [0, 0, 10, 10], type: 4, confidence: 0.3, votes: [0, 0, 0, 0, 1], agreement: 1, support: 1, leukocyte: expect.closeTo(0.4, 12) },
    ]);
    expect(cells[1].box).not.toBe(perModel[1][0].box);
  });

  it('rejects a member index out of range', () => {
    expect(() => fuse([[]], { mode: 'single', member: 1 }, image)).toThrow(RangeError);
  });
});

describe('fuse', () => {
  it('dispatches paper mode to the paper rule', () => {
    const perModel = [[det([0, 0, 40, 40], 0, 0.9)], [det([1, 1, 41, 41], 3, 0.8)], []];
    expect(fuse(perModel, { mode: 'paper', iou: 0.55 }, image)).toEqual(fusePaper(perModel, 0.55));
  });
});

describe('parseFusionSpec', () => {
  const ids = ['yolo-s', 'rtdetr'];
  const defaults = { iou: 0.55 };

  it('parses the modes and single:<id>', () => {
    expect(parseFusionSpec('paper', ids, defaults)).toEqual({ mode: 'paper', iou: 0.55 });
    expect(parseFusionSpec('wbf', ids, defaults)).toEqual({ mode: 'wbf', iou: 0.55 });
    expect(parseFusionSpec('nms', ids, { iou: 0.5 })).toEqual({ mode: 'nms', iou: 0.5 });
    expect(parseFusionSpec('single:rtdetr', ids, defaults)).toEqual({ mode: 'single', member: 1 });
  });

  it('names the valid choices for an unknown spec', () => {
    expect(() => parseFusionSpec('mean', ids, defaults)).toThrow(/'mean'.*paper, wbf, nms, single:yolo-s, single:rtdetr/);
    expect(() => parseFusionSpec('', ids, defaults)).toThrow(/paper, wbf, nms/);
  });

  it('names the valid members for an unknown member id', () => {
    expect(() => parseFusionSpec('single:yolo-x', ids, defaults)).toThrow(/yolo-x.*single:yolo-s, single:rtdetr/);
    expect(() => parseFusionSpec('single:', ids, defaults)).toThrow(/single:yolo-s, single:rtdetr/);
  });
});
