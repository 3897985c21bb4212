/**
 * Weighted boxes fusion (Solovyev, Wang, Gabruseva, arXiv:1910.13302), following the behaviour of
 * the reference implementation described in test/fixtures/wbf/README.md: per-label clusters, a box
 * joins the cluster whose current fused box overlaps it most when that IoU is strictly greater
 * than iouThr, several boxes of one model may share a cluster, and no cluster is dropped.
 */
import { NUM_TYPES, type Box, type Detection, type FusedCell } from '../types.ts';
import { iouCoords } from '../geometry/boxes.ts';
import { byConfidence, checkType, meanLeukocyte } from './common.ts';

export interface WbfOptions {
  /** One weight per model; default 1 each. */
  weights?: number[];
  iouThr: number;
  /** Boxes scoring below this are ignored; default 0. */
  skipBoxThr?: number;
  /** Cluster confidence: mean of the weighted scores (default) or their maximum. */
  confType?: 'avg' | 'max';
}

export interface WbfResult {
  /** Normalised [x1, y1, x2, y2], in the same order as scores and labels. */
  boxes: Box[];
  scores: number[];
  labels: number[];
}

/** A fused cluster with the (model, index) of every input box in it. */
export interface WbfCluster {
  box: Box;
  score: number;
  label: number;
  members: { model: number; index: number }[];
}

interface Entry {
  s: number;
  model: number;
  index: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

interface Cluster {
  label: number;
  members: Entry[];
  sumS: number;
  maxS: number;
  // Running sums of s*coordinate and of plain coordinates.
  w: [number, number, number, number];
  p: [number, number, number, number];
  box: Box;
}

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

/** Weighted boxes fusion with its clusters; results sorted by score, highest first (stable). */
export function wbfClusters(
  boxesList: ReadonlyArray<ReadonlyArray<ArrayLike<number>>>,
  scoresList: ReadonlyArray<ArrayLike<number>>,
  labelsList: ReadonlyArray<ArrayLike<number>>,
  opts: WbfOptions,
): WbfCluster[] {
  const M = boxesList.length;
  if (scoresList.length !== M || labelsList.length !== M) {
    throw new Error(`wbf: ${M} box lists but ${scoresList.length} score lists and ${labelsList.length} label lists`);
  }
  const weights = opts.weights ?? new Array<number>(M).fill(1);
  if (weights.length !== M) throw new Error(`wbf: ${weights.length} weights for ${M} models`);
  const skip = opts.skipBoxThr ?? 0;
  const confType = opts.confType ?? 'avg';
  const iouThr = opts.iouThr;

  const byLabel = new Map<number, Entry[]>();
  for (let m = 0; m < M; m++) {
    const boxes = boxesList[m],
      scores = scoresList[m],
      labels = labelsList[m];
    if (scores.length !== boxes.length || labels.length !== boxes.length) {
      throw new Error(`wbf: model ${m} has ${boxes.length} boxes, ${scores.length} scores, ${labels.length} labels`);
    }
    for (let i = 0; i < boxes.length; i++) {
      const score = scores[i];
      if (score < skip) continue;
      const b = boxes[i];
      let x1 = b[0],
        y1 = b[1],
        x2 = b[2],
        y2 = b[3];
      if (x2 < x1) [x1, x2] = [x2, x1];
      if (y2 < y1) [y1, y2] = [y2, y1];
      x1 = clamp01(x1);
      y1 = clamp01(y1);
      x2 = clamp01(x2);
      y2 = clamp01(y2);
      if ((x2 - x1) * (y2 - y1) === 0) continue;
      const label = labels[i];
      let list = byLabel.get(label);
      if (!list) byLabel.set(label, (list = []));
      list.push({ s: score * weights[m], model: m, index: i, x1, y1, x2, y2 });
    }
  }

  const sumW = weights.reduce((a, b) => a + b, 0);
  const maxW = Math.max(...weights);
  const out: WbfCluster[] = [];
  for (const [label, entries] of byLabel) {
    entries.sort((a, b) => b.s - a.s);
    const clusters: Cluster[] = [];
    for (const e of entries) {
      let best = -1;
      let bestIou = -1;
      for (let c = 0; c < clusters.length; c++) {
        const f = clusters[c].box;
        const v = iouCoords(f[0], f[1], f[2], f[3], e.x1, e.y1, e.x2, e.y2);
        if (v > bestIou) {
          bestIou = v;
          best = c;
        }
      }
      if (best >= 0 && bestIou > iouThr) {
        add(clusters[best], e);
      } else {
        const c: Cluster = {
          label,
          members: [],
          sumS: 0,
          maxS: -Infinity,
          w: [0, 0, 0, 0],
          p: [0, 0, 0, 0],
          box: [0, 0, 0, 0],
        };
        add(c, e);
        clusters.push(c);
      }
    }
    for (const c of clusters) {
      const n = c.members.length;
      const score = confType === 'max' ? c.maxS / maxW : ((c.sumS / n) * Math.min(M, n)) / sumW;
      out.push({ box: c.box, score, label, members: c.members.map((e) => ({ model: e.model, index: e.index })) });
    }
  }
  return out.sort((a, b) => b.score - a.score);
}

function add(c: Cluster, e: Entry): void {
  c.members.push(e);
  c.sumS += e.s;
  if (e.s > c.maxS) c.maxS = e.s;
  c.w[0] += e.s * e.x1;
  c.w[1] += e.s * e.y1;
  c.w[2] += e.s * e.x2;
  c.w[3] += e.s * e.y2;
  c.p[0] += e.x1;
  c.p[1] += e.y1;
  c.p[2] += e.x2;
  c.p[3] += e.y2;
  if (c.sumS > 0) {
    for (let k = 0; k < 4; k++) c.box[k] = c.w[k] / c.sumS;
  } else {
    // All scores 0: the weighted mean is undefined, use the plain mean.
    for (let k = 0; k < 4; k++) c.box[k] = c.p[k] / c.members.length;
  }
}

/**
 * Weighted boxes fusion on normalised [0, 1] boxes: boxesList[m][i], scoresList[m][i] and
 * labelsList[m][i] describe box i of model m. Returns the fused boxes, scores and labels sorted by
 * score, highest first.
 */
export function weightedBoxesFusion(
  boxesList: ReadonlyArray<ReadonlyArray<ArrayLike<number>>>,
  scoresList: ReadonlyArray<ArrayLike<number>>,
  labelsList: ReadonlyArray<ArrayLike<number>>,
  opts: WbfOptions,
): WbfResult {
  const clusters = wbfClusters(boxesList, scoresList, labelsList, opts);
  return {
    boxes: clusters.map((c) => c.box),
    scores: clusters.map((c) => c.score),
    labels: clusters.map((c) => c.label),
  };
}

/**
 * The `wbf` fusion mode on pixel detections: normalised by the image size, label = type, fused,
 * mapped back to pixels. votes[type] = boxes in the cluster; support = distinct models in it;
 * agreement = support / M.
 */
export function fuseWbf(perModel: Detection[][], opts: WbfOptions, image: { width: number; height: number }): FusedCell[] {
  const { width, height } = image;
  if (!(width > 0 && height > 0)) throw new RangeError(`wbf: image size ${width}x${height} is not positive`);
  const M = perModel.length;
  const boxes = perModel.map((list) => list.map((d): Box => [d.box[0] / width, d.box[1] / height, d.box[2] / width, d.box[3] / height]));
  const scores = perModel.map((list) => list.map((d) => d.score));
  const labels = perModel.map((list) =>
    list.map((d) => {
      checkType(d.type);
      return d.type;
    }),
  );
  return wbfClusters(boxes, scores, labels, opts)
    .map((c): FusedCell => {
      const votes = new Array<number>(NUM_TYPES).fill(0);
      votes[c.label] = c.members.length;
      const support = new Set(c.members.map((e) => e.model)).size;
      return {
        box: [c.box[0] * width, c.box[1] * height, c.box[2] * width, c.box[3] * height],
        type: c.label,
        confidence: c.score,
        votes,
        agreement: support / M,
        support,
        leukocyte: meanLeukocyte(
          c.members.map((e) => ({ model: e.model, detection: perModel[e.model][e.index] })),
          M,
        ),
      };
    })
    .sort(byConfidence);
}
