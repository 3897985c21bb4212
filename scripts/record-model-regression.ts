/**
 * Records what the shipped models find on two demo fields, so that a test notices any change in
 * the models, the preprocessing, the scale, the decoding, the fusion or the typing. Run after changing models/:
 *   node bin/run-ts.mjs scripts/record-model-regression.ts
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { analyzeField } from '../src/core/analysis/analyze.ts';
import { PROJECT_ROOT } from '../src/project-root.ts';
import { loadEngine, type Engine } from '../src/core/inference/engine.ts';

export const REGRESSION_FIELDS = ['bccd-BloodImage_00249.jpg', 'pbc-30a596f3.jpg'];
export const REGRESSION_FILE = path.join(PROJECT_ROOT, 'test', 'fixtures', 'model-regression.json');

const r = (v: number, d: number) => Math.round(v * 10 ** d) / 10 ** d;

/** The detections of every member and the shipped ensemble on the regression fields, rounded. */
export async function recordDetections(engine: Engine) {
  const fields: Record<string, unknown> = {};
  for (const name of REGRESSION_FIELDS) {
    const a = await analyzeField(engine, path.join(PROJECT_ROOT, 'demo', 'images', name));
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

if (import.meta.url === pathToFileURL(path.resolve(process.argv[1] ?? '')).href) {
  const engine = await loadEngine({ modelsDir: path.join(PROJECT_ROOT, 'models'), backend: 'onnxruntime', threads: 1 });
  writeFileSync(REGRESSION_FILE, JSON.stringify(await recordDetections(engine), null, 1) + '\n');
  await engine.close();
  console.log(`wrote ${REGRESSION_FILE}`);
}
