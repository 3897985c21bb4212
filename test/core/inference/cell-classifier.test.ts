/** The cell classifier's crops, background estimate and model contract, with the fixture colour classifier. */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backgroundRgb } from '../../../src/core/analysis/background.ts';
import { CLASSIFIER_CLASSES } from '../../../src/contracts/vocabulary.ts';
import { createCellClassifier, cropInto, type CellClassifier } from '../../../src/core/inference/cell-classifier.ts';
import { loadManifest, ModelError } from '../../../src/core/inference/manifest.ts';
import { classifierModelsDir } from '../../helpers/classifier-models.ts';

function image(width: number, height: number, paint: (x: number, y: number) => [number, number, number]) {
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) rgb.set(paint(x, y), (y * width + x) * 3);
  return { rgb, width, height };
}

describe('cropInto', () => {
  it('samples the image one to one when the crop side equals the output side', () => {
    const img = image(40, 40, (x, y) => [x * 5, y * 5, 100]);
    const out = new Float32Array(3 * 8 * 8);
    cropInto(out, 0, img, 20, 20, 8, 8, [0, 0, 0]);
    expect(out[0] * 255).toBeCloseTo(16 * 5, 3); // top-left output pixel is source (16, 16)
    expect(out[64 + 8 * 7] * 255).toBeCloseTo(23 * 5, 3); // green of row 7 is source row 23
    expect(out[128 + 5] * 255).toBeCloseTo(100, 3);
  });

  it('averages a reduced crop and fills outside the image with the background', () => {
    const img = image(100, 100, (x) => (x % 2 ? [200, 200, 200] : [0, 0, 0]));
    const out = new Float32Array(3 * 4 * 4);
    cropInto(out, 0, img, 50, 50, 40, 4, [9, 9, 9]);
    for (const v of out) expect(v * 255).toBeCloseTo(100, 0); // stripes averaged, not aliased
    cropInto(out, 0, img, -500, -500, 40, 4, [9, 18, 27]);
    expect([out[0], out[16], out[32]].map((v) => Math.round(v * 255))).toEqual([9, 18, 27]);
  });
});

describe('backgroundRgb', () => {
  it('is the mean colour of the brightest fifth of the pixels', () => {
    const img = image(100, 100, (x) => (x < 85 ? [120, 60, 90] : [230, 220, 210]));
    expect(backgroundRgb(img, 0.2, 1).map(Math.round)).toEqual([203, 180, 180]); // 15 % bright + 5 % of the next: (3 x 230 + 120) / 4, ...
    expect(backgroundRgb(img, 0.1, 1).map(Math.round)).toEqual([230, 220, 210]);
  });
});

describe('createCellClassifier', () => {
  let dir: string;
  let classifier: CellClassifier;
  beforeAll(async () => {
    dir = classifierModelsDir();
    const manifest = await loadManifest(dir);
    classifier = await createCellClassifier(manifest.cellClassifier!, path.join(dir, manifest.cellClassifier!.file), 1);
  });
  afterAll(() => classifier?.dispose());

  it('types each box from its crop', async () => {
    const bg: [number, number, number] = [225, 220, 222];
    const img = image(300, 100, (x, y) => {
      if (Math.hypot(x - 50, y - 50) < 20) return [200, 60, 90]; // red
      if (Math.hypot(x - 150, y - 50) < 20) return [80, 60, 200]; // blue
      return bg;
    });
    const probs = await classifier.classify(
      img,
      [
        [30, 30, 70, 70],
        [130, 30, 170, 70],
        [230, 30, 270, 70],
      ],
      12,
      bg,
    );
    const top = probs.map((p) => CLASSIFIER_CLASSES[p.indexOf(Math.max(...p))]);
    expect(top).toEqual(['neutrophil', 'lymphocyte', 'not_leukocyte']);
    for (const p of probs) expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(await classifier.classify(img, [], 12, bg)).toEqual([]);
  });

  it('refuses a manifest whose classifier names other classes', async () => {
    const bad = classifierModelsDir();
    const { writeFileSync, readFileSync } = await import('node:fs');
    const m = JSON.parse(readFileSync(path.join(bad, 'manifest.json'), 'utf8'));
    m.cellClassifier.classes = ['neutrophil'];
    writeFileSync(path.join(bad, 'manifest.json'), JSON.stringify(m));
    await expect(loadManifest(bad)).rejects.toThrow(ModelError);
    await expect(loadManifest(bad)).rejects.toThrow(/cellClassifier: 'classes' must be exactly/);
  });
});
