/**
 * Records what the shipped models find on two demo fields, so that a test notices any change in
 * the models, the preprocessing, the scale, the decoding, the fusion or the typing. Run after changing models/:
 *   node bin/run-ts.mjs scripts/record-model-regression.ts
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { recordRegression, REGRESSION_FIELDS } from '../src/core/analysis/model-regression.ts';
import { PROJECT_ROOT } from '../src/project-root.ts';
import { loadEngine, type Engine } from '../src/core/inference/engine.ts';

export { REGRESSION_FIELDS };
export const REGRESSION_FILE = path.join(PROJECT_ROOT, 'test', 'fixtures', 'model-regression.json');

/** The detections of every member and the shipped ensemble on the regression fields, rounded. */
export function recordDetections(engine: Engine) {
  return recordRegression(engine, path.join(PROJECT_ROOT, 'demo', 'images'), REGRESSION_FIELDS);
}

if (import.meta.url === pathToFileURL(path.resolve(process.argv[1] ?? '')).href) {
  const engine = await loadEngine({ modelsDir: path.join(PROJECT_ROOT, 'models'), backend: 'onnxruntime', threads: 1 });
  writeFileSync(REGRESSION_FILE, JSON.stringify(await recordDetections(engine), null, 1) + '\n');
  await engine.close();
  console.log(`wrote ${REGRESSION_FILE}`);
}
