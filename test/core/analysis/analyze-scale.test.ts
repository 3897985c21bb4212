/**
 * The whole analysis with the fixture detectors (constant boxes in their 64x64 input) and the
 * fixture colour classifier: the scale decides whether the detectors see the field whole, on a
 * canvas or in tiles, and the classifier types what they find.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyzeField } from '../../../src/core/analysis/analyze.ts';
import { toFieldJson } from '../../../src/core/analysis/field-json.ts';
import { sameLeukocyte } from '../../../src/core/ensemble/index.ts';
import { loadEngine, type Engine } from '../../../src/core/inference/engine.ts';
import { letterboxGeometry } from '../../../src/core/inference/preprocess.ts';
import { classifierModelsDir } from '../../helpers/classifier-models.ts';

let engine: Engine;
beforeAll(async () => {
  engine = await loadEngine({
    modelsDir: classifierModelsDir({ detectorScale: { fieldRbcDiameters: [5, 7], maxTiles: 16 } }),
    backend: 'onnxruntime',
    threads: 1,
  });
});
afterAll(() => engine?.close());

/** A plain background photo, w x h, with a red disc at (cx, cy). */
async function photo(w: number, h: number, cx: number, cy: number, r: number) {
  const rgb = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) rgb.set(Math.hypot(x - cx, y - cy) < r ? [200, 60, 90] : [225, 220, 222], (y * w + x) * 3);
  }
  return sharp(rgb, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toBuffer();
}

describe('analyzeField with a scale', () => {
  it('sees a field in the band whole: the fixture boxes map as before', async () => {
    const a = await analyzeField(engine, await photo(128, 128, 32, 32, 12), { scale: { given: 7.5 / 20 } }); // 6.4 red cells
    expect(a.view).toEqual({ kind: 'whole', tiles: 1 });
    expect(a.scale).toEqual({ umPerPixel: 7.5 / 20, source: 'given', rbcCount: 0 });
    const top = a.cells.find((c) => c.box[0] < 30)!;
    // The fixture's input boxes [8, 8, 24, 24] and [9, 9, 25, 25], fused, at letterbox scale 1/2.
    top.box.forEach((v, k) => expect(Math.abs(v / 2 - [8.5, 8.5, 24.5, 24.5][k])).toBeLessThanOrEqual(0.5));
    expect(top.cellClass).toBe('neutrophil'); // the red disc
  });

  it('puts a crop spanning few red cells on a canvas: the input boxes map through the canvas letterbox', async () => {
    const png = await photo(128, 128, 64, 64, 20);
    const whole = await analyzeField(engine, png, { scale: { given: 7.5 / 20 } });
    const a = await analyzeField(engine, png, { scale: { given: 7.5 / 50 } }); // 2.56 red cells across
    expect(a.view.kind).toBe('canvas');
    const lb = letterboxGeometry(128, 128, 64, 64, { width: 250, height: 250 }); // 5 red cells of 50 px
    const toField = (v: number, pad: number) => Math.min(128, Math.max(0, (v - pad) / lb.scale));
    const expected = whole.cells
      .map((c) => c.box.map((v) => v / 2))
      .map(([x1, y1, x2, y2]) => [toField(x1, lb.padX), toField(y1, lb.padY), toField(x2, lb.padX), toField(y2, lb.padY)])
      .filter(([x1, y1, x2, y2]) => x2 - x1 >= 2 && y2 - y1 >= 2);
    expect(a.cells.map((c) => c.box.map(Math.round)).sort()).toEqual(expected.map((b) => b.map(Math.round)).sort());
  });

  it('cuts a field spanning many red cells into tiles and keeps one cell per leukocyte', async () => {
    const a = await analyzeField(engine, await photo(400, 300, 60, 60, 12), { scale: { given: 7.5 / 10 } }); // 40 red cells
    expect(a.view.kind).toBe('tiles');
    expect(a.view.tiles).toBeGreaterThan(1);
    expect(a.view.tiles).toBeLessThanOrEqual(16);
    expect(a.quality.warnings.map((w) => w.code)).toContain('scale_out_of_range'); // 0.75 um/px: too coarse to type
    expect(a.cells.length).toBeGreaterThan(0);
    // Fused once over the field: no cell carries more votes than there are members, none is found twice.
    for (const c of a.cells) expect(c.votes.reduce((x, y) => x + y, 0)).toBeLessThanOrEqual(2);
    for (let i = 0; i < a.cells.length; i++) for (let j = i + 1; j < a.cells.length; j++) expect(sameLeukocyte(a.cells[i].box, a.cells[j].box)).toBe(false);
    // A guessed or untypable scale sends every cell to a person.
    expect(a.cells.every((c) => c.review)).toBe(true);
  });

  it('warns when the scale is unknown, and says in the JSON where the scale came from', async () => {
    const a = await analyzeField(engine, await photo(128, 128, 32, 32, 12));
    expect(a.scale.source).toBe('unmeasured');
    expect(a.quality.warnings.map((w) => w.code)).toContain('scale_unmeasured');
    const json = toFieldJson(a);
    expect(json.scale).toMatchObject({ umPerPixel: null, source: 'unmeasured' });
    expect(json.typing).toBe('classifier');
    expect(json.cells[0]).toMatchObject({ class: expect.any(String), leukocyte: expect.any(Number), classProbs: expect.any(Object) });
  });

  it("types by the detectors' votes when asked", async () => {
    const a = await analyzeField(engine, await photo(128, 128, 32, 32, 12), { typing: 'detectors', scale: { given: 7.5 / 20 } });
    expect(a.typing).toBe('detectors');
    expect(a.cells.every((c) => c.classProbs === undefined)).toBe(true);
  });
});
