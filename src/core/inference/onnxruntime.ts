/** The onnxruntime-node (CPU) backend. */
import * as ort from 'onnxruntime-node';
import type { Detector, RawOutput } from './detector.ts';
import { ModelError, type ModelEntry } from './manifest.ts';
import { NUM_TYPES } from '../types.ts';

export interface OnnxOptions {
  /** Intra-op threads; 0 lets onnxruntime choose. */
  threads: number;
}

type Meta = { name: string; shape: ReadonlyArray<number | string> };

function shapeOf(meta: readonly ort.InferenceSession.ValueMetadata[], name: string): Meta | undefined {
  const m = meta.find((x) => x.name === name);
  return m && m.isTensor ? { name, shape: m.shape } : undefined;
}

/** Checks names and shapes against the contract; returns N. */
export function checkContract(model: ModelEntry, session: ort.InferenceSession): number {
  const bad = (what: string) => new ModelError(`model ${model.file} does not honour the detector contract: ${what}`);
  const [h, w] = model.input;
  const input = shapeOf(session.inputMetadata, 'images');
  if (!input) throw bad(`no input tensor named 'images' (inputs: ${session.inputNames.join(', ')})`);
  if (input.shape.join() !== [1, 3, h, w].join()) throw bad(`input 'images' has shape [${input.shape}], manifest says [1,3,${h},${w}]`);
  const boxes = shapeOf(session.outputMetadata, 'boxes');
  const scores = shapeOf(session.outputMetadata, 'scores');
  if (!boxes || !scores) throw bad(`outputs must be 'boxes' and 'scores' (got ${session.outputNames.join(', ')})`);
  const n = boxes.shape[1];
  if (boxes.shape.length !== 3 || boxes.shape[0] !== 1 || typeof n !== 'number' || boxes.shape[2] !== 4) {
    throw bad(`output 'boxes' must be [1,N,4] with a fixed N, got [${boxes.shape}]`);
  }
  if (scores.shape.join() !== [1, n, NUM_TYPES].join()) throw bad(`output 'scores' must be [1,${n},${NUM_TYPES}], got [${scores.shape}]`);
  return n;
}

/** CPU session options of every model (the detectors and the cell classifier). */
export function sessionOptions(threads: number): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: ['cpu'],
    graphOptimizationLevel: 'all',
    interOpNumThreads: 1,
    ...(threads > 0 ? { intraOpNumThreads: threads } : {}),
    // The models run one after another: a finished session's threads spinning for work would take
    // the next one's cores (on the 2-core reference machine, 55 -> 35 ms per field in `npm run bench`).
    extra: { session: { intra_op: { allow_spinning: '0' } } },
  };
}

export async function createOnnxDetector(model: ModelEntry, modelPath: string, opts: OnnxOptions): Promise<Detector> {
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(modelPath, sessionOptions(opts.threads));
  } catch (err) {
    throw new ModelError(`cannot load model ${modelPath}: ${(err as Error).message}`);
  }
  const count = checkContract(model, session);
  const [h, w] = model.input;
  return {
    id: model.id,
    inputSize: [h, w],
    async run(input: Float32Array): Promise<RawOutput> {
      const feeds = { images: new ort.Tensor('float32', input, [1, 3, h, w]) };
      const out = await session.run(feeds);
      return { boxes: out.boxes.data as Float32Array, scores: out.scores.data as Float32Array, count };
    },
    async dispose() {
      await session.release();
    },
  };
}
