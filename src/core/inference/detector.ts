/** What every inference backend provides: one loaded model that maps a letterboxed tensor to raw outputs. */

/** Raw outputs of the detector contract (ARCHITECTURE.md): boxes [1,N,4] in input pixels, scores [1,N,5]. */
export interface RawOutput {
  boxes: Float32Array;
  scores: Float32Array;
  /** N, the fixed number of candidate boxes of this model. */
  count: number;
}

export interface Detector {
  readonly id: string;
  /** Model input size [H, W]. */
  readonly inputSize: [number, number];
  /** Runs the model on a float32 NCHW tensor [1,3,H,W] (RGB, 0..1, letterboxed). */
  run(input: Float32Array): Promise<RawOutput>;
  dispose(): Promise<void>;
}

export type BackendName = 'onnxruntime' | 'tensorrt';

/** Which backend runs the models and why (shown in /api/health and the startup log). */
export interface BackendChoice {
  name: BackendName;
  reason: string;
}
