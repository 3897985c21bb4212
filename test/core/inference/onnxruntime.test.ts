import { readFileSync } from 'node:fs';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it, vi } from 'vitest';
import { parseManifest } from '../../../src/core/inference/manifest.ts';
import { createOnnxDetector } from '../../../src/core/inference/onnxruntime.ts';
import { FIXTURE_MODELS } from '../../helpers/paths.ts';

const manifest = parseManifest(JSON.parse(readFileSync(path.join(FIXTURE_MODELS, 'manifest.json'), 'utf8')));

describe('onnxruntime backend', () => {
  it('runs a contract model and returns boxes [N,4] and scores [N,5]', async () => {
    const model = manifest.models[0];
    const det = await createOnnxDetector(model, path.join(FIXTURE_MODELS, model.file), { threads: 1 });
    try {
      expect(det.inputSize).toEqual([64, 64]);
      const out = await det.run(new Float32Array(3 * 64 * 64).fill(0.5));
      expect(out.count).toBe(4);
      expect(Array.from(out.boxes.subarray(0, 4))).toEqual([8, 8, 24, 24]);
      expect(out.scores.length).toBe(20);
      expect(out.scores[0]).toBeCloseTo(0.9);
    } finally {
      await det.dispose();
    }
  });

  it('creates sessions whose threads do not spin between runs (the members run one after another)', async () => {
    const create = vi.spyOn(ort.InferenceSession, 'create');
    const model = manifest.models[0];
    const det = await createOnnxDetector(model, path.join(FIXTURE_MODELS, model.file), { threads: 2 });
    try {
      expect(create.mock.calls[0][1]).toMatchObject({ intraOpNumThreads: 2, extra: { session: { intra_op: { allow_spinning: '0' } } } });
    } finally {
      create.mockRestore();
      await det.dispose();
    }
  });

  it('refuses a model whose outputs do not follow the contract', async () => {
    const model = { ...manifest.models[0], file: 'bad-outputs.onnx' };
    await expect(createOnnxDetector(model, path.join(FIXTURE_MODELS, 'bad-outputs.onnx'), { threads: 1 })).rejects.toThrow(
      /bad-outputs\.onnx does not honour the detector contract: outputs must be 'boxes' and 'scores'/,
    );
  });

  it('refuses a model whose input size differs from the manifest', async () => {
    const model = { ...manifest.models[0], input: [32, 32] as [number, number] };
    await expect(createOnnxDetector(model, path.join(FIXTURE_MODELS, model.file), { threads: 1 })).rejects.toThrow(/manifest says \[1,3,32,32\]/);
  });

  it('refuses a file that is not a model', async () => {
    const model = manifest.models[0];
    await expect(createOnnxDetector(model, path.join(FIXTURE_MODELS, 'manifest.json'), { threads: 1 })).rejects.toThrow(/cannot load model/);
  });
});
