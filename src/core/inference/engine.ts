/** The loaded detectors of the manifest on the chosen backend. */
import path from 'node:path';
import { selectBackend, type BackendSetting, type LogFn } from './backend.ts';
import { createCellClassifier, type CellClassifier } from './cell-classifier.ts';
import type { BackendChoice, Detector } from './detector.ts';
import { loadManifest, type Manifest, type ModelEntry } from './manifest.ts';

export interface Engine {
  manifest: Manifest;
  backend: BackendChoice;
  /** Detectors keyed by model id, in manifest order. */
  detectors: Map<string, { model: ModelEntry; detector: Detector }>;
  /** Types the located cells when the manifest has one. */
  classifier?: CellClassifier;
  close(): Promise<void>;
}

export interface EngineOptions {
  modelsDir: string;
  backend: BackendSetting;
  threads: number;
  log?: LogFn;
}

export async function loadEngine(opts: EngineOptions): Promise<Engine> {
  const log: LogFn = opts.log ?? (() => {});
  const manifest = await loadManifest(opts.modelsDir);
  const backend = selectBackend(opts.backend, { modelsDir: opts.modelsDir, threads: opts.threads, log });
  const detectors = new Map<string, { model: ModelEntry; detector: Detector }>();
  let classifier: CellClassifier | undefined;
  const release = async () => {
    await Promise.all([...detectors.values()].map((d) => d.detector.dispose()));
    detectors.clear();
    await classifier?.dispose();
  };
  try {
    for (const model of manifest.models) {
      detectors.set(model.id, { model, detector: await backend.createDetector(model, path.join(opts.modelsDir, model.file)) });
    }
    const entry = manifest.cellClassifier;
    if (entry) classifier = await createCellClassifier(entry, path.join(opts.modelsDir, entry.file), opts.threads);
  } catch (err) {
    await release();
    throw err;
  }
  return { manifest, backend: backend.choice, detectors, classifier, close: release };
}
