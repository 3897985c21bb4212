/**
 * The paper ensemble, the study's rule (ARCHITECTURE.md, "The ensemble"): type-blind clustering
 * of all members' detections, at most one detection per model per cluster, minority clusters
 * dropped, then a type vote and a confidence-weighted box.
 */
import { NUM_TYPES, type Detection, type FusedCell } from '../types.ts';
import { iouCoords, orderByScore } from '../geometry/boxes.ts';
import { byConfidence, checkType, leukocyteProbability } from './common.ts';

/**
 * Fuses the detections of M = perModel.length members with the paper rule at IoU threshold
 * `theta` (a detection joins a cluster when IoU >= theta). Detections with equal scores are
 * taken in input order: by model index, then by position in that model's list.
 */
export function fusePaper(perModel: Detection[][], theta: number): FusedCell[] {
  const M = perModel.length;
  let n = 0;
  for (const list of perModel) n += list.length;
  if (M === 0 || n === 0) return [];

  const dx1 = new Float64Array(n),
    dy1 = new Float64Array(n),
    dx2 = new Float64Array(n),
    dy2 = new Float64Array(n);
  const score = new Float64Array(n);
  const leuk = new Float64Array(n);
  const type = new Int32Array(n);
  const model = new Int32Array(n);
  let k = 0;
  for (let m = 0; m < M; m++) {
    for (const d of perModel[m]) {
      checkType(d.type);
      dx1[k] = d.box[0];
      dy1[k] = d.box[1];
      dx2[k] = d.box[2];
      dy2[k] = d.box[3];
      score[k] = d.score;
      leuk[k] = leukocyteProbability(d);
      type[k] = d.type;
      model[k] = m;
      k++;
    }
  }
  const order = orderByScore(score);

  // Cluster state, at most one cluster per detection.
  const sumC = new Float64Array(n);
  const wx1 = new Float64Array(n),
    wy1 = new Float64Array(n),
    wx2 = new Float64Array(n),
    wy2 = new Float64Array(n);
  // Plain sums and counts, for the mean box when every score in a cluster is 0.
  const px1 = new Float64Array(n),
    py1 = new Float64Array(n),
    px2 = new Float64Array(n),
    py2 = new Float64Array(n);
  const size = new Int32Array(n);
  const fx1 = new Float64Array(n),
    fy1 = new Float64Array(n),
    fx2 = new Float64Array(n),
    fy2 = new Float64Array(n);
  const hasModel = new Uint8Array(n * M);
  const support = new Int32Array(n);
  const sumLeuk = new Float64Array(n);
  const votes = new Int32Array(n * NUM_TYPES);
  const typeConf = new Float64Array(n * NUM_TYPES);
  let clusters = 0;
  const prune = theta > 0;

  for (let a = 0; a < n; a++) {
    const d = order[a];
    const m = model[d];
    const x1 = dx1[d],
      y1 = dy1[d],
      x2 = dx2[d],
      y2 = dy2[d];
    let c = 0;
    for (; c < clusters; c++) {
      // With theta > 0 a cluster must overlap in x: a cheap rejection before the full IoU.
      if ((prune && (fx1[c] >= x2 || fx2[c] <= x1)) || hasModel[c * M + m]) continue;
      if (iouCoords(fx1[c], fy1[c], fx2[c], fy2[c], x1, y1, x2, y2) >= theta) break;
    }
    if (c === clusters) clusters++;
    const s = score[d];
    sumC[c] += s;
    wx1[c] += s * x1;
    wy1[c] += s * y1;
    wx2[c] += s * x2;
    wy2[c] += s * y2;
    px1[c] += x1;
    py1[c] += y1;
    px2[c] += x2;
    py2[c] += y2;
    size[c]++;
    if (sumC[c] > 0) {
      const w = sumC[c];
      fx1[c] = wx1[c] / w;
      fy1[c] = wy1[c] / w;
      fx2[c] = wx2[c] / w;
      fy2[c] = wy2[c] / w;
    } else {
      const cnt = size[c];
      fx1[c] = px1[c] / cnt;
      fy1[c] = py1[c] / cnt;
      fx2[c] = px2[c] / cnt;
      fy2[c] = py2[c] / cnt;
    }
    hasModel[c * M + m] = 1;
    support[c]++;
    sumLeuk[c] += leuk[d];
    votes[c * NUM_TYPES + type[d]]++;
    typeConf[c * NUM_TYPES + type[d]] += s;
  }

  const out: FusedCell[] = [];
  for (let c = 0; c < clusters; c++) {
    // Keep a cluster backed by at least M/2 models.
    if (support[c] * 2 < M) continue;
    const base = c * NUM_TYPES;
    let best = 0;
    for (let t = 1; t < NUM_TYPES; t++) {
      const v = votes[base + t],
        bv = votes[base + best];
      if (v > bv || (v === bv && typeConf[base + t] > typeConf[base + best])) best = t;
    }
    const v: number[] = new Array<number>(NUM_TYPES);
    for (let t = 0; t < NUM_TYPES; t++) v[t] = votes[base + t];
    out.push({
      box: [fx1[c], fy1[c], fx2[c], fy2[c]],
      type: best,
      confidence: typeConf[base + best] / M,
      votes: v,
      // One detection per model per cluster: detections voting the winner = models voting it.
      agreement: votes[base + best] / M,
      support: support[c],
      // One detection per model per cluster, so the plain sum is each model's contribution.
      leukocyte: sumLeuk[c] / M,
    });
  }
  return out.sort(byConfidence);
}
