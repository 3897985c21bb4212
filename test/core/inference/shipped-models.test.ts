import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEngine, type Engine } from '../../../src/core/inference/engine.ts';
import { sha256File } from '../../../src/core/inference/manifest.ts';
import { recordDetections, REGRESSION_FIELDS, REGRESSION_FILE } from '../../../scripts/record-model-regression.ts';
import sharp from 'sharp';
import { analyzeField } from '../../../src/core/analysis/analyze.ts';
import { backgroundRgb } from '../../../src/core/analysis/background.ts';
import { detectInView } from '../../../src/core/analysis/detect.ts';
import type { DetectorView } from '../../../src/core/analysis/detector-view.ts';
import { decodeImage } from '../../../src/core/analysis/image-input.ts';
import { DEMO_IMAGES, SHIPPED_MODELS } from '../../helpers/paths.ts';

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
    expect(now.colourNormalisation).toEqual(recorded.colourNormalisation);
    expect(now.detectorScale).toEqual(recorded.detectorScale);
    expect(now.cellClassifier).toEqual(recorded.cellClassifier);
    for (const [name, field] of Object.entries(recorded.fields) as [string, any][]) {
      const got = (now.fields as Record<string, any>)[name];
      expect(got.scale.source).toBe(field.scale.source);
      expect(got.scale.view).toBe(field.scale.view);
      expect(Math.abs(got.scale.umPerPixel - field.scale.umPerPixel)).toBeLessThanOrEqual(1e-4);
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
      expect(got.cells.map((c: any) => c.class)).toEqual(field.cells.map((c: any) => c.class));
      expect(got.cells.map((c: any) => c.votes)).toEqual(field.cells.map((c: any) => c.votes));
    }
  });

  it('white-balance every view of a field (whole, canvas, tiles): a blue light barely moves the scores', async () => {
    const img = await decodeImage(path.join(DEMO_IMAGES, REGRESSION_FIELDS[0]));
    const rgb = await sharp(img.rgb, { raw: { width: img.width, height: img.height, channels: 3 } })
      .linear([0.8, 1, 1.2], [0, 0, 0]) // saturates nothing on this field
      .raw()
      .toBuffer();
    const blue = { ...img, rgb };
    const views: DetectorView[] = [
      { kind: 'whole' },
      { kind: 'canvas', width: 960, height: 720 },
      {
        kind: 'tiles',
        tiles: [
          [0, 0, 400, 480],
          [240, 0, 640, 480],
        ],
        capped: false,
      },
    ];
    const worstScoreChange = async (view: DetectorView) => {
      const scores = async (f: typeof img) => (await detectInView(engine, f, view, backgroundRgb(f))).members.flatMap((m) => m.detections.map((d) => d.score));
      const [a, b] = [await scores(img), await scores(blue)];
      expect(b.length).toBe(a.length);
      return Math.max(...a.map((v, i) => Math.abs(v - b[i])));
    };
    const norm = engine.manifest.colourNormalisation!;
    for (const view of views) expect(await worstScoreChange(view)).toBeLessThan(0.035); // measured 0.008-0.024
    const { background, ...withoutWhiteBalance } = norm;
    expect(background).toBeDefined();
    try {
      engine.manifest.colourNormalisation = withoutWhiteBalance;
      for (const view of views) expect(await worstScoreChange(view)).toBeGreaterThan(0.04); // measured 0.046-0.090
    } finally {
      engine.manifest.colourNormalisation = norm;
    }
  });

  it('normalise the colours as the manifest says before the members run', async () => {
    const norm = engine.manifest.colourNormalisation;
    expect(norm?.strength).toBeGreaterThan(0);
    const file = path.join(DEMO_IMAGES, REGRESSION_FIELDS[0]);
    const scores = async () => (await analyzeField(engine, file)).members.flatMap((m) => m.detections.map((d) => d.score));
    const withIt = await scores();
    try {
      delete engine.manifest.colourNormalisation;
      const without = await scores();
      const moved = withIt.length !== without.length || withIt.some((v, i) => Math.abs(v - without[i]) > 0.002);
      expect(moved).toBe(true);
    } finally {
      engine.manifest.colourNormalisation = norm;
    }
  });
});
