/**
 * COCO bbox evaluation (mAP / mAR), reproducing pycocotools `COCOeval` with its default `Params`.
 * The rules are those of test/fixtures/coco-vectors/README.md; the fixtures there pin them down.
 *
 * leukodiff extension: an annotation with `type_unknown: true` (a leukocyte of unknown type) is,
 * in typed mode, an ignored GT of every category: a detection of any type matching it is neither
 * TP nor FP. Like any non-crowd GT it absorbs one detection per category and IoU threshold; a
 * second detection on it is an ordinary false positive (a duplicate). In class-agnostic mode all
 * annotations and detections are one category (id 1) and unknown-type cells are ordinary GT.
 */
import type { CocoDataset, CocoDetection } from './coco-types.ts';

export interface CocoEvalOptions {
  /** Evaluate localisation only: every annotation and detection becomes category 1. */
  classAgnostic?: boolean;
}

export interface CocoCategoryMetrics {
  /** AP@[.50:.95], area all, maxDets 100; -1 when the category has no GT. */
  ap: number;
  ap50: number;
  ap75: number;
  /** AR@[.50:.95], area all, maxDets 100. */
  ar100: number;
}

export interface PrCurve {
  /** The 101 recall thresholds. */
  recall: number[];
  /** Interpolated precision at each recall threshold (-1 everywhere when there is no GT). */
  precision: number[];
}

export interface CocoPrecisionAccessor {
  /**
   * Interpolated precision curve at area all, maxDets 100. `iouThr` must be one of `IOU_THRS`
   * (0.9 is accepted for 0.8999999999999999). Without `categoryId`: the mean over the categories
   * that have GT.
   */
  prCurve(iouThr: number, categoryId?: number): PrCurve;
}

export interface CocoEvalResult {
  /** The 12 summary numbers, in the order of `STATS_NAMES`; -1 when there is nothing to average. */
  stats: number[];
  statsNames: string[];
  /** Keyed by category id (1 only in class-agnostic mode). */
  perCategory: Record<number, CocoCategoryMetrics>;
  precision: CocoPrecisionAccessor;
}

function linspace(start: number, stop: number, num: number): number[] {
  // numpy.linspace: start + i*step, the last value forced to exactly `stop`.
  const step = (stop - start) / (num - 1);
  const out: number[] = [];
  for (let i = 0; i < num; i++) out.push(i === num - 1 ? stop : start + i * step);
  return out;
}

export const IOU_THRS: readonly number[] = Object.freeze(linspace(0.5, 0.95, 10));
export const REC_THRS: readonly number[] = Object.freeze(linspace(0, 1, 101));
export const MAX_DETS: readonly number[] = Object.freeze([1, 10, 100]);
export const AREA_RANGES: readonly (readonly [number, number])[] = Object.freeze([
  [0, 1e10],
  [0, 32 * 32],
  [32 * 32, 96 * 96],
  [96 * 96, 1e10],
] as const);
export const STATS_NAMES: readonly string[] = Object.freeze([
  'AP@[.50:.95]|all|100',
  'AP@.50|all|100',
  'AP@.75|all|100',
  'AP@[.50:.95]|small|100',
  'AP@[.50:.95]|medium|100',
  'AP@[.50:.95]|large|100',
  'AR@[.50:.95]|all|1',
  'AR@[.50:.95]|all|10',
  'AR@[.50:.95]|all|100',
  'AR@[.50:.95]|small|100',
  'AR@[.50:.95]|medium|100',
  'AR@[.50:.95]|large|100',
]);

const T = IOU_THRS.length;
const R = REC_THRS.length;
const A = AREA_RANGES.length;
const M = MAX_DETS.length;
const MAX_DET = MAX_DETS[M - 1];
const EPS = 2.220446049250313e-16;

/** Per detection, area range and threshold. */
const FP = 0;
const TP = 1;
const IGNORED = 2;

function sortedUniqueIds(ids: Iterable<number>): number[] {
  return [...new Set(ids)].sort((a, b) => a - b);
}

function indexOf(ids: number[]): Map<number, number> {
  const m = new Map<number, number>();
  ids.forEach((id, i) => m.set(id, i));
  return m;
}

/**
 * Evaluates `dt` against `gt` over all images and categories of `gt`. Throws when a detection
 * names an image that `gt` does not have; detections of categories `gt` does not list are skipped.
 */
export function evaluate(gt: CocoDataset, dt: CocoDetection[], opts: CocoEvalOptions = {}): CocoEvalResult {
  const agnostic = opts.classAgnostic === true;
  const imgIds = sortedUniqueIds(gt.images.map((im) => im.id));
  const catIds = agnostic ? [1] : sortedUniqueIds(gt.categories.map((c) => c.id));
  const imgIndex = indexOf(imgIds);
  const catIndex = indexOf(catIds);
  const g = prepareGroundTruth(gt, imgIndex, catIndex, agnostic);
  const d = prepareDetections(dt, imgIndex, catIndex, agnostic);
  const m = matchAll(g, d, imgIds.length * catIds.length, catIds.length);
  const { precision, recall } = accumulate(d, m, imgIds.length, catIds.length);
  return summarize(precision, recall, catIds);
}

/** Annotations bucketed by (image index * K + category index), annotation order kept (CSR). */
interface PreparedGt {
  start: Int32Array;
  idx: Int32Array;
  box: Float64Array;
  area: Float64Array;
  crowd: Uint8Array;
  /** Ignored in every area range: crowd, or unknown type in typed mode. */
  ignore: Uint8Array;
}

function prepareGroundTruth(gt: CocoDataset, imgIndex: Map<number, number>, catIndex: Map<number, number>, agnostic: boolean): PreparedGt {
  const K = catIndex.size;
  const nBuckets = imgIndex.size * K;
  const anns = gt.annotations;
  const nG = anns.length;
  const box = new Float64Array(nG * 4);
  const area = new Float64Array(nG);
  const crowd = new Uint8Array(nG);
  const ignore = new Uint8Array(nG);
  /** Bucket of the annotation; -1: none; -2 - ii: every category of image ii. */
  const bucket = new Int32Array(nG);
  const start = new Int32Array(nBuckets + 1);
  for (let a = 0; a < nG; a++) {
    const g = anns[a];
    const ii = imgIndex.get(g.image_id);
    const unknown = g.type_unknown === true && !agnostic;
    const ci = agnostic ? 0 : unknown ? -1 : catIndex.get(g.category_id);
    if (ii === undefined || ci === undefined) {
      bucket[a] = -1;
      continue;
    }
    const b = g.bbox;
    box[a * 4] = b[0];
    box[a * 4 + 1] = b[1];
    box[a * 4 + 2] = b[2];
    box[a * 4 + 3] = b[3];
    area[a] = g.area;
    crowd[a] = g.iscrowd === 1 ? 1 : 0;
    ignore[a] = crowd[a] === 1 || unknown ? 1 : 0;
    if (ci >= 0) {
      bucket[a] = ii * K + ci;
      start[ii * K + ci + 1]++;
    } else {
      bucket[a] = -2 - ii;
      for (let k = 0; k < K; k++) start[ii * K + k + 1]++;
    }
  }
  for (let b = 0; b < nBuckets; b++) start[b + 1] += start[b];
  const idx = new Int32Array(start[nBuckets]);
  const cur = start.slice(0, nBuckets);
  for (let a = 0; a < nG; a++) {
    const b = bucket[a];
    if (b >= 0) idx[cur[b]++] = a;
    else if (b <= -2) {
      const ii = -2 - b;
      for (let k = 0; k < K; k++) idx[cur[ii * K + k]++] = a;
    }
  }
  return { start, idx, box, area, crowd, ignore };
}

/** Detections bucketed like the GT, each bucket sorted by score (stable); `end` cuts at 100. */
interface PreparedDt {
  start: Int32Array;
  end: Int32Array;
  idx: Int32Array;
  box: Float64Array;
  area: Float64Array;
  score: Float64Array;
  /** Rank of a detection within its (image, category) after the score sort. */
  rank: Int32Array;
}

function prepareDetections(dt: CocoDetection[], imgIndex: Map<number, number>, catIndex: Map<number, number>, agnostic: boolean): PreparedDt {
  const K = catIndex.size;
  const nBuckets = imgIndex.size * K;
  const nD = dt.length;
  const box = new Float64Array(nD * 4);
  const area = new Float64Array(nD);
  const score = new Float64Array(nD);
  const bucket = new Int32Array(nD);
  const start = new Int32Array(nBuckets + 1);
  for (let d = 0; d < nD; d++) {
    const det = dt[d];
    const ii = imgIndex.get(det.image_id);
    if (ii === undefined) throw new Error(`detection ${d}: image_id ${det.image_id} is not in the ground truth`);
    if (Number.isNaN(det.score)) throw new Error(`detection ${d}: score is NaN`);
    const ci = agnostic ? 0 : catIndex.get(det.category_id);
    if (ci === undefined) {
      // A category the ground truth does not list is never evaluated (as in pycocotools).
      bucket[d] = -1;
      continue;
    }
    const b = ii * K + ci;
    bucket[d] = b;
    const bb = det.bbox;
    box[d * 4] = bb[0];
    box[d * 4 + 1] = bb[1];
    box[d * 4 + 2] = bb[2];
    box[d * 4 + 3] = bb[3];
    area[d] = bb[2] * bb[3];
    score[d] = det.score;
    start[b + 1]++;
  }
  for (let b = 0; b < nBuckets; b++) start[b + 1] += start[b];
  const idx = new Int32Array(start[nBuckets]);
  const cur = start.slice(0, nBuckets);
  for (let d = 0; d < nD; d++) if (bucket[d] >= 0) idx[cur[bucket[d]]++] = d;

  const end = new Int32Array(nBuckets);
  const rank = new Int32Array(nD);
  for (let b = 0; b < nBuckets; b++) {
    const s = start[b];
    const e = start[b + 1];
    if (e - s > 1) sortByScore(idx, s, e, score);
    end[b] = Math.min(e, s + MAX_DET);
    for (let p = s; p < e; p++) rank[idx[p]] = p - s;
  }
  return { start, end, idx, box, area, score, rank };
}

/**
 * Sorts idx[s..e) by score descending, equal scores by index ascending (= a stable sort of
 * detections listed in index order). Buckets are small: insertion sort up to 32.
 */
function sortByScore(idx: Int32Array, s: number, e: number, score: Float64Array): void {
  if (e - s > 32) {
    idx.subarray(s, e).sort((p, q) => (score[p] > score[q] ? -1 : score[p] < score[q] ? 1 : p - q));
    return;
  }
  for (let i = s + 1; i < e; i++) {
    const v = idx[i];
    const sv = score[v];
    let j = i - 1;
    while (j >= s && (score[idx[j]] < sv || (score[idx[j]] === sv && idx[j] > v))) {
      idx[j + 1] = idx[j];
      j--;
    }
    idx[j + 1] = v;
  }
}

interface Matches {
  /** Per detection, area range and threshold: FP, TP or IGNORED; index (d * A + a) * T + t. */
  state: Uint8Array;
  /** Non-ignored GT per (category, area range); index k * A + a. */
  npig: Int32Array;
}

function matchAll(g: PreparedGt, d: PreparedDt, nBuckets: number, K: number): Matches {
  const state = new Uint8Array(d.score.length * A * T);
  const npig = new Int32Array(K * A);
  const scratch: Scratch = {
    iou: new Float64Array(256),
    gIg: new Uint8Array(16),
    gCrowd: new Uint8Array(16),
    ord: new Int32Array(16),
    taken: new Uint8Array(16),
  };
  for (let b = 0; b < nBuckets; b++) {
    const ng = g.start[b + 1] - g.start[b];
    const nd = d.end[b] - d.start[b];
    if (ng === 0 && nd === 0) continue;
    matchBucket(g, d, b, b % K, scratch, state, npig);
  }
  return { state, npig };
}

interface Scratch {
  iou: Float64Array;
  gIg: Uint8Array;
  gCrowd: Uint8Array;
  ord: Int32Array;
  taken: Uint8Array;
}

function matchBucket(g: PreparedGt, d: PreparedDt, b: number, k: number, sc: Scratch, state: Uint8Array, npig: Int32Array): void {
  const gs = g.start[b];
  const ng = g.start[b + 1] - gs;
  const ds = d.start[b];
  const nd = d.end[b] - ds;
  if (ng > sc.gIg.length) {
    sc.gIg = new Uint8Array(ng * 2);
    sc.gCrowd = new Uint8Array(ng * 2);
    sc.ord = new Int32Array(ng * 2);
    sc.taken = new Uint8Array(ng * 2);
  }
  if (nd * ng > sc.iou.length) sc.iou = new Float64Array(nd * ng * 2);
  const { iou, gIg, gCrowd, ord, taken } = sc;
  const gBox = g.box;
  const dBox = d.box;
  const gIdx = g.idx;
  const dIdx = d.idx;
  for (let j = 0; j < ng; j++) gCrowd[j] = g.crowd[gIdx[gs + j]];

  for (let i = 0; i < nd; i++) {
    const di = dIdx[ds + i];
    const dx = dBox[di * 4];
    const dy = dBox[di * 4 + 1];
    const dw = dBox[di * 4 + 2];
    const dh = dBox[di * 4 + 3];
    const da = d.area[di];
    for (let j = 0; j < ng; j++) {
      const gi = gIdx[gs + j];
      const gx = gBox[gi * 4];
      const gy = gBox[gi * 4 + 1];
      const gw = gBox[gi * 4 + 2];
      const gh = gBox[gi * 4 + 3];
      let v = 0;
      const iw = Math.min(dx + dw, gx + gw) - Math.max(dx, gx);
      if (iw > 0) {
        const ih = Math.min(dy + dh, gy + gh) - Math.max(dy, gy);
        if (ih > 0) {
          const inter = iw * ih;
          v = inter / (gCrowd[j] === 1 ? da : da + gw * gh - inter);
        }
      }
      iou[i * ng + j] = v;
    }
  }

  for (let a = 0; a < A; a++) {
    const lo = AREA_RANGES[a][0];
    const hi = AREA_RANGES[a][1];
    // GT order for this range: non-ignored first (positions < nKept), otherwise annotation order.
    let nKept = 0;
    for (let j = 0; j < ng; j++) {
      const gi = gIdx[gs + j];
      const ga = g.area[gi];
      const ig = g.ignore[gi] === 1 || ga < lo || ga > hi ? 1 : 0;
      gIg[j] = ig;
      if (ig === 0) ord[nKept++] = j;
    }
    npig[k * A + a] += nKept;
    if (nd === 0) continue;
    for (let j = 0, n = nKept; j < ng; j++) if (gIg[j] === 1) ord[n++] = j;

    for (let t = 0; t < T; t++) {
      const thr = Math.min(IOU_THRS[t], 1 - 1e-10);
      for (let p = 0; p < ng; p++) taken[p] = 0;
      for (let i = 0; i < nd; i++) {
        let best = thr;
        let m = -1;
        const row = i * ng;
        for (let p = 0; p < ng; p++) {
          const j = ord[p];
          if (taken[p] === 1 && gCrowd[j] === 0) continue;
          if (m > -1 && m < nKept && p >= nKept) break;
          const v = iou[row + j];
          if (v < best) continue;
          best = v;
          m = p;
        }
        let st: number;
        if (m > -1) {
          taken[m] = 1;
          st = m < nKept ? TP : IGNORED;
        } else {
          const da = d.area[dIdx[ds + i]];
          st = da < lo || da > hi ? IGNORED : FP;
        }
        state[(dIdx[ds + i] * A + a) * T + t] = st;
      }
    }
  }
}

/** precision: [k][a][m][t][r], recall: [k][a][m][t]; -1 where the category has no GT. */
function accumulate(d: PreparedDt, mt: Matches, I: number, K: number): { precision: Float64Array; recall: Float64Array } {
  const precision = new Float64Array(K * A * M * T * R).fill(-1);
  const recall = new Float64Array(K * A * M * T).fill(-1);
  const nD = d.score.length;
  const list = new Int32Array(nD);
  const rank = new Int32Array(nD);
  const rc = new Float64Array(Math.max(1, nD));
  const pr = new Float64Array(Math.max(1, nD));
  const pos = new Int32Array(nD);
  const score = d.score;
  const state = mt.state;
  /** States of the category's sorted detections, laid out [a][t][i] for sequential walks. */
  let seq = new Uint8Array(0);
  for (let k = 0; k < K; k++) {
    let n = 0;
    for (let ii = 0; ii < I; ii++) {
      const b = ii * K + k;
      for (let p = d.start[b]; p < d.end[b]; p++) list[n++] = d.idx[p];
    }
    // The concatenation is in (image, score) order; pycocotools re-sorts it by score alone with
    // a stable sort, which the position tie-break reproduces.
    for (let i = 0; i < n; i++) pos[list[i]] = i;
    list.subarray(0, n).sort((p, q) => (score[p] > score[q] ? -1 : score[p] < score[q] ? 1 : pos[p] - pos[q]));
    for (let i = 0; i < n; i++) rank[i] = d.rank[list[i]];
    if (seq.length < n * A * T) seq = new Uint8Array(n * A * T);
    for (let i = 0; i < n; i++) {
      const src = list[i] * A * T;
      for (let at = 0; at < A * T; at++) seq[at * n + i] = state[src + at];
    }

    for (let a = 0; a < A; a++) {
      const np = mt.npig[k * A + a];
      if (np === 0) continue;
      for (let mi = 0; mi < M; mi++) {
        const maxDet = MAX_DETS[mi];
        for (let t = 0; t < T; t++) {
          let tp = 0;
          let fp = 0;
          let len = 0;
          const row = (a * T + t) * n;
          for (let i = 0; i < n; i++) {
            if (rank[i] >= maxDet) continue;
            const st = seq[row + i];
            if (st === IGNORED) continue;
            if (st === TP) tp++;
            else fp++;
            rc[len] = tp / np;
            pr[len] = tp / (tp + fp + EPS);
            len++;
          }
          const base = ((k * A + a) * M + mi) * T + t;
          recall[base] = len > 0 ? rc[len - 1] : 0;
          for (let i = len - 1; i > 0; i--) if (pr[i] > pr[i - 1]) pr[i - 1] = pr[i];
          const qBase = base * R;
          let i = 0;
          for (let r = 0; r < R; r++) {
            const thr = REC_THRS[r];
            while (i < len && rc[i] < thr) i++;
            precision[qBase + r] = i < len ? pr[i] : 0;
          }
        }
      }
    }
  }
  return { precision, recall };
}

function summarize(precision: Float64Array, recall: Float64Array, catIds: number[]): CocoEvalResult {
  const K = catIds.length;
  const ALL = 0;
  const M100 = M - 1;
  const t50 = IOU_THRS.indexOf(0.5);
  const t75 = IOU_THRS.indexOf(0.75);

  const meanAp = (a: number, mi: number, t: number | null, k: number | null): number => {
    let sum = 0;
    let cnt = 0;
    for (let kk = k ?? 0; kk < (k === null ? K : k + 1); kk++) {
      for (let tt = t ?? 0; tt < (t === null ? T : t + 1); tt++) {
        const base = (((kk * A + a) * M + mi) * T + tt) * R;
        for (let r = 0; r < R; r++) {
          const v = precision[base + r];
          if (v > -1) {
            sum += v;
            cnt++;
          }
        }
      }
    }
    return cnt === 0 ? -1 : sum / cnt;
  };
  const meanAr = (a: number, mi: number, k: number | null): number => {
    let sum = 0;
    let cnt = 0;
    for (let kk = k ?? 0; kk < (k === null ? K : k + 1); kk++) {
      for (let t = 0; t < T; t++) {
        const v = recall[((kk * A + a) * M + mi) * T + t];
        if (v > -1) {
          sum += v;
          cnt++;
        }
      }
    }
    return cnt === 0 ? -1 : sum / cnt;
  };

  const stats = [
    meanAp(ALL, M100, null, null),
    meanAp(ALL, M100, t50, null),
    meanAp(ALL, M100, t75, null),
    meanAp(1, M100, null, null),
    meanAp(2, M100, null, null),
    meanAp(3, M100, null, null),
    meanAr(ALL, 0, null),
    meanAr(ALL, 1, null),
    meanAr(ALL, M100, null),
    meanAr(1, M100, null),
    meanAr(2, M100, null),
    meanAr(3, M100, null),
  ];
  const perCategory: Record<number, CocoCategoryMetrics> = {};
  catIds.forEach((id, k) => {
    perCategory[id] = {
      ap: meanAp(ALL, M100, null, k),
      ap50: meanAp(ALL, M100, t50, k),
      ap75: meanAp(ALL, M100, t75, k),
      ar100: meanAr(ALL, M100, k),
    };
  });

  const prCurve = (iouThr: number, categoryId?: number): PrCurve => {
    let t = -1;
    for (let i = 0; i < T; i++) if (Math.abs(IOU_THRS[i] - iouThr) < 1e-9) t = i;
    if (t < 0) throw new RangeError(`prCurve: iouThr ${iouThr} is not one of ${IOU_THRS.join(', ')}`);
    let ks: number[];
    if (categoryId === undefined) ks = catIds.map((_, k) => k);
    else {
      const k = catIds.indexOf(categoryId);
      if (k < 0) throw new RangeError(`prCurve: unknown category ${categoryId}`);
      ks = [k];
    }
    const out = new Array<number>(R);
    for (let r = 0; r < R; r++) {
      let sum = 0;
      let cnt = 0;
      for (const k of ks) {
        const v = precision[(((k * A + ALL) * M + M100) * T + t) * R + r];
        if (v > -1) {
          sum += v;
          cnt++;
        }
      }
      out[r] = cnt === 0 ? -1 : sum / cnt;
    }
    return { recall: [...REC_THRS], precision: out };
  };

  return { stats, statsNames: [...STATS_NAMES], perCategory, precision: { prCurve } };
}
