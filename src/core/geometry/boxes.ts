/** Box geometry: area, overlap, IoU, clipping and greedy non-maximum suppression. */
import type { Box } from '../types.ts';

/** Area of an [x1, y1, x2, y2] box; 0 for an empty or reversed box. */
export function area(b: Box): number {
  const w = b[2] - b[0];
  const h = b[3] - b[1];
  return w > 0 && h > 0 ? w * h : 0;
}

/** Area of the overlap of two boxes; 0 when they do not overlap. */
export function intersectionArea(a: Box, b: Box): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  return w > 0 && h > 0 ? w * h : 0;
}

/** Whether the centre of `a` lies inside `b` (edges included). */
export function centreInside(a: Box, b: Box): boolean {
  const x = (a[0] + a[2]) / 2;
  const y = (a[1] + a[3]) / 2;
  return x >= b[0] && x <= b[2] && y >= b[1] && y <= b[3];
}

/** Intersection over union of two boxes, continuous coordinates (no +1 pixel convention); 0 when they do not overlap. */
export function iou(a: Box, b: Box): number {
  return iouCoords(a[0], a[1], a[2], a[3], b[0], b[1], b[2], b[3]);
}

/** IoU on loose coordinates, for callers that keep boxes in typed arrays. */
export function iouCoords(ax1: number, ay1: number, ax2: number, ay2: number, bx1: number, by1: number, bx2: number, by2: number): number {
  const iw = Math.min(ax2, bx2) - Math.max(ax1, bx1);
  if (!(iw > 0)) return 0;
  const ih = Math.min(ay2, by2) - Math.max(ay1, by1);
  if (!(ih > 0)) return 0;
  const inter = iw * ih;
  const union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter;
  return union > 0 ? inter / union : 0;
}

/** The box with each coordinate clamped to [0, width] (x) or [0, height] (y); a new array. */
export function clipBox(box: Box, width: number, height: number): Box {
  const cx = (v: number) => (v < 0 ? 0 : v > width ? width : v);
  const cy = (v: number) => (v < 0 ? 0 : v > height ? height : v);
  return [cx(box[0]), cy(box[1]), cx(box[2]), cy(box[3])];
}

/** Indices of `scores` sorted by score, highest first; equal scores keep their input order. */
export function orderByScore(scores: ArrayLike<number>): Int32Array {
  // A stable merge sort with the comparison inlined: Array.prototype.sort with a comparator
  // callback costs several times more on the few hundred boxes of a field.
  const n = scores.length;
  let a = new Int32Array(n);
  let b = new Int32Array(n);
  for (let i = 0; i < n; i++) a[i] = i;
  const RUN = 16;
  for (let lo = 0; lo < n; lo += RUN) {
    const hi = Math.min(lo + RUN, n);
    for (let i = lo + 1; i < hi; i++) {
      const v = a[i],
        sv = scores[v];
      let j = i - 1;
      while (j >= lo && scores[a[j]] < sv) {
        a[j + 1] = a[j];
        j--;
      }
      a[j + 1] = v;
    }
  }
  for (let width = RUN; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n),
        hi = Math.min(lo + 2 * width, n);
      let i = lo,
        j = mid,
        k = lo;
      while (i < mid && j < hi) b[k++] = scores[a[j]] > scores[a[i]] ? a[j++] : a[i++];
      while (i < mid) b[k++] = a[i++];
      while (j < hi) b[k++] = a[j++];
    }
    const t = a;
    a = b;
    b = t;
  }
  return a;
}

/**
 * Greedy NMS on indices. Walks the boxes by score, highest first (stable on ties); a box is
 * suppressed when its IoU with an already kept box is strictly greater than `iouThr` (IoU equal
 * to the threshold survives). With `classAware` only boxes of the same type suppress each other.
 * Returns the kept indices, in the order they were kept. If `owner` is given, owner[i] is set to
 * the index of the kept box that suppressed box i, or to i itself for a kept box.
 */
export function nmsIndices(dets: ReadonlyArray<{ box: Box; score: number; type: number }>, iouThr: number, classAware: boolean, owner?: Int32Array): number[] {
  const n = dets.length;
  const x1 = new Float64Array(n),
    y1 = new Float64Array(n),
    x2 = new Float64Array(n),
    y2 = new Float64Array(n);
  const ar = new Float64Array(n);
  const scores = new Float64Array(n);
  const types = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const d = dets[i];
    x1[i] = d.box[0];
    y1[i] = d.box[1];
    x2[i] = d.box[2];
    y2[i] = d.box[3];
    ar[i] = (d.box[2] - d.box[0]) * (d.box[3] - d.box[1]);
    scores[i] = d.score;
    types[i] = d.type;
  }
  const order = orderByScore(scores);
  const removed = new Uint8Array(n);
  const keep: number[] = [];
  for (let a = 0; a < n; a++) {
    const i = order[a];
    if (removed[i]) continue;
    keep.push(i);
    if (owner) owner[i] = i;
    const ix1 = x1[i],
      iy1 = y1[i],
      ix2 = x2[i],
      iy2 = y2[i],
      ia = ar[i],
      it = types[i];
    for (let b = a + 1; b < n; b++) {
      const j = order[b];
      if (removed[j] || (classAware && types[j] !== it)) continue;
      const iw = Math.min(ix2, x2[j]) - Math.max(ix1, x1[j]);
      if (!(iw > 0)) continue;
      const ih = Math.min(iy2, y2[j]) - Math.max(iy1, y1[j]);
      if (!(ih > 0)) continue;
      const inter = iw * ih;
      const union = ia + ar[j] - inter;
      if (union > 0 && inter / union > iouThr) {
        removed[j] = 1;
        if (owner) owner[j] = i;
      }
    }
  }
  return keep;
}
