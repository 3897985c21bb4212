/**
 * Chooses the ensemble's fusion mode and IoU threshold on a validation split: every mode at every
 * threshold is measured on the same member detections, and the rule below picks one.
 */
import type { RowSpec } from './run-eval.ts';

export type FusionMode = 'paper' | 'wbf' | 'nms';

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

/**
 * The study's claim is that fusion recalls more than any member, so a candidate qualifies when its
 * mAR is at least the best member's; among those (or among all, when none qualifies) the highest
 * mAP wins, then the higher mAR, then the mode listed first and the lower threshold (stable choice).
 */
export function chooseFusion(candidates: FusionCandidate[], bestMemberMAR: number): { choice: FusionCandidate; qualified: boolean } {
  if (candidates.length === 0) throw new Error('no fusion candidates to choose from');
  const qualifying = candidates.filter((c) => c.mAR >= bestMemberMAR);
  const pool = qualifying.length ? qualifying : candidates;
  const order = (c: FusionCandidate) => TUNING_MODES.indexOf(c.mode);
  const best = [...pool].sort((a, b) => b.mAP - a.mAP || b.mAR - a.mAR || order(a) - order(b) || a.iou - b.iou)[0];
  return { choice: best, qualified: qualifying.length > 0 };
}
