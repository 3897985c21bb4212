/**
 * One field: image -> quality check and scale -> each member detector on the field as the scale
 * calls for (whole, on a canvas, or in tiles) -> fusion -> the cell classifier types each cell.
 */
import { CELL_TYPES } from '../../contracts/vocabulary.ts';
import type { FusionConfig } from '../ensemble/index.ts';
import { backgroundRgb } from './background.ts';
import type { Engine } from '../inference/engine.ts';
import { NUM_TYPES, type Detection, type FusedCell } from '../types.ts';
import { detectInView, viewFor, type DetectionTimings } from './detect.ts';
import type { DetectorView } from './detector-view.ts';
import { checkedScale, rbcDiameterPx, resolveFieldScale, scaleWarnings, type FieldScale, type ScaleInputs } from './field-scale.ts';
import { withDecodedImage, type DecodedImage } from './image-input.ts';
import { assessQuality, mergeWarnings, type QualityReport } from './quality.ts';
import { typeCells, type CellClassName, type Typing } from './typing.ts';

export interface AnalyzedCell extends FusedCell {
  /** True when a person should look at this cell (typing.ts: an unsure, unusual or scale-less typing; split detector votes). */
  review: boolean;
  /** What the cell is: one of the five types (counted), or a class counted outside the differential. */
  cellClass: CellClassName;
  /** The classifier's probabilities, when it typed the cell. */
  classProbs?: Record<string, number>;
}

export interface StageTimings extends DetectionTimings {
  decodeMs: number;
  qualityMs: number;
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
  /** How the detectors saw the field (src/core/analysis/detector-view.ts): whole, canvas or tiles. */
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
  /** Under detector typing, cells with agreement below this are marked for review (split votes always are). */
  reviewBelowAgreement?: number;
  maxImagePixels?: number;
  /** A known scale, or the box's calibration (src/core/analysis/field-scale.ts). */
  scale?: ScaleInputs;
  /** Who types the cells: the classifier (the default when the manifest has one) or the detectors' votes. */
  typing?: Typing;
}

/** Model ids a `single:<id>` fusion spec may name. */
export function singleChoices(engine: Engine): string[] {
  return engine.manifest.models.map((m) => m.id);
}

export async function analyzeField(engine: Engine, input: Buffer | string, opts: AnalyzeOptions = {}): Promise<FieldAnalysis> {
  const t0 = performance.now();
  // The decode slot is held for the whole analysis: the pixels are in use until it ends.
  return withDecodedImage(input, { maxPixels: opts.maxImagePixels }, (img) => analyzeDecoded(engine, img, opts, t0));
}

async function analyzeDecoded(engine: Engine, img: DecodedImage, opts: AnalyzeOptions, t0: number): Promise<FieldAnalysis> {
  const t1 = performance.now();
  const measured = resolveFieldScale(img, opts.scale);
  const background = backgroundRgb(img);
  const scaleMs = performance.now() - t1;
  // The quality check runs on this thread while the first member runs on onnxruntime's threads.
  let quality: QualityReport | undefined;
  let qualityMs = 0;
  const checkQuality = () => {
    const tq = performance.now();
    quality = assessQuality(img);
    qualityMs = performance.now() - tq;
  };
  // The whole field first: its leukocytes check the measured scale, and most fields stay whole.
  const whole = await detectInView(engine, img, { kind: 'whole' }, background, { fusion: opts.fusion, whileFirstRuns: checkQuality });
  const scale = checkedScale(measured, whole.cells, opts.scale);
  const rbcPx = rbcDiameterPx(scale);
  const view = viewFor(engine, img, rbcPx);
  const result = view.kind === 'whole' ? whole : await detectInView(engine, img, view, background, { fusion: opts.fusion });
  const report = quality!;
  quality = { ...report, warnings: mergeWarnings(img.warnings, report.warnings, scaleWarnings(scale, view.kind === 'tiles' && view.capped)) };
  const tt = performance.now();
  const typing = opts.typing ?? (engine.classifier ? 'classifier' : 'detectors');
  const scaleTrusted = scaleWarnings(scale, false).length === 0;
  const cells = await typeCells(engine, img, result.cells, { typing, rbcPx, scaleTrusted, background, minAgreement: opts.reviewBelowAgreement });
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
