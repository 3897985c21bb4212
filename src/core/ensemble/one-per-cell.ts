/**
 * One leukocyte, one cell: the last step of every ensemble fusion mode. Each mode can leave two
 * cells on one leukocyte (paper: two clusters when one member boxed the cell twice or the members'
 * boxes differ in size; wbf: one cluster per type; nms: a box nested in another, or overlapping up
 * to the threshold), and the differential would count that leukocyte twice.
 */
import { area, centreInside, intersectionArea } from '../geometry/boxes.ts';
import type { Box, FusedCell } from '../types.ts';
import { byConfidence } from './common.ts';

/**
 * Two cells are one leukocyte when at least this share of the smaller box lies inside the larger and
 * each box's centre lies inside the other: a tight box inside a loose one of the same cell, and every
 * pair at IoU >= 0.5, the evaluation's match (such boxes share at least 2/3 of the smaller box and
 * hold each other's centres). On the validation splits, two labelled leukocytes never share more
 * than a fifth of the smaller box (but for a cell labelled twice), the modes' nested cells on one
 * labelled leukocyte share from 0.57 to all of it, and any value from 0.5 to 0.65 leaves the shipped
 * ensemble the same cells.
 */
export const SAME_CELL_CONTAINMENT = 0.6;

/**
 * Whether two cells' boxes are one leukocyte (see SAME_CELL_CONTAINMENT). Both centres are required
 * because a loose box over two touching cells holds the centre of a tight box on either of them,
 * while its own centre falls between the two.
 */
export function sameLeukocyte(a: Box, b: Box): boolean {
  const overlap = intersectionArea(a, b);
  return overlap > 0 && overlap >= SAME_CELL_CONTAINMENT * Math.min(area(a), area(b)) && centreInside(a, b) && centreInside(b, a);
}

/**
 * Cells taken by confidence, highest first (stable); a cell that is the same leukocyte as a cell
 * already kept is absorbed by the first such cell: the kept cell keeps its box, type and
 * confidence, and gains the absorbed cell's evidence as far as a FusedCell can tell it (see
 * `absorb`). Returns the kept cells, by confidence.
 */
export function onePerCell(cells: readonly FusedCell[]): FusedCell[] {
  const kept: FusedCell[] = [];
  for (const cell of [...cells].sort(byConfidence)) {
    const same = kept.findIndex((k) => sameLeukocyte(k.box, cell.box));
    if (same < 0) kept.push(cell);
    else kept[same] = absorb(kept[same], cell);
  }
  return kept;
}

/**
 * A cell does not name its members' models, so the union is counted exactly where it can be and
 * from below elsewhere. votes: summed (the union's detections are those of both cells; a type the
 * absorbed cell voted shows, and flags the cell for review). support and leukocyte: the larger of
 * the two (one model often boxed both, so a sum would count it twice). agreement: the larger of the
 * two when both cells have the kept type, else the kept cell's.
 */
function absorb(cell: FusedCell, other: FusedCell): FusedCell {
  return {
    ...cell,
    votes: cell.votes.map((v, t) => v + other.votes[t]),
    agreement: other.type === cell.type ? Math.max(cell.agreement, other.agreement) : cell.agreement,
    support: Math.max(cell.support, other.support),
    leukocyte: Math.max(cell.leukocyte, other.leukocyte),
  };
}
