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

/** The counted cell whose box holds the photo's centre (the nearest centre when several do). */
export function labelledCell(cells: readonly FieldCell[], width: number, height: number): FieldCell | undefined {
  const cx = width / 2;
  const cy = height / 2;
  let best: FieldCell | undefined;
  let bestD = Infinity;
  for (const c of cells) {
    if (!isCountedClass(c.type)) continue;
    const [x1, y1, x2, y2] = c.box;
    if (cx < x1 || cx > x2 || cy < y1 || cy > y2) continue;
    const d = Math.hypot((x1 + x2) / 2 - cx, (y1 + y2) / 2 - cy);
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best;
}

/**
 * The nurse's corrections: the labelled cell gets its label (added at the centre when the box missed
 * it, as a leukocyte's width at the field's scale), every other counted cell is no leukocyte.
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
  for (const c of cells) if (c !== found && isCountedClass(c.type)) actions.push({ op: 'retype', cellId: c.id, type: 'not_leukocyte' });
  return actions;
}

export type Outcome = 'right' | 'wrong' | 'unidentified' | 'missed';

/** How the box's own analysis typed a field's labelled leukocyte, and how many other cells it counted. */
export function scoreField(cells: readonly FieldCell[], width: number, height: number, label: string): { outcome: Outcome; predicted: string | null; falseCells: number } {
  const found = labelledCell(cells, width, height);
  const falseCells = cells.filter((c) => c !== found && isCountedClass(c.type)).length;
  if (!found) return { outcome: 'missed', predicted: null, falseCells };
  const outcome: Outcome = found.type === label ? 'right' : found.type === 'unclassified' ? 'unidentified' : 'wrong';
  return { outcome, predicted: found.type, falseCells };
}
