/** A stand-in for the native addon with TensorRT "available": engines are small text files. */
import { readFile } from 'node:fs/promises';
import type { AddonLoad, NativeAddon, NativeEngine, TrtLogLevel } from '../../../../src/core/inference/tensorrt/addon.ts';

export interface FakeAddon {
  load: AddonLoad;
  calls: { build: string[]; load: string[]; infer: number; released: number };
  /** What TensorRT would log from its threads. */
  emitLog(level: TrtLogLevel, message: string): void;
}

function nativeError(message: string, call: string, code: string): Error {
  return Object.assign(new Error(message), { call, code });
}

export function fakeAddon(opts: { count?: number; engineInput?: [number, number] } = {}): FakeAddon {
  const count = opts.count ?? 6;
  const calls: FakeAddon['calls'] = { build: [], load: [], infer: 0, released: 0 };
  let logger: ((level: TrtLogLevel, message: string) => void) | null = null;

  class FakeEngine implements NativeEngine {
    released = false;
    constructor(
      readonly inputShape: [number, number, number, number],
      readonly count: number,
    ) {}
    async infer(input: Float32Array) {
      if (this.released) throw nativeError('TrtEngine.infer failed: ERR_INVALID_ARG: the engine was released', 'TrtEngine.infer', 'ERR_INVALID_ARG');
      calls.infer++;
      const boxes = new Float32Array(this.count * 4).map((_, i) => i + input[0]!);
      const scores = new Float32Array(this.count * 5).fill(0.5);
      return { boxes, scores };
    }
    release() {
      if (!this.released) calls.released++;
      this.released = true;
    }
  }

  const addon: NativeAddon = {
    available: true,
    reason: 'TensorRT 10.3.0 on Fake (sm_87, 8 SMs)',
    version: '10.3.0',
    compiledVersion: '10.3.0',
    gpu: 'Fake (sm_87, 8 SMs)',
    fastFp16: true,
    fp16Flag: true,
    setLogger(fn) {
      logger = fn;
    },
    TrtEngine: {
      async build(onnxPath, options = {}) {
        calls.build.push(onnxPath);
        const [h, w] = opts.engineInput ?? options.inputSize ?? [64, 64];
        return { engine: Buffer.from(`FAKE-ENGINE ${h} ${w} ${count}`), precision: options.fp16 === false ? 'fp32' : 'fp16' };
      },
      async load(enginePath) {
        calls.load.push(enginePath);
        const m = /^FAKE-ENGINE (\d+) (\d+) (\d+)$/.exec(await readFile(enginePath, 'utf8'));
        if (!m) throw nativeError('IRuntime::deserializeCudaEngine failed: ERR_TENSORRT: not an engine', 'IRuntime::deserializeCudaEngine', 'ERR_TENSORRT');
        return new FakeEngine([1, 3, Number(m[1]), Number(m[2])], Number(m[3]));
      },
    },
  };
  return {
    load: { available: true, reason: addon.reason, addon },
    calls,
    emitLog: (level, message) => logger?.(level, message),
  };
}
