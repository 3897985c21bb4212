import { describe, expect, it } from 'vitest';
import { chooseFusion, countsEachCellOnce, fusionGrid, TUNING_IOUS, TUNING_MODES, type FusionCandidate } from '../../src/eval/fusion-tuning.ts';

const c = (mode: FusionCandidate['mode'], iou: number, mAP: number, mAR: number): FusionCandidate => ({ mode, iou, mAP, mAR });

describe('fusion tuning', () => {
  it('grids every mode at every threshold over the same members', () => {
    const rows = fusionGrid(['a', 'b']);
    expect(rows).toHaveLength(TUNING_MODES.length * TUNING_IOUS.length);
    expect(rows[0]).toEqual({ name: 'paper@0.40', members: ['a', 'b'], fusion: { mode: 'paper', iou: 0.4 } });
    expect(new Set(rows.map((r) => r.name)).size).toBe(rows.length);
  });

  it('ships only modes that count each cell once: paper at any threshold, nms up to 0.5, never wbf', () => {
    expect(countsEachCellOnce({ mode: 'paper', iou: 0.75 })).toBe(true);
    expect(countsEachCellOnce({ mode: 'nms', iou: 0.5 })).toBe(true);
    expect(countsEachCellOnce({ mode: 'nms', iou: 0.55 })).toBe(false);
    expect(countsEachCellOnce({ mode: 'wbf', iou: 0.55 })).toBe(false);
  });

  it('takes the best mAP among candidates that recall at least as much as the best member', () => {
    const { choice, qualified } = chooseFusion([c('nms', 0.5, 0.7, 0.7), c('paper', 0.55, 0.66, 0.76), c('paper', 0.6, 0.65, 0.78), c('wbf', 0.6, 0.9, 0.9), c('nms', 0.75, 0.9, 0.9)], 0.75);
    expect(qualified).toBe(true);
    expect(choice).toMatchObject({ mode: 'paper', iou: 0.55 });
  });

  it('falls back to the best mAP when no candidate reaches the best member recall, and says so', () => {
    const { choice, qualified } = chooseFusion([c('nms', 0.5, 0.7, 0.7), c('paper', 0.55, 0.66, 0.71)], 0.8);
    expect(qualified).toBe(false);
    expect(choice).toMatchObject({ mode: 'nms', iou: 0.5 });
  });

  it('breaks ties by mAR, then mode order, then the lower threshold', () => {
    expect(chooseFusion([c('nms', 0.5, 0.7, 0.8), c('paper', 0.5, 0.7, 0.79)], 0).choice.mode).toBe('nms');
    expect(chooseFusion([c('nms', 0.5, 0.7, 0.8), c('paper', 0.6, 0.7, 0.8)], 0).choice.mode).toBe('paper');
    expect(chooseFusion([c('paper', 0.6, 0.7, 0.8), c('paper', 0.45, 0.7, 0.8)], 0).choice.iou).toBe(0.45);
  });

  it('refuses a grid with nothing shippable', () => {
    expect(() => chooseFusion([], 0)).toThrow(/counts each cell once/);
    expect(() => chooseFusion([c('wbf', 0.5, 0.9, 0.9)], 0)).toThrow(/counts each cell once/);
  });
});
