import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { createTensorRtBackend, TensorRtDetector } from '../../../../src/core/inference/tensorrt/index.ts';
import { fakeAddon, type FakeAddon } from './fake-addon.ts';

type Logged = [string, string][];

function setup(fake: FakeAddon, logged: Logged = []) {
  const modelsDir = mkdtempSync(path.join(tmpdir(), 'leukodiff-models-'));
  const onnx = Buffer.from('not really onnx');
  writeFileSync(path.join(modelsDir, 'yolo-n.onnx'), onnx);
  const model = { id: 'yolo-n', file: 'yolo-n.onnx', sha256: createHash('sha256').update(onnx).digest('hex'), input: [64, 64] as [number, number] };
  const backend = createTensorRtBackend({ modelsDir, addon: fake.load, log: (level, msg) => logged.push([level, msg]) });
  return { modelsDir, model, modelPath: path.join(modelsDir, model.file), backend };
}

describe('createTensorRtBackend', () => {
  let fake: FakeAddon;
  beforeEach(() => {
    fake = fakeAddon();
  });

  it('reports the status of the addon', () => {
    const { backend } = setup(fake);
    expect(backend.status).toEqual({ available: true, reason: fake.load.reason, version: '10.3.0', gpu: 'Fake (sm_87, 8 SMs)' });
  });

  it('refuses to create a detector where TensorRT is unavailable', async () => {
    const { model, modelPath, modelsDir } = setup(fake);
    const backend = createTensorRtBackend({ modelsDir, log: () => {}, addon: { available: false, reason: 'addon not built' } });
    expect(backend.status).toEqual({ available: false, reason: 'addon not built' });
    await expect(backend.createDetector(model, modelPath)).rejects.toThrow('TensorRT unavailable: addon not built');
  });

  it('builds the engine on first use into models/engines, then loads the cached one', async () => {
    const logged: Logged = [];
    const { backend, model, modelPath, modelsDir } = setup(fake, logged);
    const first = await backend.createDetector(model, modelPath);
    expect(first).toBeInstanceOf(TensorRtDetector);
    expect(fake.calls.build).toEqual([modelPath]);
    expect((await readdir(path.join(modelsDir, 'engines'))).filter((f) => f.endsWith('.engine'))).toHaveLength(1);
    const second = await backend.createDetector(model, modelPath);
    expect(fake.calls.build).toHaveLength(1);
    expect(fake.calls.load).toHaveLength(2);
    expect(logged.map(([, m]) => m).join('\n')).toMatch(/engine built in .* s \(fp16\)[\s\S]*cached engine loaded \(fp16\)/);
    await Promise.all([first.dispose(), second.dispose()]);
  });

  it('runs the detector and returns the raw outputs of the contract', async () => {
    const { backend, model, modelPath } = setup(fake);
    const detector = await backend.createDetector(model, modelPath);
    expect(detector.inputSize).toEqual([64, 64]);
    const input = new Float32Array(3 * 64 * 64).fill(1);
    const out = await detector.run(input);
    expect(out.count).toBe(6);
    expect(out.boxes).toHaveLength(24);
    expect(out.scores).toHaveLength(30);
    expect(out.boxes[0]).toBe(1);
    await expect(detector.run(new Float32Array(10))).rejects.toThrow(/expected a \[1,3,64,64\] tensor/);
    await detector.dispose();
    expect(fake.calls.released).toBe(1);
    await expect(detector.run(input)).rejects.toThrow(/disposed/);
    await detector.dispose();
    expect(fake.calls.released).toBe(1);
  });

  it('rebuilds a damaged cached engine', async () => {
    const { backend, model, modelPath, modelsDir } = setup(fake);
    await (await backend.createDetector(model, modelPath)).dispose();
    const engines = path.join(modelsDir, 'engines');
    const file = (await readdir(engines)).find((f) => f.endsWith('.engine'))!;
    await writeFile(path.join(engines, file), 'FAKE-ENGINE 64 64 7'); // same size class, other bytes
    const detector = await backend.createDetector(model, modelPath);
    expect(fake.calls.build).toHaveLength(2);
    await detector.dispose();
  });

  it('does not build an engine from a model file that does not match its sha256', async () => {
    const { backend, model, modelPath, modelsDir } = setup(fake);
    await writeFile(modelPath, 'replaced');
    await expect(backend.createDetector(model, modelPath)).rejects.toThrow(/does not match its sha256/);
    expect(fake.calls.build).toHaveLength(0);
    expect(await readdir(path.join(modelsDir, 'engines')).catch(() => [])).toEqual([]);
  });

  it("rejects an engine whose input is not the manifest's and frees it", async () => {
    fake = fakeAddon({ engineInput: [32, 32] });
    const { backend, model, modelPath } = setup(fake);
    await expect(backend.createDetector(model, modelPath)).rejects.toThrow(/input is \[1,3,32,32\], the manifest says \[1,3,64,64\]/);
    expect(fake.calls.released).toBe(1);
  });

  it("forwards TensorRT's log messages to the logger", () => {
    const logged: Logged = [];
    setup(fake, logged);
    fake.emitLog('warn', 'Using an engine plan file across different models of devices is not recommended');
    expect(logged).toEqual([['warn', 'tensorrt: Using an engine plan file across different models of devices is not recommended']]);
  });

  it('builds one engine at a time', async () => {
    const { backend, model, modelPath } = setup(fake);
    let running = 0;
    let most = 0;
    const build = fake.load.addon!.TrtEngine!.build;
    fake.load.addon!.TrtEngine!.build = async (...args) => {
      most = Math.max(most, ++running);
      await new Promise((r) => setTimeout(r, 20));
      running--;
      return build(...args);
    };
    const other = { ...model, id: 'other' };
    const detectors = await Promise.all([backend.createDetector(model, modelPath), backend.createDetector(other, modelPath)]);
    expect(most).toBe(1);
    expect(fake.calls.build).toHaveLength(2);
    await Promise.all(detectors.map((d) => d.dispose()));
  });
});
