/** A Detector running one TensorRT engine of the addon. */
import type { Detector, RawOutput } from '../detector.ts';
import type { NativeEngine } from './addon.ts';

export class TensorRtDetector implements Detector {
  readonly inputSize: [number, number];
  private engine: NativeEngine | null;
  private readonly pending = new Set<Promise<unknown>>();

  /** Takes ownership of `engine`; throws (and releases it) when its input is not [1,3,H,W] of `inputSize`. */
  constructor(
    readonly id: string,
    inputSize: [number, number],
    engine: NativeEngine,
  ) {
    const [h, w] = inputSize;
    const shape = engine.inputShape;
    if (shape.length !== 4 || shape[0] !== 1 || shape[1] !== 3 || shape[2] !== h || shape[3] !== w) {
      engine.release();
      throw new Error(`${id}: the TensorRT engine's input is [${shape.join(',')}], the manifest says [1,3,${h},${w}]`);
    }
    this.inputSize = [h, w];
    this.engine = engine;
  }

  /** N, the model's fixed number of candidate boxes. */
  get count(): number {
    if (!this.engine) throw new Error(`${this.id}: detector disposed`);
    return this.engine.count;
  }

  async run(input: Float32Array): Promise<RawOutput> {
    const engine = this.engine;
    if (!engine) throw new Error(`${this.id}: detector disposed`);
    const [h, w] = this.inputSize;
    if (input.length !== 3 * h * w) {
      throw new RangeError(`${this.id}: expected a [1,3,${h},${w}] tensor (${3 * h * w} values), got ${input.length}`);
    }
    const call = engine.infer(input);
    this.pending.add(call);
    try {
      const { boxes, scores } = await call;
      return { boxes, scores, count: engine.count };
    } finally {
      this.pending.delete(call);
    }
  }

  /** Refuses new runs, lets the queued ones finish, and frees the engine's GPU memory. */
  async dispose(): Promise<void> {
    const engine = this.engine;
    if (!engine) return;
    this.engine = null;
    engine.release();
    await Promise.allSettled([...this.pending]);
  }
}
