/**
 * A models folder for tests of the scale-aware, classifier-typed analysis: the fixture detectors
 * (constant boxes), the fixture colour classifier and a manifest naming them.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CLASSIFIER_CLASSES } from '../../src/contracts/vocabulary.ts';
import { FIXTURE_MODELS } from './paths.ts';

export function classifierModelsDir(extra: Record<string, unknown> = {}): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'leukodiff-models-'));
  for (const f of ['fixed-a.onnx', 'fixed-b.onnx', 'colour-classifier.onnx']) copyFileSync(path.join(FIXTURE_MODELS, f), path.join(dir, f));
  const manifest = JSON.parse(readFileSync(path.join(FIXTURE_MODELS, 'manifest.json'), 'utf8'));
  manifest.cellClassifier = {
    file: 'colour-classifier.onnx',
    sha256: createHash('sha256')
      .update(readFileSync(path.join(dir, 'colour-classifier.onnx')))
      .digest('hex'),
    inputPx: 32,
    cropRbc: 3.6,
    classes: [...CLASSIFIER_CLASSES],
    unidentifiedBelow: 0.5,
  };
  Object.assign(manifest, extra);
  writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2));
  return dir;
}
