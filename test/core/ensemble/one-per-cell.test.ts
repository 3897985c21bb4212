import { describe, expect, it } from 'vitest';
import { fuse, fusePaper } from '../../../src/core/ensemble/index.ts';
import { onePerCell, sameLeukocyte } from '../../../src/core/ensemble/one-per-cell.ts';
import { iou } from '../../../src/core/geometry/boxes.ts';
import type { Box, Detection, FusedCell } from '../../../src/core/types.ts';
import { mulberry32 } from '../../../src/core/util/random.ts';

const det = (box: Box, type: number, score: number): Detection => ({
  box,
  type,
  score,
  probs: Array.from({ length: 5 }, (_, t) => (t === type ? score : 0)),
});
const cell = (box: Box, type: number, confidence: number, more: Partial<FusedCell> = {}): FusedCell => ({
  box,
  type,
  confidence,
  votes: Array.from({ length: 5 }, (_, t) => (t === type ? 1 : 0)),
  agreement: 1 / 3,
  support: 1,
  leukocyte: confidence,
  ...more,
});
const image = { width: 640, height: 480 };

// A tight box on a cell inside a loose box of the same cell: IoU 1600 / 4900, all of the tight box inside.
const TIGHT: Box = [100, 100, 140, 140];
const LOOSE: Box = [90, 90, 160, 160];
// Two touching leukocytes on TXL-PBC val (61bf74fa): a tight box on the right one, and a loose box on
// the left one that holds 63 % of the tight box and its centre, its own centre outside the tight box.
const RIGHT_CELL: Box = [229, 82, 360, 232];
const LEFT_CELL_LOOSE: Box = [119, 92, 318, 280];

describe('sameLeukocyte', () => {
  it('takes nested boxes of one cell as one leukocyte whatever their IoU', () => {
    expect(iou(TIGHT, LOOSE)).toBeLessThan(0.5);
    expect(sameLeukocyte(TIGHT, LOOSE)).toBe(true);
    expect(sameLeukocyte(LOOSE, TIGHT)).toBe(true);
  });

  it('keeps touching neighbours apart, also when one box holds most of the other and its centre', () => {
    expect(sameLeukocyte([100, 100, 140, 140], [140, 100, 180, 140])).toBe(false);
    expect(sameLeukocyte([100, 100, 140, 140], [130, 100, 170, 140])).toBe(false);
    expect(sameLeukocyte(RIGHT_CELL, LEFT_CELL_LOOSE)).toBe(false);
  });

  it('takes every pair at IoU >= 0.5 (the evaluation match) as one leukocyte', () => {
    const rnd = mulberry32(19);
    const a: Box = [0, 0, 40, 40];
    let pairs = 0;
    for (let k = 0; k < 20000; k++) {
      const x = rnd() * 60 - 20,
        y = rnd() * 60 - 20;
      const b: Box = [x, y, x + 10 + rnd() * 80, y + 10 + rnd() * 80];
      if (iou(a, b) < 0.5) continue;
      pairs++;
      expect(sameLeukocyte(a, b), String(b)).toBe(true);
    }
    expect(pairs).toBeGreaterThan(100);
  });

  it('merges from 0.6 of the smaller box inside the larger, each centre inside the other', () => {
    // Shifted by 12 of 30: 0.6 of either box inside the other, IoU 0.43.
    expect(sameLeukocyte([0, 0, 30, 10], [12, 0, 42, 10])).toBe(true);
    expect(sameLeukocyte([0, 0, 30, 10], [12.3, 0, 42.3, 10])).toBe(false);
    // 60 x 60 of the 100 x 60 box inside the 100 x 100 box; IoU 0.29.
    expect(sameLeukocyte([0, 0, 100, 100], [40, 0, 140, 60])).toBe(true);
    expect(sameLeukocyte([0, 0, 100, 100], [41, 0, 141, 60])).toBe(false);
  });
});

describe('onePerCell', () => {
  it('keeps the higher-confidence cell, box and type, wherever it comes in the input', () => {
    const weak = cell(LOOSE, 3, 0.4);
    const strong = cell(TIGHT, 0, 0.7);
    for (const input of [
      [weak, strong],
      [strong, weak],
    ]) {
      const [only, ...rest] = onePerCell(input);
      expect(rest).toEqual([]);
      expect(only.box).toEqual(TIGHT);
      expect(only.type).toBe(0);
      expect(only.confidence).toBe(0.7);
    }
  });

  it("adds the absorbed cell's votes, and takes the larger support and leukocyte probability", () => {
    const kept = cell(TIGHT, 0, 0.7, { votes: [2, 0, 0, 0, 0], agreement: 2 / 3, support: 2, leukocyte: 0.5 });
    const absorbed = cell(LOOSE, 3, 0.4, { votes: [0, 0, 0, 1, 0], agreement: 1 / 3, support: 1, leukocyte: 0.6 });
    expect(onePerCell([kept, absorbed])).toEqual([{ box: TIGHT, type: 0, confidence: 0.7, votes: [2, 0, 0, 1, 0], agreement: 2 / 3, support: 2, leukocyte: 0.6 }]);
  });

  it('takes the larger agreement only when the absorbed cell has the same type', () => {
    const kept = cell(TIGHT, 4, 0.7, { agreement: 1 / 3 });
    expect(onePerCell([kept, cell(LOOSE, 4, 0.4, { agreement: 2 / 3 })])[0].agreement).toBe(2 / 3);
    expect(onePerCell([kept, cell(LOOSE, 1, 0.4, { agreement: 2 / 3 })])[0].agreement).toBe(1 / 3);
  });

  it('gives a cell to the most confident kept cell it is the same leukocyte as, and returns the cells by confidence', () => {
    // B overlaps both A (0.9) and C (0.8); C does not overlap A.
    const A = cell([0, 0, 30, 10], 0, 0.9);
    const C = cell([20, 0, 50, 10], 1, 0.8);
    const B = cell([10, 0, 40, 10], 2, 0.5);
    expect(iou(A.box, B.box)).toBe(0.5);
    expect(iou(C.box, B.box)).toBe(0.5);
    const out = onePerCell([B, C, A]);
    expect(out.map((c) => c.confidence)).toEqual([0.9, 0.8]);
    expect(out[0].votes).toEqual([1, 0, 1, 0, 0]);
    expect(out[1].votes).toEqual([0, 1, 0, 0, 0]);
  });

  it('leaves distinct cells and the input as they are', () => {
    const input = [cell([0, 0, 10, 10], 0, 0.3), cell([20, 0, 30, 10], 1, 0.6)];
    const copy = structuredClone(input);
    expect(onePerCell(input)).toEqual([copy[1], copy[0]]);
    expect(onePerCell([cell(TIGHT, 0, 0.7), cell(LOOSE, 1, 0.4)])).toHaveLength(1);
    expect(input).toEqual(copy);
  });
});

describe('fuse ends every ensemble mode with one cell per leukocyte', () => {
  // Member 0 boxes the cell tightly, member 1 loosely: too little IoU to join one cluster.
  const nested = [[det(TIGHT, 0, 0.9)], [det(LOOSE, 3, 0.8)]];

  it('paper: two clusters on one cell become one cell', () => {
    expect(fusePaper(nested, 0.55)).toHaveLength(2);
    const cells = fuse(nested, { mode: 'paper', iou: 0.55 }, image);
    expect(cells).toHaveLength(1);
    expect(cells[0].box).toEqual(TIGHT);
    expect(cells[0].votes).toEqual([1, 0, 0, 1, 0]);
  });

  it.each(['wbf', 'nms'] as const)('%s: nested boxes of one cell become one cell', (mode) => {
    expect(fuse(nested, { mode, iou: 0.55 }, image)).toHaveLength(1);
  });

  it('keeps touching leukocytes apart in every mode', () => {
    const touching = [[det(RIGHT_CELL, 1, 0.59)], [det(LEFT_CELL_LOOSE, 4, 0.3)]];
    for (const mode of ['paper', 'wbf', 'nms'] as const) expect(fuse(touching, { mode, iou: 0.55 }, image)).toHaveLength(2);
  });

  it('single: one member as it is, nested boxes and all', () => {
    expect(fuse([[det(TIGHT, 0, 0.9), det(LOOSE, 3, 0.8)]], { mode: 'single', member: 0 }, image)).toHaveLength(2);
  });
});
