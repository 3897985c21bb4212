/** One field: image -> quality check -> each member detector -> fusion -> typed cells. */
import { fuse, type FusionConfig } from '../ensemble/index.ts';
import { fieldLuts } from '../inference/colour.ts';
import { decodeOutput } from '../inference/decode.ts';
import type { Engine } from '../inference/engine.ts';
import { letterboxTensor } from '../inference/preprocess.ts';
import { CELL_TYPES, NUM_TYPES, type Detection, type FusedCell } from '../types.ts';
import { decodeImage, type DecodedImage } from './image-input.ts';
import { assessQuality, mergeWarnings, type QualityReport } from './quality.ts';

export interface AnalyzedCell extends FusedCell {
  /** True when the members disagree enough that a person should look at this cell. */
  review: boolean;
}

export interface StageTimings {
  decodeMs: number;
  qualityMs: number;
  /** Colour statistics of the field, and the time spent waiting for the letterboxes. */
  letterboxMs: number;
  /** Raw model run per member id. */
  modelMs: Record<string, number>;
  postprocessMs: number;
  fusionMs: number;
  totalMs: number;
}

export interface FieldAnalysis {
  /** The decoded pixels (for overlays and crops); not part of the JSON form. */
  decoded: DecodedImage;
  image: { width: number; height: number; format: string; sha256: string };
  quality: QualityReport;
  members: { id: string; detections: Detection[] }[];
  fusion: FusionConfig;
  cells: AnalyzedCell[];
  differential: Differential;
  timings: StageTimings;
}

export interface Differential {
  total: number;
  counts: Record<string, number>;
  percent: Record<string, number>;
}

export interface AnalyzeOptions {
  /** Defaults to the manifest's ensemble. */
  fusion?: FusionConfig;
  /** Cells with agreement below this are marked for review (split votes always are). */
  reviewBelowAgreement?: number;
  maxImagePixels?: number;
}

export function defaultFusion(engine: Engine): FusionConfig {
  const { mode, iou } = engine.manifest.ensemble;
  return { mode, iou } as FusionConfig;
}

/** Model ids to run: the ensemble's members, or for `single` the model at that index of the manifest. */
function members(engine: Engine, fusion: FusionConfig): string[] {
  if (fusion.mode !== 'single') return engine.manifest.ensemble.members;
  const model = engine.manifest.models[fusion.member];
  if (!model) throw new Error(`no model number ${fusion.member} in the manifest`);
  return [model.id];
}

/** Model ids a `single:<id>` fusion spec may name. */
export function singleChoices(engine: Engine): string[] {
  return engine.manifest.models.map((m) => m.id);
}

export async function analyzeField(engine: Engine, input: Buffer | string, opts: AnalyzeOptions = {}): Promise<FieldAnalysis> {
  const t0 = performance.now();
  const img = await decodeImage(input, { maxPixels: opts.maxImagePixels });
  const t1 = performance.now();
  // The quality check runs on this thread while the first member runs on onnxruntime's threads.
  let quality: QualityReport | undefined;
  let qualityMs = 0;
  const result = await detectAndFuse(engine, img, opts, () => {
    const tq = performance.now();
    const measured = assessQuality(img);
    quality = { ...measured, warnings: mergeWarnings(img.warnings, measured.warnings) };
    qualityMs = performance.now() - tq;
  });
  const totalMs = performance.now() - t0;
  return {
    decoded: img,
    image: { width: img.width, height: img.height, format: img.format, sha256: img.sha256 },
    quality: quality!,
    ...result,
    timings: { ...result.timings, decodeMs: t1 - t0, qualityMs, totalMs },
  };
}

/**
 * Runs the members one after another (one accelerator) and fuses their detections. Every input
 * size is letterboxed up front, so the later members' letterboxes are made while earlier members
 * run; `letterboxMs` is the time actually spent waiting for them, plus the colour statistics.
 */
export async function detectAndFuse(
  engine: Engine,
  img: DecodedImage | { rgb: Buffer; width: number; height: number },
  opts: AnalyzeOptions = {},
  /** Work for this thread while the first member runs (once, after its run has started). */
  whileFirstRuns?: () => void,
) {
  const fusion = opts.fusion ?? defaultFusion(engine);
  const entries = members(engine, fusion).map((id) => {
    const entry = engine.detectors.get(id);
    if (!entry) throw new Error(`ensemble member '${id}' is not loaded`);
    return entry;
  });
  const letterboxes = new Map<string, ReturnType<typeof letterboxTensor>>();
  const tc = performance.now();
  const luts = fieldLuts(img.rgb, engine.manifest.colourNormalisation);
  const colourMs = performance.now() - tc;
  for (const { model } of entries) {
    const key = model.input.join('x');
    if (!letterboxes.has(key)) {
      const pending = letterboxTensor(img, model.input[0], model.input[1], luts);
      pending.catch(() => {}); // awaited below; avoids an unhandled rejection if an earlier member fails
      letterboxes.set(key, pending);
    }
  }
  const timings = { letterboxMs: colourMs, modelMs: {} as Record<string, number>, postprocessMs: 0, fusionMs: 0 };
  const perModel: { id: string; detections: Detection[] }[] = [];
  for (const { model, detector } of entries) {
    let t = performance.now();
    const lt = await letterboxes.get(model.input.join('x'))!;
    timings.letterboxMs += performance.now() - t;
    t = performance.now();
    const running = detector.run(lt.tensor);
    if (perModel.length === 0) whileFirstRuns?.();
    const raw = await running;
    timings.modelMs[model.id] = performance.now() - t;
    t = performance.now();
    perModel.push({ id: model.id, detections: decodeOutput(raw, lt.letterbox, img, model) });
    timings.postprocessMs += performance.now() - t;
  }
  const t = performance.now();
  const effective: FusionConfig = fusion.mode === 'single' ? { mode: 'single', member: 0 } : fusion;
  const fused = fuse(perModel.map((m) => m.detections), effective, img);
  timings.fusionMs = performance.now() - t;
  const minAgreement = opts.reviewBelowAgreement ?? 2 / 3;
  const cells = fused.map((c) => ({ ...c, review: needsReview(c, minAgreement) }));
  return { members: perModel, fusion, cells, differential: differential(cells), timings };
}

export function needsReview(cell: FusedCell, minAgreement: number): boolean {
  const typesVoted = cell.votes.filter((v) => v > 0).length;
  return typesVoted > 1 || cell.agreement < minAgreement - 1e-9;
}

export function differential(cells: { type: number }[]): Differential {
  const counts: Record<string, number> = {};
  const percent: Record<string, number> = {};
  for (const name of CELL_TYPES) counts[name] = 0;
  for (const c of cells) if (c.type >= 0 && c.type < NUM_TYPES) counts[CELL_TYPES[c.type]]++;
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  for (const name of CELL_TYPES) percent[name] = total ? (100 * counts[name]) / total : 0;
  return { total, counts, percent };
}
