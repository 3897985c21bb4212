/**
 * Runs the shipped models over a COCO dataset (through the same decoding, thresholds, NMS and fusion
 * as the daemon) and measures every member and fusion mode: the study's Table 2.
 */
import path from 'node:path';
import { defaultFusion, detectInView, viewFor } from '../core/analysis/detect.ts';
import type { DetectorView } from '../core/analysis/detector-view.ts';
import { checkedScale, rbcDiameterPx, resolveFieldScale, type ScaleInputs } from '../core/analysis/field-scale.ts';
import { decodeImage } from '../core/analysis/image-input.ts';
import { typeCells, type Typing } from '../core/analysis/typing.ts';
import { backgroundRgb } from '../core/analysis/background.ts';
import { CELL_TYPES } from '../contracts/vocabulary.ts';
import { fuse, type FusionConfig } from '../core/ensemble/index.ts';
import type { Engine } from '../core/inference/engine.ts';
import { type Detection, type FusedCell } from '../core/types.ts';
import { evaluate, type CocoEvalResult } from './coco-eval.ts';
import type { CocoDataset, CocoDetection } from './coco-types.ts';
import { confusionMatrix, typedAccuracy, type ConfusionMatrix } from './confusion.ts';
import { duplicatesPer100 } from './duplicates.ts';
import { loadEvalDataset } from './datasets/load.ts';
import { applyInterference, type Interference } from './interference.ts';

export interface EvalRow {
  name: string;
  mAP: number;
  AP50: number;
  AP75: number;
  mAR: number;
  perType: Record<string, number>;
  /** Of the labelled leukocytes of known type found at IoU >= 0.5, the share typed right; null when untyped or none found. */
  typedAccuracy: number | null;
  /** Labelled type x predicted type at IoU 0.5, every cell counted, with 'missed' and 'false'; null when untyped. */
  confusion: ConfusionMatrix | null;
  /** Detections on a labelled leukocyte another detection already found, per 100 labelled leukocytes. */
  duplicatesPer100: number;
  sizeMB: number;
  gflops: number;
  fieldsPerSecond: number;
}

/** What one row runs: a single model, or a fusion of the ensemble's members. */
export interface RowSpec {
  name: string;
  members: string[];
  fusion: FusionConfig;
}

interface FieldRun {
  imageId: number;
  width: number;
  height: number;
  decodeMs: number;
  perModel: Map<string, { detections: Detection[]; ms: number }>;
  /** The field's pixels, red-cell size and background, for the cell classifier. */
  rgb: Uint8Array;
  rbcPx: number | null;
  background: [number, number, number];
}

/** The leukocyte ground truth: the five types as they are, or (other sets) only the leukocyte class, untyped. */
export function leukocyteGt(gt: CocoDataset): { gt: CocoDataset; typed: boolean } {
  const names = gt.categories.map((c) => c.name.toLowerCase());
  if (CELL_TYPES.every((t) => names.includes(t))) return { gt, typed: true };
  const wbc = gt.categories.filter((c) => /^(wbc|leukocytes?|leucocytes?|white blood cells?)$/i.test(c.name)).map((c) => c.id);
  if (wbc.length === 0) {
    throw new Error(`the dataset has neither the five leukocyte types nor a WBC/leukocyte category (categories: ${gt.categories.map((c) => c.name).join(', ')})`);
  }
  return {
    gt: {
      ...gt,
      categories: [{ id: 1, name: 'leukocyte' }],
      annotations: gt.annotations.filter((a) => wbc.includes(a.category_id)).map((a) => ({ ...a, category_id: 1 })),
    },
    typed: false,
  };
}

export interface LeukocyteSplit {
  gt: CocoDataset;
  typed: boolean;
  /** The folder the images' file_names are relative to: info.image_root, else the dataset file's folder. */
  imageRoot: string;
}

/** A dataset file read for the scripts that measure the models on it: its leukocyte ground truth and image folder. */
export async function loadLeukocyteSplit(file: string): Promise<LeukocyteSplit> {
  const raw = await loadEvalDataset(file);
  return { ...leukocyteGt(raw), imageRoot: raw.info?.image_root ?? path.dirname(file) };
}

/** Rows for `--ensemble`: paper | wbf | nms | single:<id> | ensemble | all. */
export function rowSpecs(engine: Engine, spec: string): RowSpec[] {
  const { members, mode, iou } = engine.manifest.ensemble;
  const all = engine.manifest.models.map((m) => m.id);
  const single = (id: string): RowSpec => ({ name: id, members: [id], fusion: { mode: 'single', member: 0 } });
  const fusionRow = (name: string, m: 'paper' | 'wbf' | 'nms'): RowSpec => ({ name, members, fusion: { mode: m, iou } as FusionConfig });
  if (spec === 'all') return [...all.map(single), fusionRow('paper', 'paper'), fusionRow('wbf', 'wbf'), fusionRow('nms', 'nms'), fusionRow('ensemble', mode)];
  if (spec === 'ensemble') return [fusionRow('ensemble', mode)];
  if (spec === 'paper' || spec === 'wbf' || spec === 'nms') return [fusionRow(spec, spec)];
  if (spec.startsWith('single:') && all.includes(spec.slice(7))) return [single(spec.slice(7))];
  throw new Error(`unknown --ensemble '${spec}': choose all, ensemble, paper, wbf, nms or single:<id> with id one of ${all.join(', ')}`);
}

/** Runs every needed model once per image; fusion modes then reuse the members' detections. */
export async function runModels(
  engine: Engine,
  gt: CocoDataset,
  imageRoot: string,
  modelIds: string[],
  opts: { interference?: Interference; scale?: ScaleInputs; onProgress?: (done: number, total: number) => void } = {},
): Promise<FieldRun[]> {
  const runs: FieldRun[] = [];
  let done = 0;
  for (const image of gt.images) {
    const t0 = performance.now();
    let img = await decodeImage(path.resolve(imageRoot, image.file_name));
    if (opts.interference) img = { ...img, ...(await applyInterference(img, opts.interference)) };
    const decodeMs = performance.now() - t0;
    // The daemon's view of the field (src/core/analysis/analyze.ts): the whole field first, whose
    // leukocytes check the measured scale; the scale then decides whole, canvas or tiles.
    const measured = resolveFieldScale(img, opts.scale);
    const background = backgroundRgb(img);
    const perModel = new Map<string, { detections: Detection[]; ms: number }>();
    const run = async (id: string, view: DetectorView) => {
      const index = engine.manifest.models.findIndex((m) => m.id === id);
      const t = performance.now();
      const res = await detectInView(engine, img, view, background, { fusion: { mode: 'single', member: index } });
      perModel.set(id, { detections: res.members[0].detections, ms: performance.now() - t });
    };
    for (const id of modelIds) await run(id, { kind: 'whole' });
    const checkFusion = modelIds.length > 1 ? defaultFusion(engine) : ({ mode: 'single', member: 0 } as const);
    const wholeCells = fuse(
      modelIds.map((id) => perModel.get(id)!.detections),
      checkFusion,
      img,
    );
    const rbcPx = rbcDiameterPx(checkedScale(measured, wholeCells, opts.scale));
    const view = viewFor(engine, img, rbcPx);
    if (view.kind !== 'whole') for (const id of modelIds) await run(id, view);
    runs.push({ imageId: image.id, width: img.width, height: img.height, decodeMs, perModel, rgb: img.rgb, rbcPx, background });
    opts.onProgress?.(++done, gt.images.length);
  }
  return runs;
}

const median = (v: number[]) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)] : 0;
};

/**
 * Typed evaluation ranks a cell by its type's confidence; class-agnostic localisation by how sure the
 * members are that it is a leukocyte at all (a cell whose type they split on is still a sure cell).
 */
export function toCocoDetections(imageId: number, cells: FusedCell[], typed: boolean): CocoDetection[] {
  return cells.map((c) => ({
    image_id: imageId,
    category_id: typed ? c.type + 1 : 1,
    bbox: [c.box[0], c.box[1], c.box[2] - c.box[0], c.box[3] - c.box[1]],
    score: typed ? c.confidence : c.leukocyte,
  }));
}

export interface RowResult {
  row: EvalRow;
  detections: CocoDetection[];
  result: CocoEvalResult;
}

/** Measures one row; the cells are typed as the daemon types them (`typing`, default: the classifier when there is one). */
export async function evaluateRow(engine: Engine, gt: CocoDataset, typed: boolean, runs: FieldRun[], spec: RowSpec, typing?: Typing): Promise<RowResult> {
  const detections: CocoDetection[] = [];
  const times: number[] = [];
  const by = typing ?? (engine.classifier ? 'classifier' : 'detectors');
  for (const run of runs) {
    const perModel = spec.members.map((id) => run.perModel.get(id)!);
    const t = performance.now();
    const fused = fuse(
      perModel.map((p) => p.detections),
      spec.fusion,
      run,
    );
    const cells = await typeCells(engine, { rgb: run.rgb, width: run.width, height: run.height }, fused, { typing: by, rbcPx: run.rbcPx, background: run.background });
    const fusionMs = performance.now() - t;
    times.push(run.decodeMs + perModel.reduce((a, p) => a + p.ms, 0) + fusionMs);
    detections.push(...toCocoDetections(run.imageId, cells, typed));
  }
  const result = evaluate(gt, detections, { classAgnostic: !typed });
  const models = spec.members.map((id) => engine.manifest.models.find((m) => m.id === id)!);
  const perType: Record<string, number> = {};
  if (typed) CELL_TYPES.forEach((t, i) => (perType[t] = result.perCategory[i + 1]?.ap ?? -1));
  const confusion = typed ? confusionMatrix(gt, detections, { iouThr: 0.5, scoreThr: 0 }) : null;
  return {
    row: {
      name: spec.name,
      mAP: result.stats[0],
      AP50: result.stats[1],
      AP75: result.stats[2],
      mAR: result.stats[8],
      perType,
      typedAccuracy: confusion && typedAccuracy(confusion),
      confusion,
      duplicatesPer100: duplicatesPer100(gt, detections),
      sizeMB: models.reduce((a, m) => a + (m.sizeBytes ?? 0), 0) / 1e6,
      gflops: models.reduce((a, m) => a + (m.gflops ?? 0), 0),
      fieldsPerSecond: 1000 / Math.max(1e-6, median(times)),
    },
    detections,
    result,
  };
}
