/**
 * One field: image -> quality check and scale -> each member detector on the field as the scale
 * calls for (whole, on a canvas, or in tiles) -> fusion -> the cell classifier types each cell.
 */
import { fuse, type FusionConfig } from '../ensemble/index.ts';
import { backgroundRgb } from '../inference/cell-classifier.ts';
import { fieldLuts, type ChannelLuts } from '../inference/colour.ts';
import { decodeOutput } from '../inference/decode.ts';
import type { Engine } from '../inference/engine.ts';
import { letterboxTensor, type Canvas } from '../inference/preprocess.ts';
import { CELL_TYPES, NUM_TYPES, type Detection, type FusedCell } from '../types.ts';
import { detectorView, type DetectorView } from './detector-view.ts';
import { rbcDiameterPx, resolveFieldScale, scaleWarnings, type FieldScale, type ScaleInputs } from './field-scale.ts';
import { decodeImage, type DecodedImage } from './image-input.ts';
import { assessQuality, mergeWarnings, type QualityReport } from './quality.ts';
import { detectInTiles } from './tiled-detection.ts';
import { typeCells, type CellClassName, type Typing } from './typing.ts';

export interface AnalyzedCell extends FusedCell {
  /** True when a person should look at this cell (split votes, an unsure or unusual class). */
  review: boolean;
  /** What the cell is: one of the five types (counted), or a class counted outside the differential. */
  cellClass: CellClassName;
  /** The classifier's probabilities, when it typed the cell. */
  classProbs?: Record<string, number>;
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
  /** Red-cell scale measurement. */
  scaleMs: number;
  /** Cell classifier (crops and model). */
  typingMs: number;
  totalMs: number;
}

export interface FieldAnalysis {
  /** The decoded pixels (for overlays and crops); not part of the JSON form. */
  decoded: DecodedImage;
  image: { width: number; height: number; format: string; sha256: string };
  quality: QualityReport;
  scale: FieldScale;
  /** How the detectors saw the field (src/analysis/detector-view.ts): whole, canvas or tiles. */
  view: { kind: DetectorView['kind']; tiles: number };
  typing: Typing;
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
  /** A known scale, or the box's calibration (src/analysis/field-scale.ts). */
  scale?: ScaleInputs;
  /** Who types the cells: the classifier (the default when the manifest has one) or the detectors' votes. */
  typing?: Typing;
}

/** What detectAndFuse needs beyond the options of a whole field. */
interface ViewInputs {
  /** Colour luts of the whole field (a tile must not get its own). */
  luts?: ChannelLuts;
  canvas?: Canvas;
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
  const scale = resolveFieldScale(img, opts.scale);
  const rbcPx = rbcDiameterPx(scale);
  const background = backgroundRgb(img);
  const scaleMs = performance.now() - t1;
  const view = engine.manifest.detectorScale ? detectorView(img.width, img.height, rbcPx, engine.manifest.detectorScale) : ({ kind: 'whole' } as const);
  // The quality check runs on this thread while the first member runs on onnxruntime's threads.
  let quality: QualityReport | undefined;
  let qualityMs = 0;
  const checkQuality = () => {
    const tq = performance.now();
    const measured = assessQuality(img);
    quality = { ...measured, warnings: mergeWarnings(img.warnings, measured.warnings, scaleWarnings(scale, view.kind === 'tiles' && view.capped)) };
    qualityMs = performance.now() - tq;
  };
  const result =
    view.kind === 'tiles'
      ? await detectInTiles(engine, img, view.tiles, opts, checkQuality)
      : await detectAndFuse(engine, img, opts, checkQuality, view.kind === 'canvas' ? { canvas: { width: view.width, height: view.height, fill: roundRgb(background) } } : {});
  const tt = performance.now();
  const typing = opts.typing ?? (engine.classifier ? 'classifier' : 'detectors');
  const cells = await typeCells(engine, img, result.cells, { typing, rbcPx, background, minAgreement: opts.reviewBelowAgreement });
  const typingMs = performance.now() - tt;
  const totalMs = performance.now() - t0;
  return {
    decoded: img,
    image: { width: img.width, height: img.height, format: img.format, sha256: img.sha256 },
    quality: quality!,
    scale,
    view: { kind: view.kind, tiles: view.kind === 'tiles' ? view.tiles.length : 1 },
    typing,
    ...result,
    cells,
    differential: differential(cells),
    timings: { ...result.timings, decodeMs: t1 - t0, qualityMs, scaleMs, typingMs, totalMs },
  };
}

const roundRgb = (c: [number, number, number]) => c.map(Math.round) as [number, number, number];

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
  view: ViewInputs = {},
) {
  const fusion = opts.fusion ?? defaultFusion(engine);
  const entries = members(engine, fusion).map((id) => {
    const entry = engine.detectors.get(id);
    if (!entry) throw new Error(`ensemble member '${id}' is not loaded`);
    return entry;
  });
  const letterboxes = new Map<string, ReturnType<typeof letterboxTensor>>();
  const tc = performance.now();
  const luts = view.luts ?? fieldLuts(img.rgb, engine.manifest.colourNormalisation);
  const colourMs = performance.now() - tc;
  for (const { model } of entries) {
    const key = model.input.join('x');
    if (!letterboxes.has(key)) {
      const pending = letterboxTensor(img, model.input[0], model.input[1], luts, view.canvas);
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
  return { members: perModel, fusion, cells: fused, timings };
}

/** The five-type differential: cells of another class (immature granulocytes, unidentified, ...) are counted outside it. */
export function differential(cells: { type: number; cellClass?: string }[]): Differential {
  const counts: Record<string, number> = {};
  const percent: Record<string, number> = {};
  for (const name of CELL_TYPES) counts[name] = 0;
  for (const c of cells) {
    if (c.cellClass !== undefined) {
      if (c.cellClass in counts) counts[c.cellClass]++;
    } else if (c.type >= 0 && c.type < NUM_TYPES) counts[CELL_TYPES[c.type]]++;
  }
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  for (const name of CELL_TYPES) percent[name] = total ? (100 * counts[name]) / total : 0;
  return { total, counts, percent };
}
