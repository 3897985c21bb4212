import { describe, expect, it } from 'vitest';
import { fusePaper } from '../../src/ensemble/paper.ts';
import { withMemberBoxes } from '../../src/eval/fusion-limits.ts';
import type { Box, Detection } from '../../src/types.ts';

const det = (box: Box, score: number): Detection => ({ box, type: 0, score, probs: [score, 0, 0, 0, 0] });

describe('withMemberBoxes', () => {
  // Two members agree on a cell with slightly different boxes; the second also sees a cell alone.
  const a = [det([10, 10, 50, 50], 0.9)];
  const b = [det([14, 12, 54, 52], 0.6), det([100, 100, 140, 140], 0.8)];
  const cells = fusePaper([a, b], 0.55);

  it("gives a cell the member's own box and keeps everything else", () => {
    expect(cells).toHaveLength(2);
    const fromA = withMemberBoxes(cells, a, 0.55);
    expect(fromA[0]).toEqual({ ...cells[0], box: [10, 10, 50, 50] });
    const fromB = withMemberBoxes(cells, b, 0.55);
    expect(fromB[0].box).toEqual([14, 12, 54, 52]);
    expect(fromB.map((c) => c.leukocyte)).toEqual(cells.map((c) => c.leukocyte));
  });

  it('keeps the fused box where the member has no detection overlapping at the threshold', () => {
    const fromA = withMemberBoxes(cells, a, 0.55);
    expect(fromA[1].box).toEqual(cells[1].box);
    expect(withMemberBoxes(cells, [det([30, 30, 70, 70], 0.9)], 0.55)[0].box).toEqual(cells[0].box);
  });
});
