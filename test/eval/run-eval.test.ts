import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLeukocyteSplit, toCocoDetections } from '../../src/eval/run-eval.ts';
import type { FusedCell } from '../../src/core/types.ts';

describe('toCocoDetections', () => {
  // The members split on the type (low confidence) but are sure it is a white cell.
  const cell: FusedCell = { box: [10, 20, 50, 80], type: 3, confidence: 0.3, votes: [1, 0, 0, 1, 0], agreement: 0.5, support: 2, leukocyte: 0.9 };

  it('ranks a typed cell by its type confidence, in xywh with the 1-based type as category', () => {
    expect(toCocoDetections(7, [cell], true)).toEqual([{ image_id: 7, category_id: 4, bbox: [10, 20, 40, 60], score: 0.3 }]);
  });

  it('ranks a class-agnostic leukocyte by its leukocyte probability', () => {
    expect(toCocoDetections(7, [cell], false)).toEqual([{ image_id: 7, category_id: 1, bbox: [10, 20, 40, 60], score: 0.9 }]);
  });
});

describe('loadLeukocyteSplit', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'leukodiff-split-'));
  const dataset = (info?: { image_root: string }) => ({
    ...(info ? { info } : {}),
    images: [{ id: 1, file_name: 'a.jpg', width: 100, height: 80 }],
    annotations: [
      { id: 1, image_id: 1, category_id: 2, bbox: [1, 2, 30, 30], area: 900, iscrowd: 0 },
      { id: 2, image_id: 1, category_id: 1, bbox: [50, 40, 5, 5], area: 25, iscrowd: 0 },
    ],
    categories: [
      { id: 1, name: 'Platelets' },
      { id: 2, name: 'WBC' },
    ],
  });

  it("keeps only the leukocytes, untyped, and takes the images from the dataset file's folder", async () => {
    const file = path.join(dir, 'plain.json');
    writeFileSync(file, JSON.stringify(dataset()));
    const split = await loadLeukocyteSplit(file);
    expect(split.typed).toBe(false);
    expect(split.imageRoot).toBe(dir);
    expect(split.gt.annotations.map((a) => [a.id, a.category_id])).toEqual([[1, 1]]);
  });

  it("takes the images from the dataset's image_root when it names one", async () => {
    const file = path.join(dir, 'rooted.json');
    writeFileSync(file, JSON.stringify(dataset({ image_root: '/data/fields' })));
    expect((await loadLeukocyteSplit(file)).imageRoot).toBe('/data/fields');
  });
});
