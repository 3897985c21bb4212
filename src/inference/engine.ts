/** The loaded detectors of the manifest on the chosen backend. */
import path from 'node:path';
import type { BackendSetting } from '../config.ts';
import { selectBackend, type LogFn } from './backend.ts';
import type { BackendChoice, Detector } from './detector.ts';
import { loadManifest, type Manifest, type ModelEntry } from './manifest.ts';

export interface Engine {
  manifest: Manifest;
  backend: BackendChoice;
  /** Detectors keyed by model id, in manifest order. */
  detectors: Map<string, { model: ModelEntry; detector: Detector }>;
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
  try {
    for (const model of manifest.models) {
      detectors.set(model.id, { model, detector: await backend.createDetector(model, path.join(opts.modelsDir, model.file)) });
    }
  } catch (err) {
    await Promise.all([...detectors.values()].map((d) => d.detector.dispose()));
    throw err;
  }
  return {
    manifest,
    backend: backend.choice,
    detectors,
    async close() {
      await Promise.all([...detectors.values()].map((d) => d.detector.dispose()));
      detectors.clear();
    },
  };
}
