/**
 * The study's challenging cases (issue 19): which labelled cells form each subset, where a synthetic
 * case goes in a field, and how the reported cells are scored against it. Geometry only: the pixels
 * of the synthetic fields are made by src/eval/challenging-fields.ts, and scripts/challenging-test.ts
 * runs the shipped analysis over both.
 *
 * Boxes are COCO `[x, y, w, h]`; the analysis reports cells as `[x1, y1, x2, y2]`.
 */
import type { CocoBbox } from './coco-types.ts';

/** A labelled box; an ignore region (iscrowd 1) takes part in nothing here but the clipping. */
export interface LabelledBox {
  bbox: CocoBbox;
  iscrowd?: 0 | 1;
}

/** A reported cell: its box in field pixels and the score it is ranked by. */
export interface ReportedBox {
  box: readonly [number, number, number, number] | readonly number[];
  score: number;
}

/** Two boxes touch when the gap between them is at most this share of the smaller box's side (sqrt of its area). */
export const TOUCH_GAP = 0.1;
/** A pair overlapping this much (IoU) is one cell labelled twice, not two cells touching. */
export const DUPLICATE_LABEL_IOU = 0.5;

/** A cut cell keeps this share of its box area in view: the study's 25-50 % visible. */
export const CUT_VISIBLE: readonly [number, number] = [0.25, 0.5];

/** The side of a box, as the square root of its area. */
export const side = (b: CocoBbox): number => Math.sqrt(Math.max(0, b[2]) * Math.max(0, b[3]));

/**
 * The gap between two boxes: the larger of the horizontal and vertical separations; zero when
 * their edges meet, negative when they overlap (the depth of the overlap along the shallower axis).
 */
export function boxGap(a: CocoBbox, b: CocoBbox): number {
  const gx = Math.max(a[0], b[0]) - Math.min(a[0] + a[2], b[0] + b[2]);
  const gy = Math.max(a[1], b[1]) - Math.min(a[1] + a[3], b[1] + b[3]);
  return Math.max(gx, gy);
}

export function iouXywh(a: CocoBbox, b: CocoBbox): number {
  const iw = Math.min(a[0] + a[2], b[0] + b[2]) - Math.max(a[0], b[0]);
  const ih = Math.min(a[1] + a[3], b[1] + b[3]) - Math.max(a[1], b[1]);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  return inter / (a[2] * a[3] + b[2] * b[3] - inter);
}

const toXywh = (b: ReportedBox['box']): CocoBbox => [b[0], b[1], b[2] - b[0], b[3] - b[1]];

/**
 * The labelled leukocytes of one field that touch or overlap another (boxGap at most TOUCH_GAP x
 * the smaller side), leaving out pairs that are one cell labelled twice (IoU >= DUPLICATE_LABEL_IOU).
 * Returns indices into `boxes`, ascending; ignore regions never count.
 */
export function touchingCells(boxes: readonly LabelledBox[], gap = TOUCH_GAP): number[] {
  const out = new Set<number>();
  for (let i = 0; i < boxes.length; i++) {
    if (boxes[i].iscrowd === 1) continue;
    for (let j = i + 1; j < boxes.length; j++) {
      if (boxes[j].iscrowd === 1) continue;
      const a = boxes[i].bbox;
      const b = boxes[j].bbox;
      if (iouXywh(a, b) >= DUPLICATE_LABEL_IOU) continue;
      if (boxGap(a, b) <= gap * Math.min(side(a), side(b))) {
        out.add(i);
        out.add(j);
      }
    }
  }
  return [...out].sort((p, q) => p - q);
}

/**
 * One-to-one matching at one IoU threshold, as COCO matches one image class-agnostically: reported
 * cells by descending score (stable), each takes the free labelled cell with the highest IoU >= iouThr.
 * Ignore regions are never matched (a cell on one is simply not counted). Returns, per labelled
 * box, the index of the cell that found it (-1: missed), and per cell the labelled box it found.
 */
export function matchOneToOne(labels: readonly LabelledBox[], cells: readonly ReportedBox[], iouThr = 0.5): { labelToCell: number[]; cellToLabel: number[] } {
  const labelToCell = new Array<number>(labels.length).fill(-1);
  const cellToLabel = new Array<number>(cells.length).fill(-1);
  const order = cells.map((_, i) => i).sort((p, q) => cells[q].score - cells[p].score || p - q);
  for (const ci of order) {
    const box = toXywh(cells[ci].box);
    let best = iouThr;
    let m = -1;
    for (let j = 0; j < labels.length; j++) {
      if (labels[j].iscrowd === 1 || labelToCell[j] >= 0) continue;
      const v = iouXywh(box, labels[j].bbox);
      if (v >= best) {
        best = v;
        m = j;
      }
    }
    if (m >= 0) {
      labelToCell[m] = ci;
      cellToLabel[ci] = m;
    }
  }
  return { labelToCell, cellToLabel };
}

/**
 * The reported cells lying mostly on a box: at least half of each cell's own area inside it. Two or
 * more on a cut cell mean the analysis reported its visible part as several cells.
 */
export function cellsOn(box: CocoBbox, cells: readonly ReportedBox[]): number[] {
  const out: number[] = [];
  cells.forEach((c, i) => {
    const b = toXywh(c.box);
    const iw = Math.min(b[0] + b[2], box[0] + box[2]) - Math.max(b[0], box[0]);
    const ih = Math.min(b[1] + b[3], box[1] + box[3]) - Math.max(b[1], box[1]);
    if (iw > 0 && ih > 0 && iw * ih >= 0.5 * b[2] * b[3]) out.push(i);
  });
  return out;
}

/** A reported cell this close (IoU) to a labelled leukocyte is taken as that leukocyte's, never as an impurity. */
export const ON_LEUKOCYTE_IOU = 0.3;
/** A cell of the impurity's field matching (IoU) a cell of the same field without the impurity was there before it. */
export const SAME_CELL_IOU = 0.5;

/**
 * The reported cells that take an impurity (a platelet, a clump) for a cell: each one whose box has
 * IoU >= `iouThr` with the impurity's or holds its centre, leaving out every cell at IoU >=
 * ON_LEUKOCYTE_IOU with a labelled leukocyte (ignore regions included: a cell on a leukocyte, even a
 * loose or duplicate one, is that leukocyte's) and, when the impurity was put into a field
 * (`before`: the cells reported on the same field without it), every cell matching one of those at
 * IoU >= SAME_CELL_IOU (a cell that was there already). Returns their indices, ascending.
 */
export function impurityTakers(impurity: CocoBbox, cells: readonly ReportedBox[], leukocytes: readonly LabelledBox[], before: readonly ReportedBox[] = [], iouThr = 0.3): number[] {
  const cx = impurity[0] + impurity[2] / 2;
  const cy = impurity[1] + impurity[3] / 2;
  const out: number[] = [];
  for (let i = 0; i < cells.length; i++) {
    const b = cells[i].box;
    const box = toXywh(b);
    const inside = cx >= b[0] && cx <= b[2] && cy >= b[1] && cy <= b[3];
    if (!inside && iouXywh(box, impurity) < iouThr) continue;
    if (leukocytes.some((l) => iouXywh(box, l.bbox) >= ON_LEUKOCYTE_IOU)) continue;
    if (before.some((c) => iouXywh(box, toXywh(c.box)) >= SAME_CELL_IOU)) continue;
    out.push(i);
  }
  return out;
}

// ---- incomplete cells: the field cut along a line through one cell ----

export type Side = 'left' | 'right' | 'top' | 'bottom';

/** A rectangle of the field, integer pixels. */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface EdgeCut {
  /** The part of the field kept. */
  crop: Rect;
  /** The side of the cell the new field edge cuts away. */
  side: Side;
  /** The share of the cell's box area left in view. */
  visible: number;
}

/**
 * Where to cut the field so that one cell is cut by the new field edge with a share of its box
 * area in CUT_VISIBLE left: a share drawn from `rng`, then a side drawn among those that leave at
 * least half of the field (the side leaving the most, when none does). The cut is at whole pixels
 * and the share is measured after rounding.
 */
export function edgeCut(width: number, height: number, cell: CocoBbox, rng: () => number): EdgeCut {
  const [lo, hi] = CUT_VISIBLE;
  const want = lo + 0.02 + (hi - lo - 0.04) * rng();
  const [bx, by, bw, bh] = cell;
  const cuts: Record<Side, Rect> = {
    // 'left': the cell's left part is cut away; the field keeps everything right of the cut.
    left: ((c) => ({ x: c, y: 0, width: width - c, height }))(Math.round(bx + (1 - want) * bw)),
    right: ((c) => ({ x: 0, y: 0, width: c, height }))(Math.round(bx + want * bw)),
    top: ((c) => ({ x: 0, y: c, width, height: height - c }))(Math.round(by + (1 - want) * bh)),
    bottom: ((c) => ({ x: 0, y: 0, width, height: c }))(Math.round(by + want * bh)),
  };
  const sides: Side[] = ['left', 'right', 'top', 'bottom'];
  const area = (r: Rect) => r.width * r.height;
  const roomy = sides.filter((s) => area(cuts[s]) >= 0.5 * width * height);
  const pick = roomy.length > 0 ? roomy[Math.min(roomy.length - 1, Math.floor(rng() * roomy.length))] : sides.reduce((a, s) => (area(cuts[s]) > area(cuts[a]) ? s : a));
  const crop = cuts[pick];
  const clipped = clipToRect(cell, crop);
  return { crop, side: pick, visible: clipped ? (clipped[2] * clipped[3]) / (bw * bh) : 0 };
}

/** A box clipped to a rectangle, in the rectangle's coordinates; null when nothing of it is inside. */
export function clipToRect(b: CocoBbox, r: Rect): CocoBbox | null {
  const x0 = Math.max(b[0], r.x);
  const y0 = Math.max(b[1], r.y);
  const x1 = Math.min(b[0] + b[2], r.x + r.width);
  const y1 = Math.min(b[1] + b[3], r.y + r.height);
  if (x1 <= x0 || y1 <= y0) return null;
  return [x0 - r.x, y0 - r.y, x1 - x0, y1 - y0];
}

/**
 * The labels of a cut field, as src/eval/magnification.ts treats a view: a box at least half in view
 * is kept clipped, one less than half in view becomes an ignore region, one out of view goes; the
 * cut cell (`target`, an index into `labels`) is kept clipped whatever its share. Returns the labels
 * in the crop's coordinates and the index of the target among them.
 */
export function labelsInCrop<T extends LabelledBox>(labels: readonly T[], crop: Rect, target: number): { labels: (T & { area: number })[]; target: number } {
  const out: (T & { area: number })[] = [];
  let at = -1;
  labels.forEach((a, i) => {
    const bbox = clipToRect(a.bbox, crop);
    if (!bbox) return;
    const inView = (bbox[2] * bbox[3]) / (a.bbox[2] * a.bbox[3]);
    if (i === target) at = out.length;
    const iscrowd: 0 | 1 = i === target ? 0 : inView >= 0.5 ? (a.iscrowd ?? 0) : 1;
    out.push({ ...a, bbox, area: bbox[2] * bbox[3], iscrowd });
  });
  return { labels: out, target: at };
}

// ---- touching pairs: a second leukocyte pasted against a labelled one ----

/** How deep a pasted cell may go into its partner (negative gap) or how far it may stay off, in shares of the smaller side. */
export const PAIR_GAP: readonly [number, number] = [-0.15, 0.05];

/**
 * Where a cell of size `size` (w, h) goes so that its box touches `target`: a side drawn from `rng`
 * (then the others in turn), a gap in PAIR_GAP x the smaller side, an offset along the side of up to
 * 0.3 of the pair's mean size. The box must lie inside the field and keep more than TOUCH_GAP x its
 * side from every other labelled cell (`others`). Returns the new box, or null when no side fits.
 */
export function touchingPlace(width: number, height: number, target: CocoBbox, size: readonly [number, number], others: readonly CocoBbox[], rng: () => number): CocoBbox | null {
  const [w, h] = size;
  const s = Math.min(side(target), Math.sqrt(w * h));
  const gap = (PAIR_GAP[0] + (PAIR_GAP[1] - PAIR_GAP[0]) * rng()) * s;
  const shift = (rng() * 2 - 1) * 0.3;
  const first = Math.floor(rng() * 4);
  const [tx, ty, tw, th] = target;
  const cx = tx + tw / 2;
  const cy = ty + th / 2;
  for (let k = 0; k < 4; k++) {
    const dir = (first + k) % 4;
    let x: number;
    let y: number;
    if (dir === 0 || dir === 1) {
      x = dir === 0 ? tx - gap - w : tx + tw + gap;
      y = cy - h / 2 + shift * ((th + h) / 2);
    } else {
      y = dir === 2 ? ty - gap - h : ty + th + gap;
      x = cx - w / 2 + shift * ((tw + w) / 2);
    }
    x = Math.round(x);
    y = Math.round(y);
    const box: CocoBbox = [x, y, w, h];
    if (x < 0 || y < 0 || x + w > width || y + h > height) continue;
    if (others.some((o) => boxGap(o, box) <= TOUCH_GAP * Math.min(side(o), side(box)))) continue;
    return box;
  }
  return null;
}

// ---- platelet clumps ----

export interface ClumpPlan {
  /** Where each platelet goes (its box in the field) and which source platelet it is (an index into `platelets`). */
  parts: { source: number; bbox: CocoBbox }[];
  /** The box around the whole clump. */
  bbox: CocoBbox;
}

/** A clump keeps at least this share of the largest leukocyte side away from every labelled leukocyte. */
export const CLUMP_CLEARANCE = 0.5;

/**
 * A clump of `count` platelets (source boxes' sizes in `platelets`, drawn with `rng`, repeats
 * allowed) scattered overlapping around a centre: each platelet's centre within 0.45 x its side x
 * sqrt(count) of it. The centre is the most background-like (`brightness`, higher is emptier) of 40
 * drawn candidates whose clump lies inside the field and CLUMP_CLEARANCE x the largest leukocyte side
 * away from every leukocyte. Null when no candidate fits.
 */
export function planClump(
  width: number,
  height: number,
  leukocytes: readonly CocoBbox[],
  platelets: readonly CocoBbox[],
  count: number,
  rng: () => number,
  brightness: (r: Rect) => number = () => 0,
): ClumpPlan | null {
  if (platelets.length === 0) return null;
  const sources = Array.from({ length: count }, () => Math.min(platelets.length - 1, Math.floor(rng() * platelets.length)));
  const offsets = sources.map((src) => {
    const p = platelets[src];
    const radius = 0.45 * side(p) * Math.sqrt(count) * Math.sqrt(rng());
    const angle = 2 * Math.PI * rng();
    return { src, dx: radius * Math.cos(angle) - p[2] / 2, dy: radius * Math.sin(angle) - p[3] / 2 };
  });
  const x0 = Math.min(...offsets.map((o) => o.dx));
  const y0 = Math.min(...offsets.map((o) => o.dy));
  const x1 = Math.max(...offsets.map((o) => o.dx + platelets[o.src][2]));
  const y1 = Math.max(...offsets.map((o) => o.dy + platelets[o.src][3]));
  const cw = Math.ceil(x1 - x0);
  const ch = Math.ceil(y1 - y0);
  if (cw >= width || ch >= height) return null;
  const clearance = CLUMP_CLEARANCE * Math.max(0, ...leukocytes.map(side));
  let best: { left: number; top: number; score: number } | null = null;
  for (let k = 0; k < 40; k++) {
    const left = Math.floor(rng() * (width - cw));
    const top = Math.floor(rng() * (height - ch));
    const box: CocoBbox = [left, top, cw, ch];
    if (leukocytes.some((l) => boxGap(l, box) < clearance)) continue;
    const score = brightness({ x: left, y: top, width: cw, height: ch });
    if (!best || score > best.score) best = { left, top, score };
  }
  if (!best) return null;
  const { left, top } = best;
  return {
    parts: offsets.map((o) => {
      const p = platelets[o.src];
      return { source: o.src, bbox: [Math.round(left + o.dx - x0), Math.round(top + o.dy - y0), p[2], p[3]] as CocoBbox };
    }),
    bbox: [left, top, cw, ch],
  };
}

/** A seed of its own for each field, so that a field's case does not depend on the fields before it. */
export const fieldSeed = (seed: number, imageId: number, salt = 0): number => (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) + Math.imul(imageId, 0xc2b2ae35) + Math.imul(salt, 0x27d4eb2f)) >>> 0;
