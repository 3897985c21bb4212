/**
 * The cell classifier: types each located leukocyte from a crop at the canonical scale (a fixed
 * number of red-cell diameters, so micrometres, not the camera's pixels), as a CellaVision-style
 * analyser does after locating. Trained by scripts/train/cellcls on several centres' typed cells.
 *
 * Model contract (ONNX): inputs `crops` [N,3,S,S] RGB 0..1 and `background` [N,3] RGB 0..1 (the
 * field's background, for optical densities inside the graph); output `probs` [N,C] in the
 * manifest's class order. Always on onnxruntime: at about 0.07 GFLOPs a cell it needs no GPU.
 */
import * as ort from 'onnxruntime-node';
import { CLASSIFIER_CLASSES } from '../../contracts/vocabulary.ts';
import type { Box } from '../types.ts';
import type { ClassifierEntry } from './classifier-contract.ts';
import { ModelError } from './manifest.ts';
import { sessionOptions } from './onnxruntime.ts';

export interface CellClassifier {
  entry: ClassifierEntry;
  /** Class probabilities per box (rows in CLASSIFIER_CLASSES order). */
  classify(img: RgbImage, boxes: Box[], rbcDiameterPx: number, background: [number, number, number]): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

export interface RgbImage {
  rgb: Uint8Array;
  width: number;
  height: number;
}

export async function createCellClassifier(entry: ClassifierEntry, modelPath: string, threads: number): Promise<CellClassifier> {
  if (entry.classes.join() !== CLASSIFIER_CLASSES.join()) {
    throw new ModelError(`models/manifest.json: cellClassifier.classes must be exactly ${CLASSIFIER_CLASSES.join(', ')}`);
  }
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(modelPath, sessionOptions(threads));
  } catch (err) {
    throw new ModelError(`cannot load the cell classifier ${modelPath}: ${(err as Error).message}`);
  }
  for (const name of ['crops', 'background']) {
    if (!session.inputNames.includes(name)) throw new ModelError(`cell classifier ${entry.file} has no input '${name}' (inputs: ${session.inputNames.join(', ')})`);
  }
  if (!session.outputNames.includes('probs')) throw new ModelError(`cell classifier ${entry.file} has no output 'probs'`);
  const s = entry.inputPx;
  const c = CLASSIFIER_CLASSES.length;
  return {
    entry,
    async classify(img, boxes, rbcDiameterPx, background) {
      if (boxes.length === 0) return [];
      const side = entry.cropRbc * rbcDiameterPx;
      const crops = new Float32Array(boxes.length * 3 * s * s);
      boxes.forEach((b, i) => cropInto(crops, i * 3 * s * s, img, (b[0] + b[2]) / 2, (b[1] + b[3]) / 2, side, s, background));
      const bg = new Float32Array(boxes.length * 3);
      for (let i = 0; i < boxes.length; i++) for (let k = 0; k < 3; k++) bg[i * 3 + k] = background[k] / 255;
      const out = await session.run({
        crops: new ort.Tensor('float32', crops, [boxes.length, 3, s, s]),
        background: new ort.Tensor('float32', bg, [boxes.length, 3]),
      });
      const probs = out.probs.data as Float32Array;
      return boxes.map((_, i) => probs.slice(i * c, (i + 1) * c));
    },
    async dispose() {
      await session.release();
    },
  };
}

/**
 * Writes a planar RGB 0..1 crop of `side` source pixels centred on (cx, cy), resampled to out x out:
 * each output pixel is the mean of k x k bilinear samples over its footprint (k grows with the
 * reduction, so a large crop is not aliased). Outside the image: the background colour.
 */
export function cropInto(dst: Float32Array, offset: number, img: RgbImage, cx: number, cy: number, side: number, out: number, background: [number, number, number]): void {
  const step = side / out;
  const k = Math.max(1, Math.min(8, Math.ceil(step)));
  const x0 = cx - side / 2;
  const y0 = cy - side / 2;
  const plane = out * out;
  const { rgb, width: w, height: h } = img;
  const acc = [0, 0, 0];
  for (let v = 0; v < out; v++) {
    for (let u = 0; u < out; u++) {
      acc[0] = acc[1] = acc[2] = 0;
      for (let sy = 0; sy < k; sy++) {
        const y = y0 + (v + (sy + 0.5) / k) * step - 0.5;
        for (let sx = 0; sx < k; sx++) {
          const x = x0 + (u + (sx + 0.5) / k) * step - 0.5;
          sampleBilinear(rgb, w, h, x, y, background, acc);
        }
      }
      const n = k * k * 255;
      const p = offset + v * out + u;
      dst[p] = acc[0] / n;
      dst[p + plane] = acc[1] / n;
      dst[p + 2 * plane] = acc[2] / n;
    }
  }
}

function sampleBilinear(rgb: Uint8Array, w: number, h: number, x: number, y: number, bg: [number, number, number], acc: number[]): void {
  const xf = Math.floor(x);
  const yf = Math.floor(y);
  const fx = x - xf;
  const fy = y - yf;
  for (let dy = 0; dy <= 1; dy++) {
    const yy = yf + dy;
    const wy = dy ? fy : 1 - fy;
    for (let dx = 0; dx <= 1; dx++) {
      const xx = xf + dx;
      const wgt = wy * (dx ? fx : 1 - fx);
      if (wgt === 0) continue;
      if (xx < 0 || yy < 0 || xx >= w || yy >= h) {
        acc[0] += wgt * bg[0];
        acc[1] += wgt * bg[1];
        acc[2] += wgt * bg[2];
      } else {
        const i = (yy * w + xx) * 3;
        acc[0] += wgt * rgb[i];
        acc[1] += wgt * rgb[i + 1];
        acc[2] += wgt * rgb[i + 2];
      }
    }
  }
}
