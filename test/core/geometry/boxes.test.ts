import { describe, expect, it } from 'vitest';
import { area, clipBox, iou, nmsIndices, orderByScore } from '../../../src/core/geometry/boxes.ts';
import type { Box } from '../../../src/core/types.ts';

const nms = <T extends { box: Box; score: number; type: number }>(dets: T[], iouThr: number, classAware: boolean): T[] => nmsIndices(dets, iouThr, classAware).map((i) => dets[i]);

describe('area', () => {
  it('is width * height, 0 for empty or reversed boxes', () => {
    expect(area([1, 2, 11, 7])).toBe(50);
    expect(area([5, 5, 5, 9])).toBe(0);
    expect(area([10, 0, 0, 10])).toBe(0);
  });
});

describe('iou', () => {
  it('uses continuous coordinates (no +1 pixel convention)', () => {
    // With the +1 convention this would be 66/176.
    expect(iou([0, 0, 10, 10], [5, 0, 15, 10])).toBeCloseTo(1 / 3, 15);
  });
  it('is 1 for identical boxes, symmetric, and handles containment', () => {
    expect(iou([3, 4, 20, 30], [3, 4, 20, 30])).toBe(1);
    const a: Box = [0, 0, 10, 10],
      b: Box = [2, 3, 9, 8];
    expect(iou(a, b)).toBeCloseTo(35 / 100, 15);
    expect(iou(b, a)).toBe(iou(a, b));
  });
  it('is 0 for disjoint and edge-touching boxes', () => {
    expect(iou([0, 0, 10, 10], [20, 20, 30, 30])).toBe(0);
    expect(iou([0, 0, 10, 10], [10, 0, 20, 10])).toBe(0);
    expect(iou([0, 0, 10, 10], [0, 10, 10, 20])).toBe(0);
    expect(iou([0, 0, 10, 10], [5, 5, 5, 5])).toBe(0);
  });
});

describe('clipBox', () => {
  it('clamps x to [0, width] and y to [0, height] and returns a new box', () => {
    const b: Box = [-5, 10, 700, 500];
    const c = clipBox(b, 640, 480);
    expect(c).toEqual([0, 10, 640, 480]);
    expect(b).toEqual([-5, 10, 700, 500]);
    expect(clipBox([1, 2, 3, 4], 640, 480)).toEqual([1, 2, 3, 4]);
  });
});

describe('nms', () => {
  const d = (box: Box, score: number, type = 0, id = '') => ({ box, score, type, id });

  it('keeps boxes by score, highest first, and returns the input objects', () => {
    const a = d([0, 0, 10, 10], 0.5),
      b = d([1, 0, 11, 10], 0.9),
      c = d([50, 50, 60, 60], 0.7);
    const kept = nms([a, b, c], 0.5, false);
    expect(kept).toEqual([b, c]);
    expect(kept[0]).toBe(b);
  });

  it('suppresses only IoU strictly greater than the threshold', () => {
    // IoU exactly 0.5: [0,0,10,10] vs [0,0,10,5] = 50 / 100.
    const a = d([0, 0, 10, 10], 0.9),
      b = d([0, 0, 10, 5], 0.8);
    expect(iou(a.box, b.box)).toBe(0.5);
    expect(nms([a, b], 0.5, false)).toEqual([a, b]);
    expect(nms([a, b], 0.49, false)).toEqual([a]);
  });

  it('is greedy: a suppressed box suppresses nothing', () => {
    // IoU(A,B) = IoU(B,C) = 7/13, IoU(A,C) = 1/4.
    const a = d([0, 0, 10, 10], 0.9),
      b = d([3, 0, 13, 10], 0.8),
      c = d([6, 0, 16, 10], 0.7);
    expect(nms([a, b, c], 0.5, false)).toEqual([a, c]);
  });

  it('suppresses across types unless class-aware', () => {
    const a = d([0, 0, 10, 10], 0.9, 0),
      b = d([1, 0, 11, 10], 0.8, 3),
      c = d([0, 1, 10, 11], 0.7, 0);
    expect(nms([a, b, c], 0.5, false)).toEqual([a]);
    expect(nms([a, b, c], 0.5, true)).toEqual([a, b]);
  });

  it('breaks score ties by input order (stable)', () => {
    const a = d([0, 0, 10, 10], 0.5, 0, 'a'),
      b = d([1, 0, 11, 10], 0.5, 0, 'b');
    expect(nms([a, b], 0.5, false).map((x) => x.id)).toEqual(['a']);
    expect(nms([b, a], 0.5, false).map((x) => x.id)).toEqual(['b']);
  });

  it('reports which kept box suppressed each box', () => {
    const dets = [d([0, 0, 10, 10], 0.9), d([1, 0, 11, 10], 0.8), d([50, 0, 60, 10], 0.7), d([51, 0, 61, 10], 0.95)];
    const owner = new Int32Array(dets.length);
    expect(nmsIndices(dets, 0.5, false, owner)).toEqual([3, 0]);
    expect([...owner]).toEqual([0, 0, 3, 3]);
  });

  it('handles an empty list', () => {
    expect(nms([], 0.5, true)).toEqual([]);
  });
});

describe('orderByScore', () => {
  it('matches a stable descending sort, ties in input order', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    for (const n of [0, 1, 2, 15, 16, 17, 33, 100, 301]) {
      // Few distinct values, so there are many ties.
      const scores = Array.from({ length: n }, () => Math.floor(rnd() * 8) / 8);
      const expected = scores.map((_, i) => i).sort((i, j) => scores[j] - scores[i]);
      expect([...orderByScore(scores)]).toEqual(expected);
    }
  });
});
