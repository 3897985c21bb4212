/** Chooses the inference backend (auto | tensorrt | onnxruntime) and says why. */
import type { BackendChoice, Detector } from './detector.ts';
import type { ModelEntry } from './manifest.ts';
import { ModelError } from './manifest.ts';
import { createOnnxDetector } from './onnxruntime.ts';
import { createTensorRtBackend } from './tensorrt/index.ts';

/** The configured backend (LEUKODIFF_BACKEND): auto picks TensorRT where it runs, else onnxruntime. */
export type BackendSetting = 'auto' | 'tensorrt' | 'onnxruntime';

export type LogFn = (level: 'error' | 'warn' | 'info' | 'debug', msg: string) => void;

export interface Backend {
  choice: BackendChoice;
  createDetector(model: ModelEntry, modelPath: string): Promise<Detector>;
}

export function selectBackend(setting: BackendSetting, opts: { modelsDir: string; threads: number; log: LogFn }): Backend {
  const onnx = (reason: string): Backend => ({
    choice: { name: 'onnxruntime', reason },
    createDetector: (model, modelPath) => createOnnxDetector(model, modelPath, { threads: opts.threads }),
  });
  if (setting === 'onnxruntime') return onnx('onnxruntime chosen in the configuration (backend=onnxruntime)');
  const trt = createTensorRtBackend({ modelsDir: opts.modelsDir, log: opts.log });
  if (trt.status.available) {
    return {
      choice: { name: 'tensorrt', reason: `TensorRT addon available and a GPU answered (${trt.status.reason})` },
      createDetector: (model, modelPath) => trt.createDetector(model, modelPath),
    };
  }
  if (setting === 'tensorrt') {
    throw new ModelError(
      `backend=tensorrt was asked for but TensorRT is unavailable: ${trt.status.reason}. Use backend=auto or onnxruntime, or build the addon on a machine with TensorRT (npm install).`,
    );
  }
  return onnx(`TensorRT unavailable (${trt.status.reason}); using onnxruntime on the CPU`);
}
