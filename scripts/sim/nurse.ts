/**
 * The simulated clinics' nurse and scorer. Each simulated field is a single-cell photo (PBC) whose
 * labelled leukocyte sits at the photo's centre: the cell the box found there is the labelled one.
 */
import { isCountedClass } from '../../src/contracts/vocabulary.ts';

export type Box = [number, number, number, number];
export interface FieldCell {
  id: string;
  box: Box;
  type: string;
}

/** What the scripted nurse does to a field's cells before sign-off, from the label. */
export type NurseAction = { op: 'retype'; cellId: string; type: string } | { op: 'add'; box: Box; type: string };

/** A leukocyte's width in micrometres, for the box of a cell the nurse adds by hand. */
const LEUKOCYTE_UM = 12;

/**
 * The cell the box put over the photo's centre: a counted one when any holds the centre, else one the
 * box typed as no leukocyte (nrbc, not a leukocyte); the nearest centre among several.
 */
export function labelledCell(cells: readonly FieldCell[], width: number, height: number): FieldCell | undefined {
  const cx = width / 2;
  const cy = height / 2;
  let best: FieldCell | undefined;
  let bestKey = Infinity;
  for (const c of cells) {
    const [x1, y1, x2, y2] = c.box;
    if (cx < x1 || cx > x2 || cy < y1 || cy > y2) continue;
    // Counted cells first: distances are below 1e6 pixels.
    const key = (isCountedClass(c.type) ? 0 : 1e6) + Math.hypot((x1 + x2) / 2 - cx, (y1 + y2) / 2 - cy);
    if (key < bestKey) [best, bestKey] = [c, key];
  }
  return best;
}

/**
 * The nurse's corrections: the labelled cell gets its label (added at the centre when the box found
 * nothing there, as a leukocyte's width at the field's scale); every other cell, which the labels say
 * is no leukocyte, becomes "not a leukocyte" unless it is one already.
 */
export function nurseActions(cells: readonly FieldCell[], width: number, height: number, label: string, umPerPixel: number | null): NurseAction[] {
  const found = labelledCell(cells, width, height);
  const actions: NurseAction[] = [];
  if (!found) {
    const side = Math.min(width, height, umPerPixel ? LEUKOCYTE_UM / umPerPixel : Math.min(width, height) / 3);
    const x1 = Math.round((width - side) / 2);
    const y1 = Math.round((height - side) / 2);
    actions.push({ op: 'add', box: [x1, y1, Math.round(x1 + side), Math.round(y1 + side)], type: label });
  } else if (found.type !== label) {
    actions.push({ op: 'retype', cellId: found.id, type: label });
  }
  for (const c of cells) if (c !== found && c.type !== 'not_leukocyte') actions.push({ op: 'retype', cellId: c.id, type: 'not_leukocyte' });
  return actions;
}

export type Outcome = 'right' | 'wrong' | 'unidentified' | 'missed';

/**
 * How the box's own analysis typed a field's labelled leukocyte, and how many other cells it counted.
 * A leukocyte typed as no leukocyte is missed by the count, as one not found at all.
 */
export function scoreField(cells: readonly FieldCell[], width: number, height: number, label: string): { outcome: Outcome; predicted: string | null; falseCells: number } {
  const found = labelledCell(cells, width, height);
  const falseCells = cells.filter((c) => c !== found && isCountedClass(c.type)).length;
  if (!found) return { outcome: 'missed', predicted: null, falseCells };
  const outcome: Outcome = found.type === label ? 'right' : found.type === 'unclassified' ? 'unidentified' : isCountedClass(found.type) ? 'wrong' : 'missed';
  return { outcome, predicted: found.type, falseCells };
}
