import { describe, expect, it } from 'vitest';
import { fuse, fusePaper } from '../../../src/core/ensemble/index.ts';
import { iou } from '../../../src/core/geometry/boxes.ts';
import type { Box, Detection } from '../../../src/core/types.ts';

const det = (box: Box, type: number, score: number): Detection => ({ box, type, score, probs: [] });
const image = { width: 640, height: 480 };
const NEUTROPHIL = 0,
  EOSINOPHIL = 1,
  BASOPHIL = 2,
  LYMPHOCYTE = 3,
  MONOCYTE = 4;

function expectBox(actual: Box, expected: Box): void {
  actual.forEach((v, k) => expect(v).toBeCloseTo(expected[k], 12));
}

describe('paper fusion', () => {
  it("gives each cell the members' mean leukocyte probability, a model without a detection counting 0", () => {
    const withProbs = (box: Box, probs: number[]): Detection => {
      const type = probs.indexOf(Math.max(...probs));
      return { box, type, score: probs[type], probs };
    };
    const perModel: Detection[][] = [[withProbs([100, 100, 140, 140], [0.5, 0.4, 0, 0, 0])], [withProbs([101, 100, 141, 140], [0.3, 0.6, 0, 0, 0.05])], []];
    const [c] = fuse(perModel, { mode: 'paper', iou: 0.55 }, image);
    // A split vote: each type's confidence is low, but both models are sure it is a white cell.
    expect(c.confidence).toBeCloseTo(0.6 / 3, 12);
    expect(c.leukocyte).toBeCloseTo((0.9 + 0.95) / 3, 12);
  });

  it("reproduces the paper's example: 6 models, a minority box dropped, 3 of 4 vote neutrophil", () => {
    const perModel: Detection[][] = [
      [det([100, 100, 140, 140], NEUTROPHIL, 0.9)],
      [det([102, 101, 142, 141], NEUTROPHIL, 0.8)],
      [det([99, 102, 139, 142], NEUTROPHIL, 0.7)],
      // The dissenter scores highest, so it opens the cluster: the vote, not the score, decides.
      [det([101, 99, 141, 139], LYMPHOCYTE, 0.95)],
      [det([400, 300, 440, 340], NEUTROPHIL, 0.85)],
      [],
    ];
    const cells = fuse(perModel, { mode: 'paper', iou: 0.55 }, image);
    expect(cells).toHaveLength(1);
    const c = cells[0];
    expect(c.type).toBe(NEUTROPHIL);
    expect(c.votes).toEqual([3, 0, 0, 1, 0]);
    expect(c.confidence).toBeCloseTo((0.9 + 0.8 + 0.7) / 6, 12);
    expect(c.agreement).toBeCloseTo(3 / 6, 12);
    expect(c.support).toBe(4);
    const w = 0.9 + 0.8 + 0.7 + 0.95;
    expectBox(c.box, [
      (0.9 * 100 + 0.8 * 102 + 0.7 * 99 + 0.95 * 101) / w,
      (0.9 * 100 + 0.8 * 101 + 0.7 * 102 + 0.95 * 99) / w,
      (0.9 * 140 + 0.8 * 142 + 0.7 * 139 + 0.95 * 141) / w,
      (0.9 * 140 + 0.8 * 141 + 0.7 * 142 + 0.95 * 139) / w,
    ]);
  });

  it('never puts two detections of one model into one cluster', () => {
    const perModel = [[det([100, 100, 140, 140], NEUTROPHIL, 0.9), det([101, 100, 141, 140], NEUTROPHIL, 0.6)], [det([100, 101, 140, 141], NEUTROPHIL, 0.8)]];
    const cells = fusePaper(perModel, 0.55);
    expect(cells).toHaveLength(2);
    expect(cells.map((c) => c.support)).toEqual([2, 1]);
    expect(cells[0].votes).toEqual([2, 0, 0, 0, 0]);
    expect(cells[0].confidence).toBeCloseTo((0.9 + 0.8) / 2, 12);
    expect(cells[1].confidence).toBeCloseTo(0.6 / 2, 12);
  });

  it('puts a detection into the first matching cluster in creation order, not the best-overlapping one', () => {
    // A and B (both model 0) open two clusters; C overlaps B more, but A's cluster came first.
    const A: Box = [0, 0, 10, 10],
      B: Box = [4, 0, 14, 10],
      C: Box = [3, 0, 13, 10];
    expect(iou(C, B)).toBeGreaterThan(iou(C, A));
    expect(iou(C, A)).toBeGreaterThanOrEqual(0.3);
    const cells = fusePaper([[det(A, 0, 0.9), det(B, 0, 0.8)], [det(C, 0, 0.7)]], 0.3);
    expect(cells).toHaveLength(2);
    expect(cells[0].support).toBe(2);
    expectBox(cells[0].box, [(0.7 * 3) / 1.6, 0, (0.9 * 10 + 0.7 * 13) / 1.6, 10]);
    expectBox(cells[1].box, B);
  });

  it('joins at IoU exactly theta and not below it', () => {
    // Scores 0.75 and 0.5 keep the fused box exact; IoU = 50 / 100.
    const perModel = [[det([0, 0, 10, 10], NEUTROPHIL, 0.75)], [det([0, 0, 10, 5], NEUTROPHIL, 0.5)]];
    expect(iou(perModel[0][0].box, perModel[1][0].box)).toBe(0.5);
    const joined = fusePaper(perModel, 0.5);
    expect(joined).toHaveLength(1);
    expect(joined[0].support).toBe(2);
    expect(fusePaper(perModel, 0.5000001)).toHaveLength(2);
  });

  it('with theta = 0 joins even disjoint boxes (IoU 0 >= 0)', () => {
    const cells = fusePaper([[det([0, 0, 10, 10], 0, 0.5)], [det([100, 0, 110, 10], 0, 0.5)]], 0);
    expect(cells).toHaveLength(1);
    expect(cells[0].support).toBe(2);
  });

  it('compares with the current fused box, not with the cluster seed', () => {
    // C overlaps A alone at 0.43 but the fused box of A and B ([1,0,11,10]) at 7/13.
    const A: Box = [0, 0, 10, 10],
      B: Box = [2, 0, 12, 10],
      C: Box = [4, 0, 14, 10];
    expect(iou(A, C)).toBeLessThan(0.5);
    const cells = fusePaper([[det(A, 0, 0.5)], [det(B, 0, 0.5)], [det(C, 0, 0.25)]], 0.5);
    expect(cells).toHaveLength(1);
    expect(cells[0].support).toBe(3);
    expectBox(cells[0].box, [(0 + 1 + 1) / 1.25, 0, (5 + 6 + 3.5) / 1.25, 10]);
  });

  it('weights the fused box by confidence', () => {
    const cells = fusePaper([[det([0, 0, 10, 10], 0, 0.75)], [det([2, 2, 12, 12], 0, 0.25)]], 0.4);
    expect(cells).toHaveLength(1);
    expectBox(cells[0].box, [0.5, 0.5, 10.5, 10.5]);
  });

  it('breaks a vote tie by the larger summed confidence', () => {
    // Lymphocyte 0.6 + 0.5 beats eosinophil 0.9 + 0.1 although eosinophil has the top score
    // and the lower index.
    const box: Box = [10, 10, 50, 50];
    const perModel = [[det(box, EOSINOPHIL, 0.9)], [det(box, LYMPHOCYTE, 0.6)], [det(box, LYMPHOCYTE, 0.5)], [det(box, EOSINOPHIL, 0.1)]];
    const [c] = fusePaper(perModel, 0.55);
    expect(c.type).toBe(LYMPHOCYTE);
    expect(c.votes).toEqual([0, 2, 0, 2, 0]);
    expect(c.confidence).toBeCloseTo(1.1 / 4, 12);
    expect(c.agreement).toBe(0.5);
  });

  it('breaks a tie in votes and summed confidence by the lower type index', () => {
    const box: Box = [10, 10, 50, 50];
    const perModel = [[det(box, MONOCYTE, 0.5)], [det(box, BASOPHIL, 0.5)], [det(box, MONOCYTE, 0.25)], [det(box, BASOPHIL, 0.25)]];
    const [c] = fusePaper(perModel, 0.55);
    expect(c.type).toBe(BASOPHIL);
    expect(c.confidence).toBe(0.75 / 4);
  });

  describe('keeps a cluster only when at least M/2 models back it', () => {
    // Cell k sits at x = 100k; `seenBy[k]` lists the models that detect it.
    function field(M: number, seenBy: number[][]): Detection[][] {
      const perModel: Detection[][] = Array.from({ length: M }, () => []);
      seenBy.forEach((models, k) => {
        for (const m of models) perModel[m].push(det([100 * k, 0, 100 * k + 40, 40], 0, 0.9 - 0.1 * k));
      });
      return perModel;
    }
    // Supports of the kept cells, in field order.
    const supports = (M: number, seenBy: number[][]) =>
      fusePaper(field(M, seenBy), 0.55)
        .sort((a, b) => a.box[0] - b.box[0])
        .map((c) => c.support);

    it('M = 2: one model is enough', () => {
      expect(supports(2, [[0, 1], [1]])).toEqual([2, 1]);
    });
    it('M = 3: two models needed', () => {
      expect(supports(3, [[0], [1, 2], [0, 1, 2], [2]])).toEqual([2, 3]);
    });
    it('M = 4: two models are enough, one is not', () => {
      expect(supports(4, [[0, 3], [1], [0, 1, 2, 3], [2, 3]])).toEqual([2, 4, 2]);
    });
  });

  it('sorts cells by confidence, highest first', () => {
    const perModel = [[det([0, 0, 40, 40], 0, 0.3), det([100, 0, 140, 40], 1, 0.9), det([200, 0, 240, 40], 2, 0.6)]];
    expect(fusePaper(perModel, 0.55).map((c) => c.type)).toEqual([1, 2, 0]);
  });

  it('takes equal scores in model order, then list order, and is deterministic', () => {
    // IoU(A,B) = IoU(B,C) = 7/13, IoU(A,C) = 1/4: the first detection taken decides the cell.
    const A = det([0, 0, 10, 10], 0, 0.5),
      B = det([3, 0, 13, 10], 0, 0.5),
      C = det([6, 0, 16, 10], 0, 0.5);
    const forward = fusePaper([[A], [B], [C]], 0.5);
    expect(forward).toHaveLength(1);
    expectBox(forward[0].box, [1.5, 0, 11.5, 10]);
    expect(fusePaper([[A], [B], [C]], 0.5)).toEqual(forward);
    const reversed = fusePaper([[C], [B], [A]], 0.5);
    expectBox(reversed[0].box, [4.5, 0, 14.5, 10]);
    // Within one model's list: the earlier of two equal-scored boxes is taken first.
    const far = det([300, 0, 310, 10], 0, 0.5);
    const inList = fusePaper([[far, A], [B], [C]], 0.5);
    expect(inList.map((c) => c.support)).toEqual([2]);
    expectBox(inList[0].box, [1.5, 0, 11.5, 10]);
  });

  it('returns nothing for no models or no detections', () => {
    expect(fusePaper([], 0.55)).toEqual([]);
    expect(fusePaper([[], []], 0.55)).toEqual([]);
  });

  it('rejects a type outside 0..4', () => {
    expect(() => fusePaper([[det([0, 0, 1, 1], 5, 0.5)]], 0.55)).toThrow(RangeError);
  });
});
