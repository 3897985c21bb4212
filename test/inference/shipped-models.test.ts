import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEngine, type Engine } from '../../src/inference/engine.ts';
import { sha256File } from '../../src/inference/manifest.ts';
import { recordDetections, REGRESSION_FILE } from '../../scripts/record-model-regression.ts';
import { SHIPPED_MODELS } from '../helpers/paths.ts';

// The committed detectors: they load, honour the contract, match their sha256 and still find what
// was recorded on two demo fields (a regression guard, not an accuracy test).
describe('shipped models', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await loadEngine({ modelsDir: SHIPPED_MODELS, backend: 'onnxruntime', threads: 1 });
  });
  afterAll(() => engine?.close());

  it('are three members within the per-member budgets (<= 10 MB, <= 3 GFLOPs)', async () => {
    const { models, ensemble } = engine.manifest;
    expect(ensemble.members).toHaveLength(3);
    for (const m of models) {
      const file = path.join(SHIPPED_MODELS, m.file);
      expect(readFileSync(file).length).toBe(m.sizeBytes);
      expect(m.sizeBytes!).toBeLessThanOrEqual(10e6);
      expect(m.gflops!).toBeGreaterThan(0);
      expect(m.gflops!).toBeLessThanOrEqual(3);
      expect(await sha256File(file)).toBe(m.sha256);
    }
  });

  it('give the detections recorded for two demo fields', async () => {
    const recorded = JSON.parse(readFileSync(REGRESSION_FILE, 'utf8'));
    const now = await recordDetections(engine);
    // A new model set must be recorded anew (scripts/record-model-regression.ts).
    expect(now.models).toEqual(recorded.models);
    for (const [name, field] of Object.entries(recorded.fields) as [string, any][]) {
      const got = (now.fields as Record<string, any>)[name];
      for (const [id, dets] of Object.entries(field.members) as [string, any[]][]) {
        expect(got.members[id].length, `${name} ${id}`).toBe(dets.length);
        dets.forEach((d, i) => {
          const g = got.members[id][i];
          expect(g.type).toBe(d.type);
          expect(Math.abs(g.score - d.score)).toBeLessThanOrEqual(0.002);
          g.box.forEach((v: number, k: number) => expect(Math.abs(v - d.box[k])).toBeLessThanOrEqual(0.5));
        });
      }
      expect(got.cells.map((c: any) => c.type)).toEqual(field.cells.map((c: any) => c.type));
      expect(got.cells.map((c: any) => c.votes)).toEqual(field.cells.map((c: any) => c.votes));
    }
  });
});
