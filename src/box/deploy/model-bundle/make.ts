/**
 * Packs a model set into a signed model bundle (the release bundle's container and keys, format
 * 'leukodiff-model-bundle', arch 'noarch'): the manifest, the files it names, and the regression
 * fixture (the recording and the fields it was made on) that the box checks before switching.
 */
import type { KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { recordRegression, type ModelRegression } from '../../../core/analysis/model-regression.ts';
import { loadEngine } from '../../../core/inference/engine.ts';
import { loadManifest, ModelError } from '../../../core/inference/manifest.ts';
import { BundleError, MODEL_BUNDLE, NOARCH, type BundleManifest } from '../bundle/format.ts';
import { writeBundle, type PackEntry } from '../bundle/make.ts';
import { REGRESSION_DIR, REGRESSION_JSON } from './layout.ts';

export interface MakeModelBundleOptions {
  /** A models folder: manifest.json with modelSet.version, and the files it names. */
  modelsDir: string;
  privateKey: KeyObject;
  out: string;
  /** The regression fields: images in `dir`, packed under regression/. */
  regressionFields: { dir: string; names: string[] };
  /** A recording made elsewhere (the training machine); default: recorded now on onnxruntime. */
  regression?: ModelRegression;
  now?: Date;
}

export async function makeModelBundle(opts: MakeModelBundleOptions): Promise<BundleManifest> {
  let manifest;
  try {
    manifest = await loadManifest(opts.modelsDir);
  } catch (err) {
    if (err instanceof ModelError) throw new BundleError(err.message);
    throw err;
  }
  const version = manifest.modelSet?.version;
  if (!version) throw new BundleError(`${path.join(opts.modelsDir, 'manifest.json')} has no modelSet version: add "modelSet": {"version": "YYYY.MM.N", "createdAt": "..."} (every result records it)`);
  if (opts.regressionFields.names.length === 0) throw new BundleError('a model bundle needs at least one regression field');
  let regression = opts.regression;
  if (!regression) {
    const engine = await loadEngine({ modelsDir: opts.modelsDir, backend: 'onnxruntime', threads: 1 });
    try {
      regression = await recordRegression(engine, opts.regressionFields.dir, opts.regressionFields.names);
    } finally {
      await engine.close();
    }
  }
  const tmp = await mkdtemp(path.join(tmpdir(), 'leukodiff-model-bundle-'));
  try {
    const recording = path.join(tmp, REGRESSION_JSON);
    await writeFile(recording, JSON.stringify(regression, null, 1) + '\n');
    const named = [...manifest.models.map((m) => m.file), ...(manifest.cellClassifier ? [manifest.cellClassifier.file] : [])];
    const files: PackEntry[] = [
      { rel: 'manifest.json', abs: path.join(opts.modelsDir, 'manifest.json') },
      ...[...new Set(named)].map((file) => ({ rel: file, abs: path.join(opts.modelsDir, file) })),
      { rel: `${REGRESSION_DIR}/${REGRESSION_JSON}`, abs: recording },
      ...opts.regressionFields.names.map((name) => ({ rel: `${REGRESSION_DIR}/${name}`, abs: path.join(opts.regressionFields.dir, name) })),
    ];
    return await writeBundle({ format: MODEL_BUNDLE, version, arch: NOARCH, createdAt: (opts.now ?? new Date()).toISOString() }, files, [], opts.privateKey, opts.out);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
