/**
 * Types the fused cells: the cell classifier on a crop at the canonical scale (the default when
 * the manifest has one), or the detectors' own type votes. Classes beyond the five (immature
 * granulocyte, erythroblast, unidentified, not a leukocyte) are counted outside the differential
 * and always go to a person, as on a DM96.
 */
import { CELL_TYPES, CLASSIFIER_CLASSES } from '../../contracts/vocabulary.ts';
import type { Engine } from '../inference/engine.ts';
import { NUM_TYPES, type FusedCell } from '../types.ts';
import type { AnalyzedCell } from './analyze.ts';

export const TYPINGS = ['classifier', 'detectors'] as const;
export type Typing = (typeof TYPINGS)[number];

/** Every class a cell can have after typing, the five types first. */
export const CELL_CLASS_NAMES = [...CLASSIFIER_CLASSES, 'unidentified'] as const;
export type CellClassName = (typeof CELL_CLASS_NAMES)[number];

/** A typed cell below this classifier probability goes to review even when its class is one of the five. */
export const REVIEW_BELOW_PROBABILITY = 0.8;

/**
 * When the red cells cannot be measured and nothing is calibrated: a field whose long side spans
 * this many red-cell diameters, the middle of the detectors' training fields (detector-view.ts).
 */
export const UNMEASURED_FIELD_RBC = 5.9;

export interface TypingInputs {
  typing: Typing;
  rbcPx: number | null;
  /** False when the scale is unknown or outside what typing works at: every cell then goes to review. */
  scaleTrusted?: boolean;
  background: [number, number, number];
  /** Cells with detector agreement below this are reviewed under detector typing (default 2/3). */
  minAgreement?: number;
}

export function needsReview(cell: FusedCell, minAgreement: number): boolean {
  const typesVoted = cell.votes.filter((v) => v > 0).length;
  return typesVoted > 1 || cell.agreement < minAgreement - 1e-9;
}

export async function typeCells(engine: Engine, img: { rgb: Uint8Array; width: number; height: number }, cells: FusedCell[], inputs: TypingInputs): Promise<AnalyzedCell[]> {
  const minAgreement = inputs.minAgreement ?? 2 / 3;
  const classifier = engine.classifier;
  if (inputs.typing === 'detectors' || !classifier) {
    return cells.map((c) => ({ ...c, cellClass: CELL_TYPES[c.type], review: needsReview(c, minAgreement) }));
  }
  const rbcPx = inputs.rbcPx ?? Math.max(img.width, img.height) / UNMEASURED_FIELD_RBC;
  const probs = await classifier.classify(
    img,
    cells.map((c) => c.box),
    rbcPx,
    inputs.background,
  );
  const below = classifier.entry.unidentifiedBelow;
  const trusted = inputs.scaleTrusted ?? inputs.rbcPx !== null;
  return cells.map((c, i) => {
    const cell = classified(c, probs[i], below);
    return trusted ? cell : { ...cell, review: true };
  });
}

/** A cell typed by the classifier's probabilities p (CLASSIFIER_CLASSES order). */
export function classified(cell: FusedCell, p: ArrayLike<number>, unidentifiedBelow: number): AnalyzedCell {
  let top = 0;
  for (let k = 1; k < p.length; k++) if (p[k] > p[top]) top = k;
  let type = 0;
  for (let k = 1; k < NUM_TYPES; k++) if (p[k] > p[type]) type = k;
  const cellClass: CellClassName = p[top] < unidentifiedBelow ? 'unidentified' : CLASSIFIER_CLASSES[top];
  const counted = top < NUM_TYPES && cellClass !== 'unidentified';
  const notLeukocyte = p[CLASSIFIER_CLASSES.indexOf('not_leukocyte')];
  return {
    ...cell,
    type,
    // Typed ranking: sure it is a leukocyte (detectors) and sure of its type (classifier).
    confidence: cell.leukocyte * p[type],
    leukocyte: cell.leukocyte * (1 - notLeukocyte),
    cellClass,
    classProbs: Object.fromEntries(CLASSIFIER_CLASSES.map((name, k) => [name, p[k]])),
    review: !counted || p[top] < REVIEW_BELOW_PROBABILITY,
  };
}
