/**
 * Type confusion matrix at one operating point: detections are matched to ground-truth cells
 * regardless of type, then each match is counted as (true type, predicted type).
 */
import { CELL_TYPES } from '../contracts/vocabulary.ts';
import { NUM_TYPES } from '../core/types.ts';
import type { CocoAnnotation, CocoDataset, CocoDetection } from './coco-types.ts';

export interface ConfusionOptions {
  /** A detection matches a GT cell at IoU >= iouThr (default 0.5). */
  iouThr?: number;
  /** Detections scoring below this are dropped before matching. */
  scoreThr: number;
}

export interface ConfusionMatrix {
  /** The five type names, in type order (category_id - 1). */
  labels: string[];
  /** `labels` + 'false'. */
  rowLabels: string[];
  /** `labels` + 'missed'. */
  colLabels: string[];
  /**
   * 6 x 6. Rows 0..4: true type; row 5 'false': detections matching no GT cell.
   * Columns 0..4: predicted type; column 5 'missed': GT cells no detection matched.
   * matrix[5][5] is always 0.
   */
  matrix: number[][];
}

const MISSED = NUM_TYPES;
const FALSE = NUM_TYPES;

function typeOf(categoryId: number, what: string): number {
  if (!Number.isInteger(categoryId) || categoryId < 1 || categoryId > NUM_TYPES) {
    throw new RangeError(`${what}: category_id ${categoryId} is not a leukocyte type (1..${NUM_TYPES})`);
  }
  return categoryId - 1;
}

function iou(d: readonly number[], g: readonly number[], crowd: boolean): number {
  const iw = Math.min(d[0] + d[2], g[0] + g[2]) - Math.max(d[0], g[0]);
  if (iw <= 0) return 0;
  const ih = Math.min(d[1] + d[3], g[1] + g[3]) - Math.max(d[1], g[1]);
  if (ih <= 0) return 0;
  const inter = iw * ih;
  const da = d[2] * d[3];
  return inter / (crowd ? da : da + g[2] * g[3] - inter);
}

/**
 * Matching follows the class-agnostic COCO rules at one threshold: detections in score order
 * (stable), each takes the free GT with the highest IoU (ties to the later one). Cells of unknown
 * type take part in matching but are not counted; crowd regions come last, absorb any number of
 * detections (IoU = intersection / detection area) and are not counted either.
 */
export function confusionMatrix(gt: CocoDataset, dt: CocoDetection[], opts: ConfusionOptions): ConfusionMatrix {
  const iouThr = opts.iouThr ?? 0.5;
  const { scoreThr } = opts;
  const matrix = Array.from({ length: NUM_TYPES + 1 }, () => new Array<number>(NUM_TYPES + 1).fill(0));

  const gtByImage = new Map<number, CocoAnnotation[]>();
  const dtByImage = new Map<number, number[]>();
  for (const im of gt.images) {
    gtByImage.set(im.id, []);
    dtByImage.set(im.id, []);
  }
  gt.annotations.forEach((a) => {
    const list = gtByImage.get(a.image_id);
    if (!list) return;
    if (a.iscrowd !== 1 && a.type_unknown !== true) typeOf(a.category_id, `annotation ${a.id}`);
    list.push(a);
  });
  dt.forEach((d, i) => {
    const list = dtByImage.get(d.image_id);
    if (!list) throw new Error(`detection ${i}: image_id ${d.image_id} is not in the ground truth`);
    typeOf(d.category_id, `detection ${i}`);
    if (d.score >= scoreThr) list.push(i);
  });

  for (const [imageId, anns] of gtByImage) {
    // Regular cells (typed or not) first, crowd regions last; otherwise annotation order.
    const cells = anns.filter((a) => a.iscrowd !== 1);
    const nCells = cells.length;
    const ordered = nCells === anns.length ? cells : cells.concat(anns.filter((a) => a.iscrowd === 1));
    const taken = new Uint8Array(ordered.length);
    const dets = dtByImage.get(imageId)!;
    dets.sort((p, q) => (dt[p].score > dt[q].score ? -1 : dt[p].score < dt[q].score ? 1 : p - q));

    for (const di of dets) {
      const d = dt[di];
      let best = iouThr;
      let m = -1;
      for (let j = 0; j < ordered.length; j++) {
        const isCrowd = j >= nCells;
        if (taken[j] === 1 && !isCrowd) continue;
        if (m > -1 && m < nCells && isCrowd) break;
        const v = iou(d.bbox, ordered[j].bbox, isCrowd);
        if (v < best) continue;
        best = v;
        m = j;
      }
      const predicted = d.category_id - 1;
      if (m < 0) {
        matrix[FALSE][predicted]++;
        continue;
      }
      taken[m] = 1;
      const g = ordered[m];
      if (m < nCells && g.type_unknown !== true) matrix[g.category_id - 1][predicted]++;
    }
    for (let j = 0; j < nCells; j++) {
      const g = ordered[j];
      if (taken[j] === 0 && g.type_unknown !== true) matrix[g.category_id - 1][MISSED]++;
    }
  }

  const labels = [...CELL_TYPES];
  return { labels, rowLabels: [...labels, 'false'], colLabels: [...labels, 'missed'], matrix };
}

/**
 * Of the labelled cells of known type found at the matrix's operating point, the share typed
 * right; null when none was found.
 */
export function typedAccuracy(cm: ConfusionMatrix): number | null {
  let right = 0;
  let found = 0;
  for (let t = 0; t < NUM_TYPES; t++) {
    right += cm.matrix[t][t];
    for (let p = 0; p < NUM_TYPES; p++) found += cm.matrix[t][p];
  }
  return found > 0 ? right / found : null;
}
