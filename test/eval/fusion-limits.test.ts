import { describe, expect, it } from 'vitest';
import { fusePaper } from '../../src/core/ensemble/paper.ts';
import { withWeightedBoxes } from '../../src/eval/fusion-limits.ts';
import type { Box, Detection } from '../../src/core/types.ts';

const det = (box: Box, score: number): Detection => ({ box, type: 0, score, probs: [score, 0, 0, 0, 0] });
const expectBox = (actual: number[], expected: number[]) => actual.forEach((v, k) => expect(v).toBeCloseTo(expected[k], 9));

describe('withWeightedBoxes', () => {
  // Two members agree on a cell with slightly different boxes; the second also sees a cell alone.
  const a = [det([10, 10, 50, 50], 0.9)];
  const b = [det([14, 12, 54, 52], 0.6), det([100, 100, 140, 140], 0.8)];
  const cells = fusePaper([a, b], 0.55);

  it("with one member's weight alone gives each cell that member's own box and keeps everything else", () => {
    expect(cells).toHaveLength(2);
    const fromA = withWeightedBoxes(cells, [a, b], [1, 0], 0.55);
    expect({ ...fromA[0], box: undefined }).toEqual({ ...cells[0], box: undefined });
    expectBox(fromA[0].box, [10, 10, 50, 50]);
    const fromB = withWeightedBoxes(cells, [a, b], [0, 1], 0.55);
    expectBox(fromB[0].box, [14, 12, 54, 52]);
    expect(fromB.map((c) => c.leukocyte)).toEqual(cells.map((c) => c.leukocyte));
  });

  it("with equal weights is the paper rule's box, and a weight moves the box towards its member", () => {
    const same = withWeightedBoxes(cells, [a, b], [1, 1], 0.55);
    same.forEach((c, i) => expectBox(c.box, cells[i].box));
    // x1: (2 * 0.9 * 10 + 0.6 * 14) / (2 * 0.9 + 0.6) = 11
    expect(withWeightedBoxes(cells, [a, b], [2, 1], 0.55)[0].box[0]).toBeCloseTo(11, 9);
  });

  it('keeps the fused box where no weighted member has a detection overlapping at the threshold', () => {
    expect(withWeightedBoxes(cells, [a, b], [1, 0], 0.55)[1].box).toEqual(cells[1].box);
    expect(withWeightedBoxes(cells, [[det([30, 30, 70, 70], 0.9)], b], [1, 0], 0.55)[0].box).toEqual(cells[0].box);
  });

  it('refuses weights that do not match the members', () => {
    expect(() => withWeightedBoxes(cells, [a, b], [1], 0.55)).toThrow(/1 weights for 2 members/);
  });
});
