import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { evaluate, IOU_THRS, REC_THRS, STATS_NAMES } from '../../src/eval/coco-eval.ts';
import type { CocoAnnotation, CocoBbox, CocoDataset, CocoDetection } from '../../src/eval/coco-types.ts';

const FIXTURES = new URL('../fixtures/coco-vectors/', import.meta.url);

interface VectorCase {
  description: string;
  gt: CocoDataset;
  dt: CocoDetection[];
  expected: {
    stats: number[];
    stats_names: string[];
    per_category: Record<string, { ap: number; ap50: number; ap75: number; ar100: number }>;
  };
}

function load<T>(name: string): T {
  return JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as T;
}

const caseFiles = readdirSync(FIXTURES)
  .filter((f) => /^case\d+\.json$/.test(f))
  .sort();

function expectClose(actual: number, expected: number, what: string): void {
  if (expected === -1) expect(actual, what).toBe(-1);
  else expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(1e-6);
}

describe('parameters', () => {
  it('match the reference doubles exactly', () => {
    const params = load<{ iouThrs: number[]; recThrs: number[] }>('params.json');
    expect(IOU_THRS).toEqual(params.iouThrs);
    expect(REC_THRS).toEqual(params.recThrs);
  });
});

describe('pycocotools reference vectors', () => {
  it('has all 11 cases', () => {
    expect(caseFiles).toHaveLength(11);
  });

  it.each(caseFiles)('%s: stats and per-category metrics', (file) => {
    const c = load<VectorCase>(file);
    const res = evaluate(c.gt, c.dt);
    expect(res.statsNames).toEqual(c.expected.stats_names);
    expect(res.stats).toHaveLength(12);
    c.expected.stats.forEach((v, i) => expectClose(res.stats[i], v, `${file} ${STATS_NAMES[i]}`));
    const cats = Object.keys(c.expected.per_category);
    expect(Object.keys(res.perCategory).sort()).toEqual(cats.sort());
    for (const id of cats) {
      const exp = c.expected.per_category[id];
      const got = res.perCategory[Number(id)];
      for (const key of ['ap', 'ap50', 'ap75', 'ar100'] as const) {
        expectClose(got[key], exp[key], `${file} category ${id} ${key}`);
      }
    }
  });

  it.each(caseFiles)('%s: prCurve agrees with the per-category AP', (file) => {
    const c = load<VectorCase>(file);
    const res = evaluate(c.gt, c.dt);
    for (const [id, exp] of Object.entries(c.expected.per_category)) {
      const curve = res.precision.prCurve(0.5, Number(id));
      const mean = curve.precision.reduce((s, v) => s + v, 0) / curve.precision.length;
      expectClose(exp.ap50 === -1 ? curve.precision[0] : mean, exp.ap50, `${file} category ${id} curve@.5`);
      const c75 = res.precision.prCurve(0.75, Number(id));
      const m75 = c75.precision.reduce((s, v) => s + v, 0) / c75.precision.length;
      expectClose(exp.ap75 === -1 ? c75.precision[0] : m75, exp.ap75, `${file} category ${id} curve@.75`);
    }
  });
});

// ---- hand-made cases for the extensions

const CATEGORIES = ['neutrophil', 'eosinophil', 'basophil', 'lymphocyte', 'monocyte'].map((name, i) => ({
  id: i + 1,
  name,
  supercategory: 'leukocyte',
}));

function dataset(anns: Omit<CocoAnnotation, 'id' | 'image_id' | 'area'>[], images = [1]): CocoDataset {
  return {
    images: images.map((id) => ({ id, width: 640, height: 480, file_name: `img${id}.png` })),
    annotations: anns.map((a, i) => ({
      id: i + 1,
      image_id: images[0],
      area: a.bbox[2] * a.bbox[3],
      ...a,
    })),
    categories: CATEGORIES,
  };
}

/** Precision is tp / (tp + fp + eps), so a perfect AP is 1 - 1e-16, not 1. */
function expectPerfect(m: { ap: number; ap50: number; ap75: number; ar100: number }): void {
  for (const v of [m.ap, m.ap50, m.ap75]) expect(v).toBeCloseTo(1, 12);
  expect(m.ar100).toBe(1);
}

function det(category_id: number, bbox: CocoBbox, score: number, image_id = 1): CocoDetection {
  return { image_id, category_id, bbox, score };
}

describe('type_unknown annotations', () => {
  const cellA: CocoBbox = [100, 100, 50, 50];
  const cellB: CocoBbox = [300, 100, 50, 50];
  const unknownCell: CocoBbox = [200, 300, 50, 50];
  const withUnknown = dataset([
    { category_id: 1, bbox: cellA },
    { category_id: 4, bbox: cellB },
    { category_id: 0, bbox: unknownCell, type_unknown: true },
  ]);
  const withoutUnknown = dataset([
    { category_id: 1, bbox: cellA },
    { category_id: 4, bbox: cellB },
  ]);
  const dets = [
    det(1, [200, 300, 50, 50], 0.99), // on the unknown cell, typed neutrophil
    det(4, [200, 300, 50, 50], 0.98), // on the unknown cell, typed lymphocyte
    det(1, cellA, 0.9),
    det(4, cellB, 0.8),
  ];

  it('typed mode: detections of any type on an unknown cell are neither TP nor FP', () => {
    const res = evaluate(withUnknown, dets);
    const clean = evaluate(withoutUnknown, dets.slice(2));
    // AR@1 differs: the ignored detection still takes the one slot per image and category.
    expect(res.stats.filter((_, i) => i !== 6)).toEqual(clean.stats.filter((_, i) => i !== 6));
    expect(res.stats[6]).toBe(0);
    expectPerfect(res.perCategory[1]);
    expectPerfect(res.perCategory[4]);
    // The unknown cell is not a GT of any category: categories without GT stay -1.
    expect(res.perCategory[2].ap).toBe(-1);
    // Without the unknown annotation the same detections are false positives ahead of the TPs.
    const fps = evaluate(withoutUnknown, dets);
    expect(fps.perCategory[1].ap50).toBeCloseTo(0.5, 12);
    expect(fps.stats[0]).toBeLessThan(res.stats[0]);
  });

  it('typed mode: an unknown cell absorbs one detection per category; a duplicate is a FP', () => {
    const res = evaluate(withUnknown, [det(1, [200, 300, 50, 50], 0.99), det(1, [200, 300, 50, 50], 0.98), det(1, cellA, 0.9)]);
    // Ranked: ignored, FP, TP -> precision 0.5 at recall 1.
    expect(res.perCategory[1].ap50).toBeCloseTo(0.5, 12);
  });

  it('typed mode: a missed unknown cell costs nothing', () => {
    const res = evaluate(withUnknown, dets.slice(2));
    expect(res.stats[0]).toBeCloseTo(1, 12);
    expect(res.stats[8]).toBe(1);
  });

  it('class-agnostic mode: unknown cells are ordinary GT and types do not matter', () => {
    const missed = evaluate(withUnknown, dets.slice(2), { classAgnostic: true });
    expect(Object.keys(missed.perCategory)).toEqual(['1']);
    expect(missed.perCategory[1].ar100).toBeCloseTo(2 / 3, 12);
    expect(missed.stats[8]).toBeCloseTo(2 / 3, 12);

    // Any type matches any cell, the unknown one included.
    const res = evaluate(withUnknown, [det(1, [200, 300, 50, 50], 0.99), det(2, cellA, 0.9), det(3, cellB, 0.8)], { classAgnostic: true });
    expectPerfect(res.perCategory[1]);
    expect(res.stats[0]).toBeCloseTo(1, 12);
  });
});

describe('crowd annotations', () => {
  const cell: CocoBbox = [50, 50, 40, 40];
  const crowd: CocoBbox = [300, 200, 200, 200];
  const gt = dataset([
    { category_id: 1, bbox: cell },
    { category_id: 1, bbox: crowd, iscrowd: 1 },
  ]);

  it('ignores detections inside a crowd region, several of them, by intersection / detection area', () => {
    const dets = [
      det(1, [320, 220, 40, 40], 0.99), // well inside: IoU 0.04, inside-ratio 1
      det(1, [400, 300, 50, 50], 0.98), // another one inside
      det(1, [480, 380, 40, 40], 0.97), // 20x20 of 40x40 inside: ratio 0.25 -> FP
      det(1, [470, 220, 40, 40], 0.96), // 30x40 of 40x40 inside: ratio 0.75 -> ignored up to IoU .75
      det(1, cell, 0.5),
    ];
    const res = evaluate(gt, dets);
    // Ranked at t = 0.5: ignored, ignored, FP, ignored, TP -> precision 0.5 at recall 1.
    const c50 = res.precision.prCurve(0.5, 1);
    expect(c50.precision.every((p) => Math.abs(p - 0.5) < 1e-12)).toBe(true);
    // At t = 0.8 the fourth one is an FP too.
    const c80 = res.precision.prCurve(0.8, 1);
    expect(c80.precision.every((p) => Math.abs(p - 1 / 3) < 1e-12)).toBe(true);
    // The crowd is not a GT to find: recall is 1.
    expect(res.perCategory[1].ar100).toBe(1);
  });

  it('a crowd region is not a GT of its own: nothing matched, nothing missed', () => {
    const res = evaluate(gt, [det(1, cell, 0.5)]);
    expect(res.stats[0]).toBeCloseTo(1, 12);
    expect(res.stats[8]).toBe(1);
    const onlyCrowd = evaluate(dataset([{ category_id: 1, bbox: crowd, iscrowd: 1 }]), [det(1, crowd, 0.9)]);
    expect(onlyCrowd.perCategory[1].ap).toBe(-1);
    expect(onlyCrowd.stats[0]).toBe(-1);
  });
});

describe('prCurve', () => {
  const c = load<VectorCase>('case10.json');
  const res = evaluate(c.gt, c.dt);

  it('has 101 points at the recall thresholds, non-increasing precision in [0, 1]', () => {
    for (const t of IOU_THRS) {
      for (const cat of [undefined, 1, 2, 3, 4, 5]) {
        const { recall, precision } = res.precision.prCurve(t, cat);
        expect(recall).toEqual(REC_THRS);
        expect(precision).toHaveLength(101);
        for (let i = 0; i < precision.length; i++) {
          expect(precision[i]).toBeGreaterThanOrEqual(0);
          expect(precision[i]).toBeLessThanOrEqual(1);
          if (i > 0) expect(precision[i]).toBeLessThanOrEqual(precision[i - 1]);
        }
      }
    }
  });

  it('without a category is the mean over the categories that have GT', () => {
    const curves = [1, 2, 3, 4, 5].filter((k) => res.perCategory[k].ap !== -1).map((k) => res.precision.prCurve(0.75, k).precision);
    const mean = res.precision.prCurve(0.75).precision;
    mean.forEach((v, r) => {
      expect(v).toBeCloseTo(curves.reduce((s, cu) => s + cu[r], 0) / curves.length, 12);
    });
    const all = mean.reduce((s, v) => s + v, 0) / mean.length;
    expect(all).toBeCloseTo(c.expected.stats[2], 6);
  });

  it('accepts 0.9 for the threshold 0.8999999999999999 and rejects others', () => {
    expect(res.precision.prCurve(0.9)).toEqual(res.precision.prCurve(IOU_THRS[8]));
    expect(() => res.precision.prCurve(0.52)).toThrow(RangeError);
    expect(() => res.precision.prCurve(0.5, 9)).toThrow(RangeError);
  });

  it('is -1 for a category without GT', () => {
    const c4 = load<VectorCase>('case04.json');
    const r4 = evaluate(c4.gt, c4.dt);
    expect(r4.precision.prCurve(0.5, 3).precision.every((v) => v === -1)).toBe(true);
  });
});

describe('inputs', () => {
  it('rejects detections on images the ground truth does not have', () => {
    expect(() => evaluate(dataset([]), [det(1, [0, 0, 10, 10], 0.5, 7)])).toThrow(/image_id 7/);
  });

  it('gives -1 everywhere for an empty evaluation', () => {
    const res = evaluate(dataset([]), []);
    expect(res.stats).toEqual(new Array(12).fill(-1));
  });

  it('does not depend on the order of the images list', () => {
    const c = load<VectorCase>('case10.json');
    const shuffled = { ...c.gt, images: [...c.gt.images].reverse() };
    expect(evaluate(shuffled, c.dt).stats).toEqual(evaluate(c.gt, c.dt).stats);
  });
});
