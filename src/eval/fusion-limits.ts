/**
 * What the paper rule's box costs: the fused cells with each box recomputed from the members'
 * detections of the same cell under per-member weights, so the evaluation can tell a localisation
 * loss of the confidence-weighted mean from a recall loss of the clustering, and measure what a
 * member weight in the rule would buy. An analysis, never a shipped mode.
 */
import { iou } from '../core/geometry/boxes.ts';
import type { Box, Detection, FusedCell } from '../core/types.ts';

/**
 * Each cell's box becomes sum(w_m * C_m * box_m) / sum(w_m * C_m) over the members m, where box_m
 * is member m's detection that overlaps the fused box most, when at least `minIou` (the fusion
 * threshold: such a detection was in the cell's cluster), and C_m its confidence. With all weights
 * 1 that is the paper rule's box; with one weight 1 and the others 0, that member's own box. A cell
 * whose weighted members have no such detection keeps its fused box; nothing else about a cell changes.
 */
export function withWeightedBoxes(cells: FusedCell[], perModel: Detection[][], weights: number[], minIou: number): FusedCell[] {
  if (weights.length !== perModel.length) throw new Error(`${weights.length} weights for ${perModel.length} members`);
  return cells.map((cell) => {
    const sum = [0, 0, 0, 0];
    let total = 0;
    perModel.forEach((detections, m) => {
      if (!(weights[m] > 0)) return;
      let best: Detection | undefined;
      let bestIou = minIou;
      for (const d of detections) {
        const v = iou(cell.box, d.box);
        if (v >= bestIou) [best, bestIou] = [d, v];
      }
      if (!best) return;
      const w = weights[m] * best.score;
      for (let k = 0; k < 4; k++) sum[k] += w * best.box[k];
      total += w;
    });
    return total > 0 ? { ...cell, box: sum.map((v) => v / total) as Box } : cell;
  });
}
