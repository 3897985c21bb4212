/**
 * Loads the native TensorRT addon (native/build/Release/leukodiff_trt.node) and describes its API.
 * A missing or unloadable addon is not an error: TensorRT is then unavailable, with the reason.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export type TrtLogLevel = 'error' | 'warn' | 'info' | 'debug';
export type Precision = 'fp16' | 'fp32';

/**
 * A built engine. The addon's errors name the failing call: `call` ('cudaMalloc', 'IRuntime::deserializeCudaEngine',
 * 'detector contract check') and `code` (the CUDA error name, or ERR_TENSORRT, ERR_CONTRACT,
 * ERR_INVALID_ARG, ERR_IO), plus `cudaError` (the number) where CUDA failed.
 */
export interface NativeEngine {
  /** [1, 3, H, W] */
  readonly inputShape: [number, number, number, number];
  /** N, the number of candidate boxes. */
  readonly count: number;
  readonly released: boolean;
  /** Runs on the engine's CUDA stream off the event loop; calls to one engine run one at a time, in order. */
  infer(input: Float32Array): Promise<{ boxes: Float32Array; scores: Float32Array }>;
  /** Frees the engine once the inferences already queued have finished. */
  release(): void;
}

export interface NativeBuildOptions {
  /** Allow FP16 kernels (TensorRT keeps FP32 where FP16 is unsupported). Default true. */
  fp16?: boolean;
  /** Builder workspace limit; 0 or absent: TensorRT's default. */
  workspaceBytes?: number;
  /** Expected [H, W]; required for a model with a dynamic input size, checked otherwise. */
  inputSize?: [number, number];
}

export interface NativeEngineClass {
  build(onnxPath: string, options?: NativeBuildOptions): Promise<{ engine: Buffer; precision: Precision }>;
  load(enginePath: string): Promise<NativeEngine>;
}

export interface NativeAddon {
  available: boolean;
  reason: string;
  /** TensorRT version of the loaded library (absent in the stub). */
  version?: string;
  compiledVersion?: string;
  /** GPU name with compute capability and SM count, e.g. "Orin (sm_87, 8 SMs)". */
  gpu?: string;
  /** The GPU runs FP16 fast. */
  fastFp16?: boolean;
  /** The builder takes an FP16 flag (false from TensorRT 11: the precision comes from the model). */
  fp16Flag?: boolean;
  setLogger?(fn: ((level: TrtLogLevel, message: string) => void) | null, minLevel?: TrtLogLevel): void;
  TrtEngine?: NativeEngineClass;
}

export interface AddonLoad {
  available: boolean;
  reason: string;
  addon?: NativeAddon;
}

export const DEFAULT_ADDON_PATH = fileURLToPath(new URL('../../../../native/build/Release/leukodiff_trt.node', import.meta.url));

const loaded = new Map<string, AddonLoad>();

/** The addon at `file` (LEUKODIFF_TRT_ADDON, else the node-gyp build output), loaded once per file. */
export function loadAddon(file: string = process.env.LEUKODIFF_TRT_ADDON || DEFAULT_ADDON_PATH): AddonLoad {
  let result = loaded.get(file);
  if (!result) {
    result = load(file);
    loaded.set(file, result);
  }
  return result;
}

function load(file: string): AddonLoad {
  if (!existsSync(file)) return { available: false, reason: 'addon not built' };
  let addon: NativeAddon;
  try {
    addon = createRequire(import.meta.url)(file) as NativeAddon;
  } catch (err) {
    // e.g. libnvinfer.so missing at run time after a JetPack change: rebuild with npm install.
    return { available: false, reason: `addon failed to load: ${(err as Error).message.split('\n')[0]}` };
  }
  if (typeof addon.available !== 'boolean' || typeof addon.reason !== 'string') {
    return { available: false, reason: `addon at ${file} is not leukodiff_trt` };
  }
  if (addon.available && !addon.TrtEngine) return { available: false, reason: 'addon lacks TrtEngine', addon };
  return { available: addon.available, reason: addon.reason, addon };
}

export interface TensorRtStatus {
  available: boolean;
  reason: string;
  version?: string;
  gpu?: string;
}

/** Whether TensorRT can run here, and why not. */
export function tensorRtStatus(load: AddonLoad = loadAddon()): TensorRtStatus {
  const status: TensorRtStatus = { available: load.available, reason: load.reason };
  if (load.addon?.version) status.version = load.addon.version;
  if (load.addon?.gpu) status.gpu = load.addon.gpu;
  return status;
}
