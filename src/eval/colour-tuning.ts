/**
 * Chooses the colour normalisation's strength on the validation splits (scripts/tune-colour.ts):
 * the target is what the typed training fields have, and the rule below weighs the types under the
 * interference factors against the localisation of clean fields.
 */
import type { ChannelStats } from '../core/inference/colour.ts';

export const COLOUR_STRENGTHS: readonly number[] = [0, 0.25, 0.5, 0.75, 1];
/** The most clean TXL-PBC val mAP a strength may cost against none. */
export const MAX_LOCALISATION_LOSS = 0.01;

export interface StrengthCandidate {
  strength: number;
  /** Ensemble, TXL-PBC val, clean, class-agnostic mAP. */
  localisationMAP: number;
  /** Ensemble, BCCD val 5-type mAP: clean, then under each interference factor. */
  typedMAP: number[];
}

/** The mean over the training fields of each field's per-channel mean and standard deviation. */
export function trainingTarget(fields: ChannelStats[]): ChannelStats {
  if (fields.length === 0) throw new Error('no training fields to take the colour target from');
  const avg = (pick: (s: ChannelStats) => number[]) => [0, 1, 2].map((c) => fields.reduce((a, s) => a + pick(s)[c], 0) / fields.length) as [number, number, number];
  return { mean: avg((s) => s.mean), std: avg((s) => s.std) };
}

/** The candidate's typed mAP averaged over clean and interfered fields: what the rule ranks by. */
export function meanTypedMAP(c: StrengthCandidate): number {
  return c.typedMAP.reduce((a, b) => a + b, 0) / c.typedMAP.length;
}

/**
 * The differential needs the types to hold when the stain, light or camera differs, and the boxes
 * to stay as they are: among the strengths whose clean localisation mAP is at most
 * MAX_LOCALISATION_LOSS below strength 0's, the highest mean typed mAP over clean and interfered
 * fields wins (then the lower strength).
 */
export function chooseStrength(candidates: StrengthCandidate[]): StrengthCandidate {
  const none = candidates.find((c) => c.strength === 0);
  if (!none) throw new Error('the candidates must include strength 0 (no stain match) to compare with');
  const allowed = candidates.filter((c) => c.localisationMAP >= none.localisationMAP - MAX_LOCALISATION_LOSS - 1e-9);
  return [...allowed].sort((a, b) => meanTypedMAP(b) - meanTypedMAP(a) || a.strength - b.strength)[0];
}
