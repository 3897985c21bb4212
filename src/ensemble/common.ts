/** Helpers shared by the fusion modes. */
import { NUM_TYPES, type FusedCell } from '../types.ts';

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
