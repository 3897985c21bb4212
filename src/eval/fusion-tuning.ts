/**
 * Chooses the ensemble's fusion mode and IoU threshold on a validation split: every mode at every
 * threshold is measured on the same member detections, and the rule below picks one.
 */
import type { EnsembleEntry } from '../core/inference/manifest.ts';
import type { RowSpec } from './run-eval.ts';

export type FusionMode = EnsembleEntry['mode'];

export interface FusionCandidate {
  mode: FusionMode;
  iou: number;
  mAP: number;
  mAR: number;
}

export const TUNING_MODES: readonly FusionMode[] = ['paper', 'wbf', 'nms'];
export const TUNING_IOUS: readonly number[] = [0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75];

/** One row per mode and threshold, named `<mode>@<iou>`. */
export function fusionGrid(members: string[], modes = TUNING_MODES, ious = TUNING_IOUS): RowSpec[] {
  return modes.flatMap((mode) => ious.map((iou) => ({ name: `${mode}@${iou.toFixed(2)}`, members, fusion: { mode, iou } })));
}

/** The highest threshold at which plain NMS still merges the members' boxes of one cell. */
export const NMS_MAX_SHIPPED_IOU = 0.5;

/**
 * Whether a mode can be shipped: the differential counts cells, so one leukocyte must give one
 * cell. wbf clusters per type, so a cell the members type differently becomes two cells; plain
 * NMS above 0.5 keeps the members' slightly different boxes of one cell. paper is safe at any
 * threshold: clustering ignores type and a cluster backed by fewer than M/2 models is dropped.
 * (Duplicates of a cell can still raise COCO recall, which is why the metric alone cannot decide.)
 */
export function countsEachCellOnce(c: Pick<FusionCandidate, 'mode' | 'iou'>): boolean {
  return c.mode === 'paper' || (c.mode === 'nms' && c.iou <= NMS_MAX_SHIPPED_IOU);
}

/**
 * Only candidates that count each cell once are considered. The study's claim is that fusion
 * recalls more than any member, so a candidate qualifies when its mAR is at least the best
 * member's; among those (or among all, when none qualifies) the highest mAP wins, then the higher
 * mAR, then the mode listed first and the lower threshold (a stable choice).
 */
export function chooseFusion(candidates: FusionCandidate[], bestMemberMAR: number): { choice: FusionCandidate; qualified: boolean } {
  const shippable = candidates.filter(countsEachCellOnce);
  if (shippable.length === 0) throw new Error('no fusion candidate that counts each cell once (paper, or nms at IoU <= 0.5)');
  const qualifying = shippable.filter((c) => c.mAR >= bestMemberMAR);
  const pool = qualifying.length ? qualifying : shippable;
  const order = (c: FusionCandidate) => TUNING_MODES.indexOf(c.mode);
  const best = [...pool].sort((a, b) => b.mAP - a.mAP || b.mAR - a.mAR || order(a) - order(b) || a.iou - b.iou)[0];
  return { choice: best, qualified: qualifying.length > 0 };
}
