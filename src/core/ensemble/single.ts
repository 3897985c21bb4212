/** One member alone, as fused cells: the baseline each ensemble mode is compared with. */
import type { Detection, FusedCell } from '../types.ts';
import { byConfidence, checkType, leukocyteProbability, oneHot } from './common.ts';

export function fuseSingle(perModel: Detection[][], member: number): FusedCell[] {
  if (!Number.isInteger(member) || member < 0 || member >= perModel.length) {
    throw new RangeError(`single: member ${member} out of range 0..${perModel.length - 1}`);
  }
  return perModel[member]
    .map((d): FusedCell => {
      checkType(d.type);
      return {
        box: [d.box[0], d.box[1], d.box[2], d.box[3]],
        type: d.type,
        confidence: d.score,
        votes: oneHot(d.type),
        agreement: 1,
        support: 1,
        leukocyte: leukocyteProbability(d),
      };
    })
    .sort(byConfidence);
}
