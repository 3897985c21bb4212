/**
 * The model regression fixture: what a model set finds on a few fields (every member's detections,
 * the fused and typed cells, the scale), rounded, and the check that a set still finds it. The
 * shipped models' recording is test/fixtures/model-regression.json (scripts/record-model-regression.ts);
 * a model bundle carries its own, which the box checks before it switches to the new set.
 */
import path from 'node:path';
import type { Engine } from '../inference/engine.ts';
import { analyzeField } from './analyze.ts';

export interface RecordedDetection {
  type: number;
  score: number;
  box: number[];
}

export interface RecordedField {
  scale: { umPerPixel: number | null; source: string; view: string };
  members: Record<string, RecordedDetection[]>;
  cells: { type: number; class: string; confidence: number; votes: number[]; box: number[] }[];
}

export interface ModelRegression {
  /** sha256 of each detector, by id: the recording belongs to exactly these files. */
  models: Record<string, string>;
  ensemble: unknown;
  colourNormalisation: unknown;
  detectorScale: unknown;
  cellClassifier: string | null;
  fields: Record<string, RecordedField>;
}

/** The demo fields (demo/images) recorded for the shipped models and packed into a model bundle by default. */
export const REGRESSION_FIELDS = ['bccd-BloodImage_00249.jpg', 'pbc-30a596f3.jpg'];

/** Limits a new run may differ from the recording by (onnxruntime on another CPU, another thread count). */
export const REGRESSION_TOLERANCE = { score: 0.002, boxPx: 0.5, umPerPixel: 1e-4 };

const r = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;

/** Runs the engine on each named image of imagesDir and records what it finds, rounded. */
export async function recordRegression(engine: Engine, imagesDir: string, names: string[]): Promise<ModelRegression> {
  const fields: Record<string, RecordedField> = {};
  for (const name of names) {
    const a = await analyzeField(engine, path.join(imagesDir, name));
    fields[name] = {
      scale: { umPerPixel: a.scale.umPerPixel === null ? null : r(a.scale.umPerPixel, 5), source: a.scale.source, view: a.view.kind },
      members: Object.fromEntries(a.members.map((m) => [m.id, m.detections.map((d) => ({ type: d.type, score: r(d.score, 3), box: d.box.map((v) => r(v, 1)) }))])),
      cells: a.cells.map((c) => ({ type: c.type, class: c.cellClass, confidence: r(c.confidence, 3), votes: c.votes, box: c.box.map((v) => r(v, 1)) })),
    };
  }
  return {
    models: Object.fromEntries(engine.manifest.models.map((m) => [m.id, m.sha256])),
    ensemble: engine.manifest.ensemble,
    colourNormalisation: engine.manifest.colourNormalisation ?? null,
    detectorScale: engine.manifest.detectorScale ?? null,
    cellClassifier: engine.manifest.cellClassifier?.sha256 ?? null,
    fields,
  };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Every way `now` departs from `recorded` beyond REGRESSION_TOLERANCE, one line each (empty: it passes). */
export function compareRegression(recorded: ModelRegression, now: ModelRegression): string[] {
  const out: string[] = [];
  if (!same(now.models, recorded.models) || now.cellClassifier !== recorded.cellClassifier) out.push('the recording is of other model files than the manifest lists');
  if (!same(now.ensemble, recorded.ensemble)) out.push('the ensemble differs from the recording');
  if (!same(now.colourNormalisation, recorded.colourNormalisation)) out.push('the colour normalisation differs from the recording');
  if (!same(now.detectorScale, recorded.detectorScale)) out.push('the detector scale differs from the recording');
  const names = Object.keys(recorded.fields ?? {});
  if (names.length === 0) out.push('the recording holds no field');
  for (const name of names) {
    const want = recorded.fields[name];
    const got = now.fields[name];
    if (!got) {
      out.push(`${name}: not analysed`);
      continue;
    }
    if (got.scale.source !== want.scale.source || got.scale.view !== want.scale.view)
      out.push(`${name}: scale ${got.scale.source}/${got.scale.view}, recorded ${want.scale.source}/${want.scale.view}`);
    else if ((got.scale.umPerPixel === null) !== (want.scale.umPerPixel === null) || Math.abs((got.scale.umPerPixel ?? 0) - (want.scale.umPerPixel ?? 0)) > REGRESSION_TOLERANCE.umPerPixel) {
      out.push(`${name}: ${got.scale.umPerPixel} um per pixel, recorded ${want.scale.umPerPixel}`);
    }
    for (const [id, dets] of Object.entries(want.members)) {
      const g = got.members[id] ?? [];
      if (g.length !== dets.length) {
        out.push(`${name}: ${id} found ${g.length} detections, recorded ${dets.length}`);
        continue;
      }
      const moved = dets.findIndex(
        (d, i) => g[i].type !== d.type || Math.abs(g[i].score - d.score) > REGRESSION_TOLERANCE.score || d.box.some((v, k) => Math.abs(g[i].box[k] - v) > REGRESSION_TOLERANCE.boxPx),
      );
      if (moved >= 0) out.push(`${name}: ${id}'s detection ${moved + 1} moved (type, score or box)`);
    }
    const key = (cells: RecordedField['cells']) => JSON.stringify(cells.map((c) => [c.type, c.class, c.votes]));
    if (key(got.cells) !== key(want.cells)) out.push(`${name}: cells ${got.cells.map((c) => c.class).join(', ') || 'none'}, recorded ${want.cells.map((c) => c.class).join(', ') || 'none'}`);
  }
  return out;
}
