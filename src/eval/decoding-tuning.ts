/**
 * Chooses each member's box voting on a validation split: every setting decodes the same raw model
 * outputs, and the one with the best class-agnostic mAP wins (plain NMS unless voting beats it).
 */
import type { BoxVoting } from '../core/inference/decode.ts';

export const VOTING_IOUS: readonly number[] = [0.5, 0.6, 0.7, 0.8, 0.9];
export const VOTING_POWERS: readonly number[] = [1, 2, 4, 8];

/** Plain NMS (undefined) first, then every IoU threshold with every score power. */
export function votingGrid(ious = VOTING_IOUS, powers = VOTING_POWERS): (BoxVoting | undefined)[] {
  return [undefined, ...ious.flatMap((iou) => powers.map((power) => ({ iou, power })))];
}

export function votingName(v: BoxVoting | undefined): string {
  return v ? `vote@${v.iou.toFixed(2)}^${v.power}` : 'nms';
}

export interface VotingCandidate {
  voting: BoxVoting | undefined;
  mAP: number;
  mAR: number;
}

/** Highest mAP, then higher mAR; an exact tie keeps the earlier grid entry (plain NMS first). */
export function chooseVoting(candidates: VotingCandidate[]): VotingCandidate {
  if (candidates.length === 0) throw new Error('no box-voting candidate to choose from');
  return candidates.reduce((best, c) => (c.mAP > best.mAP || (c.mAP === best.mAP && c.mAR > best.mAR) ? c : best));
}
