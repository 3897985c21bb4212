/** From raw model outputs to detections in original image pixels: threshold, NMS, mapping, clipping. */
import { nms } from '../geometry/boxes.ts';
import { NUM_TYPES, type Box, type Detection } from '../types.ts';
import type { RawOutput } from './detector.ts';
import type { Letterbox } from './preprocess.ts';

export interface DecodeOptions {
  scoreThreshold: number;
  nmsIou: number;
  nmsClassAware: boolean;
  maxDetections: number;
}

/** Smallest side, in original pixels, of a box worth keeping (anything smaller is not a cell). */
const MIN_BOX_SIDE = 2;

export function decodeOutput(
  out: RawOutput,
  lb: Letterbox,
  image: { width: number; height: number },
  opts: DecodeOptions,
): Detection[] {
  const { boxes, scores, count } = out;
  if (boxes.length !== count * 4 || scores.length !== count * NUM_TYPES) {
    throw new Error(`model output has the wrong size: boxes ${boxes.length}, scores ${scores.length} for N=${count}`);
  }
  const candidates: Detection[] = [];
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
  }
  return nms(candidates, opts.nmsIou, opts.nmsClassAware).slice(0, opts.maxDetections);
}

function clamp(v: number, max: number): number {
  return v < 0 ? 0 : v > max ? max : Number.isFinite(v) ? v : 0;
}
