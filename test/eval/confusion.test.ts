import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { confusionMatrix, typedAccuracy } from '../../src/eval/confusion.ts';
import type { CocoAnnotation, CocoBbox, CocoDataset, CocoDetection } from '../../src/eval/coco-types.ts';

const NAMES = ['neutrophil', 'eosinophil', 'basophil', 'lymphocyte', 'monocyte'];
const CATEGORIES = NAMES.map((name, i) => ({ id: i + 1, name }));
const FALSE = 5;
const MISSED = 5;

type Ann = Omit<CocoAnnotation, 'id' | 'area'>;

function dataset(anns: Ann[], images = [1]): CocoDataset {
  return {
    images: images.map((id) => ({ id, width: 640, height: 480, file_name: `img${id}.png` })),
    annotations: anns.map((a, i) => ({ id: i + 1, area: a.bbox[2] * a.bbox[3], ...a })),
    categories: CATEGORIES,
  };
}

function det(category_id: number, bbox: CocoBbox, score: number, image_id = 1): CocoDetection {
  return { image_id, category_id, bbox, score };
}

function zeros(): number[][] {
  return Array.from({ length: 6 }, () => new Array<number>(6).fill(0));
}

describe('confusionMatrix', () => {
  it('labels rows and columns', () => {
    const r = confusionMatrix(dataset([]), [], { scoreThr: 0 });
    expect(r.labels).toEqual(NAMES);
    expect(r.rowLabels).toEqual([...NAMES, 'false']);
    expect(r.colLabels).toEqual([...NAMES, 'missed']);
    expect(r.matrix).toEqual(zeros());
  });

  it('counts matches, confusions, misses, duplicates, false cells and unknown-type cells', () => {
    const A: CocoBbox = [10, 10, 50, 50];
    const B: CocoBbox = [200, 10, 50, 50];
    const C: CocoBbox = [400, 10, 50, 50];
    const U: CocoBbox = [10, 300, 50, 50];
    const gt = dataset([
      { image_id: 1, category_id: 1, bbox: A },
      { image_id: 1, category_id: 4, bbox: B },
      { image_id: 1, category_id: 2, bbox: C },
      { image_id: 1, category_id: 0, bbox: U, type_unknown: true },
    ]);
    const dt = [
      det(4, [500, 400, 40, 40], 0.95), // nothing there
      det(1, A, 0.9), // right
      det(5, [205, 12, 50, 50], 0.8), // lymphocyte called monocyte
      det(1, [12, 10, 50, 50], 0.7), // duplicate on A
      det(3, U, 0.6), // on the unknown cell: neither counted nor false
      det(2, C, 0.1), // below scoreThr: C is missed
    ];
    const { matrix } = confusionMatrix(gt, dt, { scoreThr: 0.3 });
    const want = zeros();
    want[0][0] = 1;
    want[3][4] = 1;
    want[1][MISSED] = 1;
    want[FALSE][3] = 1;
    want[FALSE][0] = 1;
    expect(matrix).toEqual(want);

    // With the low-score detection admitted, C is found.
    const all = confusionMatrix(gt, dt, { scoreThr: 0 }).matrix;
    want[1][MISSED] = 0;
    want[1][1] = 1;
    expect(all).toEqual(want);
  });

  it('an unmatched unknown-type cell is not counted as missed', () => {
    const gt = dataset([{ image_id: 1, category_id: 0, bbox: [10, 10, 50, 50], type_unknown: true }]);
    expect(confusionMatrix(gt, [], { scoreThr: 0 }).matrix).toEqual(zeros());
  });

  it('matches greedily by score, not by optimal assignment', () => {
    // Two overlapping cells. The 0.9 detection sits between them (IoU 0.82 with the neutrophil,
    // 0.74 with the lymphocyte) and takes the neutrophil; the 0.8 detection overlaps only the
    // neutrophil enough (0.82; 0.48 with the lymphocyte), so it finds nothing free.
    const gt = dataset([
      { image_id: 1, category_id: 1, bbox: [100, 100, 40, 40] },
      { image_id: 1, category_id: 4, bbox: [110, 100, 40, 40] },
    ]);
    const dt = [det(4, [104, 100, 40, 40], 0.9), det(1, [96, 100, 40, 40], 0.8)];
    const want = zeros();
    want[0][3] = 1;
    want[3][MISSED] = 1;
    want[FALSE][0] = 1;
    expect(confusionMatrix(gt, dt, { scoreThr: 0 }).matrix).toEqual(want);
  });

  it('respects iouThr (IoU >= iouThr matches)', () => {
    const gt = dataset([{ image_id: 1, category_id: 5, bbox: [0, 0, 100, 100] }]);
    const dt = [det(5, [0, 0, 100, 50], 0.9)]; // IoU exactly 0.5
    const at50 = confusionMatrix(gt, dt, { scoreThr: 0 }).matrix;
    expect(at50[4][4]).toBe(1);
    const at75 = confusionMatrix(gt, dt, { iouThr: 0.75, scoreThr: 0 }).matrix;
    expect(at75[4][4]).toBe(0);
    expect(at75[4][MISSED]).toBe(1);
    expect(at75[FALSE][4]).toBe(1);
  });

  it('matches only within an image', () => {
    const gt = dataset([{ image_id: 1, category_id: 2, bbox: [0, 0, 50, 50] }], [1, 2]);
    const m = confusionMatrix(gt, [det(2, [0, 0, 50, 50], 0.9, 2)], { scoreThr: 0 }).matrix;
    expect(m[1][MISSED]).toBe(1);
    expect(m[FALSE][1]).toBe(1);
  });

  it('lets a crowd region absorb any number of detections without counting it', () => {
    const gt = dataset([
      { image_id: 1, category_id: 1, bbox: [0, 0, 40, 40] },
      { image_id: 1, category_id: 1, bbox: [200, 200, 200, 200], iscrowd: 1 },
    ]);
    const dt = [det(1, [210, 210, 30, 30], 0.9), det(3, [300, 300, 30, 30], 0.8), det(1, [0, 0, 40, 40], 0.7)];
    const want = zeros();
    want[0][0] = 1;
    expect(confusionMatrix(gt, dt, { scoreThr: 0 }).matrix).toEqual(want);
  });

  it('rejects detections on unknown images and unknown types', () => {
    const gt = dataset([]);
    expect(() => confusionMatrix(gt, [det(1, [0, 0, 5, 5], 0.5, 9)], { scoreThr: 0 })).toThrow(/image_id 9/);
    expect(() => confusionMatrix(gt, [det(6, [0, 0, 5, 5], 0.5)], { scoreThr: 0 })).toThrow(RangeError);
  });

  it('accounts for every GT cell and every detection on a realistic case', () => {
    const c = JSON.parse(readFileSync(new URL('../fixtures/coco-vectors/case10.json', import.meta.url), 'utf8')) as { gt: CocoDataset; dt: CocoDetection[] };
    const scoreThr = 0.3;
    const { matrix } = confusionMatrix(c.gt, c.dt, { scoreThr });
    for (let t = 0; t < 5; t++) {
      const rowSum = matrix[t].reduce((s, v) => s + v, 0);
      expect(rowSum).toBe(c.gt.annotations.filter((a) => a.category_id === t + 1).length);
    }
    const kept = c.dt.filter((d) => d.score >= scoreThr);
    let counted = 0;
    for (let r = 0; r < 6; r++) for (let col = 0; col < 5; col++) counted += matrix[r][col];
    expect(counted).toBe(kept.length);
    for (let col = 0; col < 5; col++) {
      let colSum = 0;
      for (let r = 0; r < 6; r++) colSum += matrix[r][col];
      expect(colSum).toBe(kept.filter((d) => d.category_id === col + 1).length);
    }
  });
});

describe('typedAccuracy', () => {
  it('is the share of the found cells of known type that are typed right; missed and false cells do not count', () => {
    const cm = confusionMatrix(dataset([]), [], { scoreThr: 0 });
    expect(typedAccuracy(cm)).toBeNull();
    cm.matrix[0][0] = 3; // 3 neutrophils right
    cm.matrix[3][4] = 1; // a lymphocyte called monocyte
    cm.matrix[1][MISSED] = 5;
    cm.matrix[FALSE][2] = 7;
    expect(typedAccuracy(cm)).toBe(0.75);
  });
});
