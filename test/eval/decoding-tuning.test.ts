import { describe, expect, it } from 'vitest';
import { chooseVoting, votingGrid, votingName, VOTING_IOUS, VOTING_POWERS } from '../../src/eval/decoding-tuning.ts';

describe('box-voting tuning', () => {
  it('grids plain NMS first, then every IoU with every power', () => {
    const grid = votingGrid();
    expect(grid).toHaveLength(1 + VOTING_IOUS.length * VOTING_POWERS.length);
    expect(grid[0]).toBeUndefined();
    expect(grid[1]).toEqual({ iou: VOTING_IOUS[0], power: VOTING_POWERS[0] });
    expect(new Set(grid.map(votingName)).size).toBe(grid.length);
    expect(votingName({ iou: 0.7, power: 8 })).toBe('vote@0.70^8');
  });

  it('takes the best mAP, then the better mAR', () => {
    const a = { iou: 0.5, power: 1 },
      b = { iou: 0.7, power: 2 };
    expect(
      chooseVoting([
        { voting: undefined, mAP: 0.6, mAR: 0.7 },
        { voting: a, mAP: 0.65, mAR: 0.6 },
        { voting: b, mAP: 0.62, mAR: 0.8 },
      ]).voting,
    ).toBe(a);
    expect(
      chooseVoting([
        { voting: a, mAP: 0.65, mAR: 0.6 },
        { voting: b, mAP: 0.65, mAR: 0.61 },
      ]).voting,
    ).toBe(b);
  });

  it('keeps plain NMS on an exact tie, and refuses an empty grid', () => {
    expect(
      chooseVoting([
        { voting: undefined, mAP: 0.6, mAR: 0.7 },
        { voting: { iou: 0.5, power: 1 }, mAP: 0.6, mAR: 0.7 },
      ]).voting,
    ).toBeUndefined();
    expect(() => chooseVoting([])).toThrow(/no box-voting candidate/);
  });
});
