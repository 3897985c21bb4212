/**
 * The TensorRT backend: engines built from the ONNX models on first use (or ahead of time by
 * `leukodiff build-engines`), cached in models/engines/ and run by the native addon.
 */
import path from 'node:path';
import type { Detector } from '../detector.ts';
import { loadAddon, tensorRtStatus, type AddonLoad, type NativeEngineClass, type Precision, type TensorRtStatus, type TrtLogLevel } from './addon.ts';
import { TensorRtDetector } from './detector.ts';
import { EngineCache, loadCachedEngine, sha256OfFile, type EngineKeyParts } from './engine-cache.ts';

export type { TensorRtStatus, TrtLogLevel } from './addon.ts';
export { TensorRtDetector } from './detector.ts';

export type LogFn = (level: TrtLogLevel, msg: string) => void;

export interface ModelSpec {
  id: string;
  file: string;
  sha256: string;
  /** [H, W] */
  input: [number, number];
}

export interface TensorRtBackendOptions {
  modelsDir: string;
  log: LogFn;
  /** Default: <modelsDir>/engines */
  enginesDir?: string;
  /** Default 'fp16' (used where the GPU runs FP16 fast and TensorRT takes the flag, else 'fp32'). */
  precision?: Precision;
  workspaceBytes?: number;
  /** TensorRT's own messages are forwarded to `log` from this level up. Default 'warn'. */
  trtLogLevel?: TrtLogLevel;
  /** The addon to use (tests); default: the built one. */
  addon?: AddonLoad;
}

export interface EngineReport {
  enginePath: string;
  built: boolean;
  /** Why the engine was (re)built, or that the cached one is current. */
  reason: string;
  buildSeconds?: number;
  precision: Precision;
}

export interface TensorRtBackend {
  status: TensorRtStatus;
  /** Loads the cached engine of the model, building it first when missing, stale or damaged. */
  createDetector(model: ModelSpec, modelPath: string): Promise<Detector>;
  /** Makes sure a loadable engine is cached (`force`: rebuild it anyway); releases it again. */
  buildEngine(model: ModelSpec, modelPath: string, opts?: { force?: boolean }): Promise<EngineReport>;
}

// One build at a time in a process: a build takes most of a Jetson's memory for minutes.
let buildQueue: Promise<unknown> = Promise.resolve();
function serialized<T>(job: () => Promise<T>): Promise<T> {
  const next = buildQueue.then(job, job);
  buildQueue = next.catch(() => undefined);
  return next;
}

export function createTensorRtBackend(opts: TensorRtBackendOptions): TensorRtBackend {
  const load = opts.addon ?? loadAddon();
  const status = tensorRtStatus(load);
  const addon = load.addon;
  const log: LogFn = (level, msg) => {
    try {
      opts.log(level, msg);
    } catch {
      // A failing logger must not break inference.
    }
  };
  if (load.available && addon?.setLogger) {
    addon.setLogger((level, message) => log(level, `tensorrt: ${message}`), opts.trtLogLevel ?? 'warn');
  }
  const cache = new EngineCache(opts.enginesDir ?? path.join(opts.modelsDir, 'engines'));
  const precision: Precision = (opts.precision ?? 'fp16') === 'fp16' && addon?.fastFp16 && addon.fp16Flag ? 'fp16' : 'fp32';

  function engineClass(): NativeEngineClass {
    if (!load.available || !addon?.TrtEngine) throw new Error(`TensorRT unavailable: ${status.reason}`);
    return addon.TrtEngine;
  }

  async function prepare(model: ModelSpec, modelPath: string, force?: string) {
    const Engine = engineClass();
    const parts: EngineKeyParts = {
      modelSha256: model.sha256,
      trtVersion: addon?.version ?? '',
      gpuName: addon?.gpu ?? '',
      precision,
    };
    const build = () =>
      serialized(async () => {
        // The key trusts the manifest's sha256: make sure the engine is built from that very file.
        const actual = await sha256OfFile(modelPath);
        if (actual !== model.sha256) {
          throw new Error(`${model.id}: ${modelPath} does not match its sha256 in the manifest (got ${actual.slice(0, 12)}…): not building an engine from it`);
        }
        const result = await Engine.build(modelPath, { fp16: precision === 'fp16', workspaceBytes: opts.workspaceBytes, inputSize: model.input });
        return result.engine;
      });
    const scoped = (level: TrtLogLevel, msg: string) => log(level, `tensorrt: ${msg}`);
    return loadCachedEngine(cache, model.id, parts, build, (file) => Engine.load(file), scoped, { force });
  }

  return {
    status,
    async createDetector(model, modelPath) {
      const r = await prepare(model, modelPath);
      log(
        'info',
        r.built ? `tensorrt: ${model.id}: engine built in ${r.buildSeconds} s (${precision}), ${r.enginePath}` : `tensorrt: ${model.id}: cached engine loaded (${precision}), ${r.enginePath}`,
      );
      return new TensorRtDetector(model.id, model.input, r.engine);
    },
    async buildEngine(model, modelPath, buildOpts = {}) {
      const r = await prepare(model, modelPath, buildOpts.force ? 'rebuild asked for (--force)' : undefined);
      r.engine.release();
      const report: EngineReport = { enginePath: r.enginePath, built: r.built, reason: r.reason, precision };
      if (r.buildSeconds !== undefined) report.buildSeconds = r.buildSeconds;
      return report;
    },
  };
}
