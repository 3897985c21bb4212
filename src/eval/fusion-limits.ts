/**
 * What the paper rule's box costs: the fused cells with each box replaced by one member's own box
 * for the same cell, so the evaluation can tell a localisation loss of the confidence-weighted mean
 * from a recall loss of the clustering. An analysis, never a shipped mode.
 */
import { iou } from '../geometry/boxes.ts';
import type { Detection, FusedCell } from '../types.ts';

/**
 * Each cell takes the box of the member's detection that overlaps it most, when that overlap is at
 * least `minIou` (the fusion threshold: such a detection was in the cell's cluster); other cells
 * keep their fused box. Nothing else about a cell changes.
 */
export function withMemberBoxes(cells: FusedCell[], member: Detection[], minIou: number): FusedCell[] {
  return cells.map((cell) => {
    let best: Detection | undefined;
    let bestIou = minIou;
    for (const d of member) {
      const v = iou(cell.box, d.box);
      if (v >= bestIou) [best, bestIou] = [d, v];
    }
    return best ? { ...cell, box: best.box } : cell;
  });
}
