/** Helpers shared by the fusion modes. */
import { NUM_TYPES, type Detection, type FusedCell } from '../types.ts';

/** Comparator for a stable sort by confidence, highest first. */
export function byConfidence(a: FusedCell, b: FusedCell): number {
  return b.confidence - a.confidence;
}

export function checkType(t: number): void {
  if (!Number.isInteger(t) || t < 0 || t >= NUM_TYPES) {
    throw new RangeError(`detection type ${t} is not a type index 0..${NUM_TYPES - 1}`);
  }
}

export function oneHot(t: number): number[] {
  const v = new Array<number>(NUM_TYPES).fill(0);
  v[t] = 1;
  return v;
}

/** A detection's probability of being a leukocyte of any type: the sum of its type probabilities. */
export function leukocyteProbability(d: Detection): number {
  let s = 0;
  for (const p of d.probs) s += p;
  return s;
}

/**
 * FusedCell.leukocyte of a cell built from `members` (model index and detection) out of M models:
 * each model's best leukocyte probability in the cell, summed, divided by M.
 */
export function meanLeukocyte(members: Iterable<{ model: number; detection: Detection }>, M: number): number {
  const best = new Map<number, number>();
  for (const { model, detection } of members) {
    const p = leukocyteProbability(detection);
    if (p > (best.get(model) ?? -Infinity)) best.set(model, p);
  }
  let sum = 0;
  for (const p of best.values()) sum += p;
  return M > 0 ? sum / M : 0;
}
