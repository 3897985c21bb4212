import { describe, expect, it } from 'vitest';
import { selectBackend } from '../../../src/core/inference/backend.ts';
import { loadEngine } from '../../../src/core/inference/engine.ts';
import { ModelError } from '../../../src/core/inference/manifest.ts';
import { FIXTURE_MODELS } from '../../helpers/paths.ts';

// This machine has no TensorRT: the addon is the stub that says so.
describe('backend selection', () => {
  const opts = { modelsDir: FIXTURE_MODELS, threads: 1, log: () => {} };

  it('auto falls back to onnxruntime and says why', () => {
    const b = selectBackend('auto', opts);
    expect(b.choice.name).toBe('onnxruntime');
    expect(b.choice.reason).toMatch(/^TensorRT unavailable \(.+\); using onnxruntime on the CPU$/);
  });

  it('onnxruntime when configured so', () => {
    expect(selectBackend('onnxruntime', opts).choice.reason).toMatch(/backend=onnxruntime/);
  });

  it('forcing tensorrt where it is unavailable is a clear startup error', () => {
    expect(() => selectBackend('tensorrt', opts)).toThrow(ModelError);
    expect(() => selectBackend('tensorrt', opts)).toThrow(/backend=tensorrt was asked for but TensorRT is unavailable: .+ Use backend=auto or onnxruntime/);
  });

  it('the engine loads every model on the chosen backend and reports it', async () => {
    const engine = await loadEngine({ modelsDir: FIXTURE_MODELS, backend: 'auto', threads: 1 });
    try {
      expect(engine.backend.name).toBe('onnxruntime');
      expect([...engine.detectors.keys()]).toEqual(['fixed-a', 'fixed-b']);
    } finally {
      await engine.close();
    }
  });
});
