/** Benchmark of the COCO evaluator on a deterministic synthetic set (1,000 images, ~10,000 detections). */
import { CELL_TYPES } from '../src/contracts/vocabulary.ts';
import { evaluate } from '../src/eval/coco-eval.ts';
import { confusionMatrix } from '../src/eval/confusion.ts';
import type { CocoAnnotation, CocoBbox, CocoDataset, CocoDetection } from '../src/eval/coco-types.ts';
import { measure } from './stats.ts';
import { mulberry32 as rng } from '../src/core/util/random.ts';

export interface SyntheticSet {
  gt: CocoDataset;
  dt: CocoDetection[];
}

/** ~8 GT cells per 640x480 image, ~10 detections per image: hits, noise, confusions, duplicates, FPs. */
export function syntheticCocoSet(images = 1000, seed = 20240601): SyntheticSet {
  const rand = rng(seed);
  const gt: CocoDataset = {
    images: [],
    annotations: [],
    categories: CELL_TYPES.map((name, i) => ({
      id: i + 1,
      name,
      supercategory: 'leukocyte',
    })),
  };
  const dt: CocoDetection[] = [];
  const anns: CocoAnnotation[] = gt.annotations;
  const jitter = (v: number, s: number) => v + (rand() - 0.5) * 2 * s;
  for (let im = 1; im <= images; im++) {
    gt.images.push({ id: im, width: 640, height: 480, file_name: `synthetic_${im}.png` });
    const nCells = 4 + Math.floor(rand() * 9);
    for (let c = 0; c < nCells; c++) {
      const size = 20 + rand() * 90;
      const bbox: CocoBbox = [rand() * (640 - size), rand() * (480 - size), size, size * (0.8 + rand() * 0.4)];
      const category_id = 1 + Math.floor(rand() * 5);
      anns.push({ id: anns.length + 1, image_id: im, category_id, bbox, area: bbox[2] * bbox[3], iscrowd: 0 });
      if (rand() < 0.1) continue; // missed
      const s = size * 0.08;
      const detBox: CocoBbox = [jitter(bbox[0], s), jitter(bbox[1], s), jitter(bbox[2], s), jitter(bbox[3], s)];
      const confused = rand() < 0.1;
      dt.push({
        image_id: im,
        category_id: confused ? 1 + Math.floor(rand() * 5) : category_id,
        bbox: detBox,
        score: Math.round(rand() * 1000) / 1000, // rounded so that score ties occur
      });
      if (rand() < 0.15) {
        dt.push({
          image_id: im,
          category_id,
          bbox: [jitter(bbox[0], 2 * s), jitter(bbox[1], 2 * s), bbox[2], bbox[3]],
          score: Math.round(rand() * 1000) / 1000,
        });
      }
    }
    const nFp = Math.floor(rand() * 4);
    for (let f = 0; f < nFp; f++) {
      const size = 15 + rand() * 60;
      dt.push({
        image_id: im,
        category_id: 1 + Math.floor(rand() * 5),
        bbox: [rand() * (640 - size), rand() * (480 - size), size, size],
        score: Math.round(rand() * 400) / 1000,
      });
    }
  }
  return { gt, dt };
}

export async function runCocoEvalBench(): Promise<{ name: string; medianMs: number; p90Ms: number }[]> {
  const { gt, dt } = syntheticCocoSet();
  const label = `${gt.images.length} images, ${gt.annotations.length} GT, ${dt.length} detections`;
  const typed = await measure(() => evaluate(gt, dt), 10, 3);
  const agnostic = await measure(() => evaluate(gt, dt, { classAgnostic: true }), 10, 3);
  const confusion = await measure(() => confusionMatrix(gt, dt, { scoreThr: 0.3 }), 10, 3);
  return [
    { name: `coco evaluate, typed (${label})`, medianMs: typed.medianMs, p90Ms: typed.p90Ms },
    { name: `coco evaluate, class-agnostic (${label})`, medianMs: agnostic.medianMs, p90Ms: agnostic.p90Ms },
    { name: `confusion matrix (${label})`, medianMs: confusion.medianMs, p90Ms: confusion.p90Ms },
  ];
}
