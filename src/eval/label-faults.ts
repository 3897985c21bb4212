/**
 * Label faults found by looking at a detector's misses (scripts/list-misses.ts): a wrong label, or a
 * white cell with no label. Scoring with them as COCO ignore regions shows what the models miss
 * apart from the labels; the reported tables keep the labels as they are.
 */
import { iou } from '../core/geometry/boxes.ts';
import type { Box } from '../core/types.ts';
import type { CocoDataset } from './coco-types.ts';

export interface LabelFault {
  /** The image's file_name in the dataset. */
  file: string;
  /** x1, y1, x2, y2 in image pixels: the wrong label's box, or the unlabelled cell. */
  box: Box;
  fault: string;
}

/** Validates the faults file's JSON ({ faults: [{ file, box, fault }] }); the error names the entry. */
export function parseLabelFaults(json: unknown): LabelFault[] {
  const faults = (json as { faults?: unknown })?.faults;
  if (!Array.isArray(faults)) throw new Error('label faults file: expected { "faults": [...] }');
  return faults.map((f: Record<string, unknown>, i) => {
    const box = f?.box;
    const ok = typeof f?.file === 'string' && typeof f.fault === 'string' && Array.isArray(box) && box.length === 4 && box.every((v) => Number.isFinite(v)) && box[2] > box[0] && box[3] > box[1];
    if (!ok) throw new Error(`label faults file: faults[${i}] needs file, fault and box [x1, y1, x2, y2] with x2 > x1, y2 > y1`);
    return { file: f.file as string, box: box as Box, fault: f.fault as string };
  });
}

/** COCO [x, y, w, h] to [x1, y1, x2, y2]. */
export const fromCocoBbox = (b: number[]): Box => [b[0], b[1], b[0] + b[2], b[1] + b[3]];

/**
 * A copy of gt in which each fault is an ignore region (iscrowd): the label it names (IoU >= 0.9 with
 * the fault's box), or a new region where no label is.
 */
export function ignoreLabelFaults(gt: CocoDataset, faults: LabelFault[]): CocoDataset {
  const annotations = gt.annotations.map((a) => ({ ...a }));
  let nextId = Math.max(0, ...annotations.map((a) => a.id)) + 1;
  for (const f of faults) {
    const image = gt.images.find((im) => im.file_name === f.file);
    if (!image) throw new Error(`label fault names ${f.file}, which is not in the dataset`);
    const label = annotations.find((a) => a.image_id === image.id && iou(fromCocoBbox(a.bbox), f.box) >= 0.9);
    if (label) label.iscrowd = 1;
    else {
      const [x1, y1, x2, y2] = f.box;
      const w = x2 - x1;
      const h = y2 - y1;
      annotations.push({ id: nextId++, image_id: image.id, category_id: 1, bbox: [x1, y1, w, h], area: w * h, iscrowd: 1 });
    }
  }
  return { ...gt, annotations };
}

export interface Miss {
  kind: 'not found' | 'unlabelled';
  box: Box;
  /** The detection's confidence (unlabelled only). */
  score?: number;
}

/**
 * One image's misses at IoU 0.5, matched the way COCO does (detections by confidence, each takes the
 * best free label): labels no detection matched, and detections >= minScore that matched no label.
 */
export function missesAtIoU50(labels: Box[], detections: { box: Box; score: number }[], minScore: number): Miss[] {
  const matched = new Set<number>();
  const misses: Miss[] = [];
  for (const d of [...detections].sort((a, b) => b.score - a.score)) {
    let best = -1;
    let bestIou = 0.5;
    labels.forEach((l, i) => {
      const v = iou(d.box, l);
      if (!matched.has(i) && v >= bestIou) [best, bestIou] = [i, v];
    });
    if (best >= 0) matched.add(best);
    else if (d.score >= minScore) misses.push({ kind: 'unlabelled', box: d.box, score: d.score });
  }
  labels.forEach((l, i) => matched.has(i) || misses.push({ kind: 'not found', box: l }));
  return misses;
}
