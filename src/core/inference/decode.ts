/** From raw model outputs to detections in original image pixels: threshold, NMS, box voting, mapping, clipping. */
import { iouCoords, nmsIndices } from '../geometry/boxes.ts';
import { NUM_TYPES, type Box, type Detection } from '../types.ts';
import type { RawOutput } from './detector.ts';
import type { Letterbox } from './preprocess.ts';

export interface DecodeOptions {
  scoreThreshold: number;
  nmsIou: number;
  nmsClassAware: boolean;
  maxDetections: number;
  /** Box voting: each kept box becomes the mean of the candidates overlapping it at IoU >= `iou`, weighted by leukocyte probability ** `power`. Absent: plain NMS. */
  boxVoting?: BoxVoting;
}

export interface BoxVoting {
  iou: number;
  power: number;
}

/** Smallest side, in original pixels, of a box worth keeping (anything smaller is not a cell). */
const MIN_BOX_SIDE = 2;

export function decodeOutput(out: RawOutput, lb: Letterbox, image: { width: number; height: number }, opts: DecodeOptions): Detection[] {
  const { boxes, scores, count } = out;
  if (boxes.length !== count * 4 || scores.length !== count * NUM_TYPES) {
    throw new Error(`model output has the wrong size: boxes ${boxes.length}, scores ${scores.length} for N=${count}`);
  }
  const candidates: Detection[] = [];
  const leukocytes: number[] = [];
  const inv = 1 / lb.scale;
  for (let i = 0; i < count; i++) {
    const s = i * NUM_TYPES;
    // The threshold applies to the leukocyte probability (objectness: the sum over the types), so a
    // white cell whose type is uncertain is still counted; its score (the winning type's) stays low
    // and flags it for review. Training tunes the threshold on the same quantity.
    let leukocyte = 0;
    for (let t = 0; t < NUM_TYPES; t++) leukocyte += scores[s + t];
    if (!(leukocyte >= opts.scoreThreshold)) continue;
    let type = 0;
    let best = scores[s];
    for (let t = 1; t < NUM_TYPES; t++) {
      if (scores[s + t] > best) {
        best = scores[s + t];
        type = t;
      }
    }
    const b = i * 4;
    const x1 = clamp((boxes[b] - lb.padX) * inv, image.width);
    const y1 = clamp((boxes[b + 1] - lb.padY) * inv, image.height);
    const x2 = clamp((boxes[b + 2] - lb.padX) * inv, image.width);
    const y2 = clamp((boxes[b + 3] - lb.padY) * inv, image.height);
    if (x2 - x1 < MIN_BOX_SIDE || y2 - y1 < MIN_BOX_SIDE) continue;
    const box: Box = [x1, y1, x2, y2];
    const probs = Array.from(scores.subarray(s, s + NUM_TYPES));
    candidates.push({ box, type, score: best, probs });
    leukocytes.push(leukocyte);
  }
  const kept = nmsIndices(candidates, opts.nmsIou, opts.nmsClassAware).slice(0, opts.maxDetections);
  if (!opts.boxVoting) return kept.map((i) => candidates[i]);
  const { iou, power } = opts.boxVoting;
  return kept.map((i) => ({ ...candidates[i], box: votedBox(candidates, leukocytes, i, iou, power) }));
}

/**
 * The neighbouring locations of a centre-based or grid detector each predict the cell's edges with
 * their own error; the weighted mean of the overlapping candidates is closer to the cell than the
 * single best-scoring one (measured per model on val: models/eval/decoding-val.md).
 */
function votedBox(candidates: Detection[], leukocytes: number[], keptIndex: number, iouThr: number, power: number): Box {
  const k = candidates[keptIndex].box;
  const sum = [0, 0, 0, 0];
  let total = 0;
  for (let j = 0; j < candidates.length; j++) {
    const b = candidates[j].box;
    if (iouCoords(k[0], k[1], k[2], k[3], b[0], b[1], b[2], b[3]) < iouThr) continue;
    const w = leukocytes[j] ** power;
    for (let c = 0; c < 4; c++) sum[c] += w * b[c];
    total += w;
  }
  return total > 0 ? [sum[0] / total, sum[1] / total, sum[2] / total, sum[3] / total] : k;
}

function clamp(v: number, max: number): number {
  return v < 0 ? 0 : v > max ? max : Number.isFinite(v) ? v : 0;
}
