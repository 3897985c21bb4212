import { describe, expect, it } from 'vitest';
import type { CocoAnnotation, CocoBbox, CocoDataset, CocoDetection } from '../../src/eval/coco-types.ts';
import { duplicatesPer100 } from '../../src/eval/duplicates.ts';

type Ann = Omit<CocoAnnotation, 'id' | 'area'>;

function dataset(anns: Ann[], images = [1]): CocoDataset {
  return {
    images: images.map((id) => ({ id, width: 640, height: 480, file_name: `img${id}.png` })),
    annotations: anns.map((a, i) => ({ id: i + 1, area: a.bbox[2] * a.bbox[3], ...a })),
    categories: [{ id: 1, name: 'leukocyte' }],
  };
}
const det = (bbox: CocoBbox, score: number, image_id = 1, category_id = 1): CocoDetection => ({ image_id, category_id, bbox, score });

describe('duplicatesPer100', () => {
  const A: CocoBbox = [100, 100, 40, 40];
  const B: CocoBbox = [200, 100, 40, 40];
  const C: CocoBbox = [300, 100, 40, 40];
  const D: CocoBbox = [0, 0, 50, 50];
  const gt = dataset(
    [
      { image_id: 1, category_id: 1, bbox: A },
      { image_id: 1, category_id: 1, bbox: B },
      { image_id: 1, category_id: 1, bbox: C },
      { image_id: 1, category_id: 1, bbox: [400, 300, 100, 100], iscrowd: 1 },
      { image_id: 2, category_id: 1, bbox: D },
    ],
    [1, 2],
  );

  it('counts the detections on a labelled cell that a higher-scored detection found, per 100 labelled cells', () => {
    const dt = [
      det(A, 0.9), // finds A
      det([104, 100, 40, 40], 0.8, 1, 3), // IoU 0.82 with A, taken: duplicate 1 (its type does not matter)
      det([110, 110, 20, 20], 0.7), // IoU 0.25, but its centre and all of it inside A: duplicate 2
      det([190, 90, 60, 60], 0.6), // IoU 0.44 with B and only 0.44 of it inside: a false cell
      det(B, 0.5), // finds B
      det([198, 100, 40, 40], 0.4), // IoU 0.90 with B, taken: duplicate 3
      det([410, 310, 30, 30], 0.6), // in the crowd region: nothing
      det([420, 320, 30, 30], 0.5), // in the crowd region: nothing
      det([5, 5, 20, 20], 0.95, 2), // inside D, which nothing had found yet: a false cell, not a duplicate
      det(D, 0.3, 2), // finds D
      det([500, 400, 30, 30], 0.2, 2), // nothing there
    ];
    // C is missed; 4 labelled cells (the crowd region is none), 3 duplicates.
    expect(duplicatesPer100(gt, dt)).toBe(75);
  });

  it('ranks by score, whatever the input order', () => {
    const dt = [det([198, 100, 40, 40], 0.4), det([104, 100, 40, 40], 0.8), det(B, 0.5), det(A, 0.9)];
    expect(duplicatesPer100(gt, dt)).toBe(50);
  });

  it('lets a detection take a free cell before it counts as a duplicate of a taken one', () => {
    // Two overlapping cells: the 0.9 detection takes the left one (IoU 0.82; 0.74 with the right
    // one), the 0.8 detection takes the right one (IoU 0.74) although it overlaps the left one too.
    const pair = dataset([
      { image_id: 1, category_id: 1, bbox: [100, 100, 40, 40] },
      { image_id: 1, category_id: 1, bbox: [110, 100, 40, 40] },
    ]);
    expect(duplicatesPer100(pair, [det([104, 100, 40, 40], 0.9), det([106, 100, 40, 40], 0.8)])).toBe(0);
    // Shifted to the left instead (IoU 0.48 with the right cell), the second one finds nothing free.
    expect(duplicatesPer100(pair, [det([104, 100, 40, 40], 0.9), det([96, 100, 40, 40], 0.8)])).toBe(50);
  });

  it('is 0 without labelled cells or detections, and refuses a detection on an unknown image', () => {
    expect(duplicatesPer100(dataset([]), [det(A, 0.9)])).toBe(0);
    expect(duplicatesPer100(gt, [])).toBe(0);
    expect(() => duplicatesPer100(gt, [det(A, 0.9, 7)])).toThrow(/image_id 7/);
  });
});
