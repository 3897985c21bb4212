import { describe, expect, it } from 'vitest';
import { chooseFusion, fusionGrid, TUNING_IOUS, TUNING_MODES, type FusionCandidate } from '../../src/eval/fusion-tuning.ts';

const c = (mode: FusionCandidate['mode'], iou: number, mAP: number, mAR: number): FusionCandidate => ({ mode, iou, mAP, mAR });

describe('fusion tuning', () => {
  it('grids every mode at every threshold over the same members', () => {
    const rows = fusionGrid(['a', 'b']);
    expect(rows).toHaveLength(TUNING_MODES.length * TUNING_IOUS.length);
    expect(rows[0]).toEqual({ name: 'paper@0.40', members: ['a', 'b'], fusion: { mode: 'paper', iou: 0.4 } });
    expect(new Set(rows.map((r) => r.name)).size).toBe(rows.length);
  });

  it('takes the best mAP among candidates that recall at least as much as the best member', () => {
    const { choice, qualified } = chooseFusion([c('nms', 0.5, 0.7, 0.70), c('wbf', 0.55, 0.66, 0.76), c('paper', 0.6, 0.65, 0.78)], 0.75);
    expect(qualified).toBe(true);
    expect(choice).toMatchObject({ mode: 'wbf', iou: 0.55 });
  });

  it('falls back to the best mAP when no candidate reaches the best member recall, and says so', () => {
    const { choice, qualified } = chooseFusion([c('nms', 0.5, 0.7, 0.70), c('wbf', 0.55, 0.66, 0.71)], 0.8);
    expect(qualified).toBe(false);
    expect(choice).toMatchObject({ mode: 'nms', iou: 0.5 });
  });

  it('breaks ties by mAR, then mode order, then the lower threshold', () => {
    expect(chooseFusion([c('wbf', 0.5, 0.7, 0.8), c('paper', 0.5, 0.7, 0.79)], 0).choice.mode).toBe('wbf');
    expect(chooseFusion([c('wbf', 0.5, 0.7, 0.8), c('paper', 0.6, 0.7, 0.8)], 0).choice.mode).toBe('paper');
    expect(chooseFusion([c('paper', 0.6, 0.7, 0.8), c('paper', 0.45, 0.7, 0.8)], 0).choice.iou).toBe(0.45);
  });

  it('refuses an empty grid', () => {
    expect(() => chooseFusion([], 0)).toThrow(/no fusion candidates/);
  });
});
