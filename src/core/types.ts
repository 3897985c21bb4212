/** Shared shapes of leukodiff: boxes, detections and fused cells (the vocabulary: src/contracts/vocabulary.ts). */
import { CELL_TYPES } from '../contracts/vocabulary.ts';

/** Length of a detection's per-type vectors (CELL_TYPES order). */
export const NUM_TYPES = CELL_TYPES.length;

/** Axis-aligned box x1, y1, x2, y2 (pixels unless a function says otherwise). */
export type Box = [number, number, number, number];

/** One detection of one model after its own score threshold and NMS. */
export interface Detection {
  box: Box;
  /** Winning type index (argmax of probs). */
  type: number;
  /** Confidence of the winning type (probs[type]). */
  score: number;
  /** Per-type probabilities, length NUM_TYPES. */
  probs: number[];
}

/** A cell after fusion of the members' detections. */
export interface FusedCell {
  box: Box;
  type: number;
  confidence: number;
  /** Number of member detections that voted for each type (length NUM_TYPES). */
  votes: number[];
  /** Models voting for the winning type / number of models. */
  agreement: number;
  /** Number of distinct models that contributed a detection to this cell. */
  support: number;
  /**
   * Whether this is a white cell at all, whatever its type: the members' mean leukocyte probability
   * (the sum of a detection's type probabilities), a model without a detection here counting 0.
   * `confidence` ranks the typed cell; this ranks the leukocyte (class-agnostic localisation).
   */
  leukocyte: number;
}
