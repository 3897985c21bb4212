/**
 * How often a leukocyte is counted twice: detections on a labelled cell that another, higher-scored
 * detection already found. The differential counts every fused cell, so each one is a miscount.
 */
import { area, centreInside, intersectionArea, iou } from '../core/geometry/boxes.ts';
import type { Box } from '../core/types.ts';
import type { CocoDataset, CocoDetection } from './coco-types.ts';
import { fromCocoBbox } from './label-faults.ts';

/** A detection finds a labelled cell at IoU >= this. */
const MATCH_IOU = 0.5;
/** A detection whose centre is in a labelled cell and that lies this much inside it is on that cell too. */
const INSIDE_SHARE = 0.6;

/** Whether a detection lies on a labelled cell: it would match it, or it is a part box inside it. */
function onCell(detection: Box, cell: Box): boolean {
  if (iou(detection, cell) >= MATCH_IOU) return true;
  return centreInside(detection, cell) && intersectionArea(detection, cell) >= INSIDE_SHARE * area(detection);
}

/**
 * Duplicates per 100 labelled leukocytes (crowd regions are neither). Per image, the detections in
 * score order (stable) each take the free labelled cell they overlap most at IoU >= 0.5, whatever
 * the types; a detection that takes none but lies on a cell already taken is a duplicate.
 */
export function duplicatesPer100(gt: CocoDataset, dt: CocoDetection[]): number {
  const cellsByImage = new Map<number, Box[]>(gt.images.map((im) => [im.id, []]));
  for (const a of gt.annotations) if (a.iscrowd !== 1) cellsByImage.get(a.image_id)?.push(fromCocoBbox(a.bbox));
  const detectionsByImage = new Map<number, CocoDetection[]>(gt.images.map((im) => [im.id, []]));
  dt.forEach((d, i) => {
    const list = detectionsByImage.get(d.image_id);
    if (!list) throw new Error(`detection ${i}: image_id ${d.image_id} is not in the ground truth`);
    list.push(d);
  });

  let leukocytes = 0;
  let duplicates = 0;
  for (const [imageId, cells] of cellsByImage) {
    leukocytes += cells.length;
    const taken = new Array<boolean>(cells.length).fill(false);
    // Array.prototype.sort is stable: equal scores keep their input order.
    const ranked = detectionsByImage.get(imageId)!.sort((p, q) => q.score - p.score);
    for (const d of ranked) {
      const box = fromCocoBbox(d.bbox);
      let match = -1;
      let best = MATCH_IOU;
      cells.forEach((cell, j) => {
        const v = iou(box, cell);
        if (!taken[j] && v >= best) [match, best] = [j, v];
      });
      if (match >= 0) taken[match] = true;
      else if (cells.some((cell, j) => taken[j] && onCell(box, cell))) duplicates++;
    }
  }
  return leukocytes > 0 ? (100 * duplicates) / leukocytes : 0;
}
