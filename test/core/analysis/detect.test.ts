/** Merging the members' detections from overlapping tiles: each leukocyte once, none lost at a tile edge. */
import { describe, expect, it } from 'vitest';
import { mergeTiles } from '../../../src/core/analysis/detect.ts';
import type { Box, Detection } from '../../../src/core/types.ts';

const det = (box: Box, score: number): Detection => ({ box, type: 0, score, probs: [score, 0, 0, 0, 0] });
const field = { width: 300, height: 100 };
// Two tiles, x 0..200 and 100..300: they overlap on x 100..200.
const left: Box = [0, 0, 200, 100];
const right: Box = [100, 0, 300, 100];

describe('mergeTiles', () => {
  it('keeps a cell seen whole in both tiles once, at its best detection', () => {
    const merged = mergeTiles(
      [
        { tile: left, members: [[det([120, 30, 160, 70], 0.9)]] },
        { tile: right, members: [[det([21, 31, 61, 71], 0.8)]] }, // the same cell in tile pixels
      ],
      1,
      field,
    );
    expect(merged).toEqual([[det([120, 30, 160, 70], 0.9)]]);
  });

  it('drops a cut detection where a neighbour saw the cell whole, and keeps it where none did', () => {
    const merged = mergeTiles(
      [
        // Cut by the left tile's right edge (x 200), whole in the right tile.
        { tile: left, members: [[det([170, 30, 200, 70], 0.95)]] },
        { tile: right, members: [[det([70, 30, 120, 70], 0.7)]] },
      ],
      1,
      field,
    );
    expect(merged[0].map((d) => d.box)).toEqual([[170, 30, 220, 70]]);
    const lost = mergeTiles(
      [
        { tile: left, members: [[det([185, 30, 200, 70], 0.6)]] },
        { tile: right, members: [[]] },
      ],
      1,
      field,
    );
    expect(lost[0].map((d) => d.box)).toEqual([[185, 30, 200, 70]]); // never whole: still counted
  });

  it('drops a small cut fragment of a cell a neighbour saw whole, and joins the fragments of a cell too large for any tile', () => {
    const fragment = mergeTiles(
      [
        { tile: left, members: [[det([185, 30, 200, 70], 0.9)]] }, // a sliver at the left tile's edge
        { tile: right, members: [[det([50, 30, 130, 70], 0.8)]] }, // the whole cell: x 150..230
      ],
      1,
      field,
    );
    expect(fragment[0].map((d) => d.box)).toEqual([[150, 30, 230, 70]]);
    const large = mergeTiles(
      [
        { tile: left, members: [[det([60, 10, 200, 90], 0.7)]] }, // x 60..200, cut at 200
        { tile: right, members: [[det([0, 12, 150, 88], 0.6)]] }, // x 100..250, cut at 100
      ],
      1,
      field,
    );
    expect(large[0].map((d) => d.box)).toEqual([[60, 10, 250, 90]]);
  });

  it('keeps touching cells of one member apart and merges per member only', () => {
    const merged = mergeTiles([{ tile: left, members: [[det([10, 10, 50, 50], 0.9), det([50, 10, 90, 50], 0.8)], [det([12, 12, 48, 48], 0.7)]] }], 2, field);
    expect(merged.map((m) => m.length)).toEqual([2, 1]);
  });
});
