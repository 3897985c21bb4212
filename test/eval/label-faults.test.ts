import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/eval/coco-eval.ts';
import type { CocoDataset, CocoDetection } from '../../src/eval/coco-types.ts';
import { fromCocoBbox, ignoreLabelFaults, missesAtIoU50, parseLabelFaults } from '../../src/eval/label-faults.ts';

// One field: a real cell (labelled), a platelet wrongly labelled WBC, and a neutrophil nobody labelled.
const gt: CocoDataset = {
  images: [{ id: 7, file_name: 'test/a.jpg', width: 400, height: 300 }],
  annotations: [
    { id: 1, image_id: 7, category_id: 1, bbox: [10, 10, 100, 100], area: 10000, iscrowd: 0 },
    { id: 2, image_id: 7, category_id: 1, bbox: [300, 250, 20, 12], area: 240, iscrowd: 0 },
  ],
  categories: [{ id: 1, name: 'WBC' }],
};
const detections: CocoDetection[] = [
  { image_id: 7, category_id: 1, bbox: [12, 11, 98, 100], score: 0.9 },
  { image_id: 7, category_id: 1, bbox: [200, 40, 90, 95], score: 0.8 },
];
const faults = parseLabelFaults({
  faults: [
    { file: 'test/a.jpg', box: [300, 250, 320, 262], fault: 'a platelet boxed as WBC' },
    { file: 'test/a.jpg', box: [198, 42, 292, 134], fault: 'a neutrophil with no WBC box' },
  ],
});

describe('label faults', () => {
  it('turns the wrong label into an ignore region and adds one where a cell has no label', () => {
    const fixed = ignoreLabelFaults(gt, faults);
    expect(fixed.annotations.map((a) => [a.id, a.iscrowd])).toEqual([
      [1, 0],
      [2, 1],
      [3, 1],
    ]);
    expect(fixed.annotations[2].bbox).toEqual([198, 42, 94, 92]);
    expect(gt.annotations[1].iscrowd).toBe(0); // the input is left as it was
  });

  it('lets neither fault count for or against the detector', () => {
    const asLabelled = evaluate(gt, detections, { classAgnostic: true }).stats;
    const fixed = evaluate(ignoreLabelFaults(gt, faults), detections, { classAgnostic: true }).stats;
    expect(asLabelled[1]).toBeLessThan(0.6); // AP50: a missed label and a confident unlabelled cell
    expect(fixed[1]).toBeCloseTo(1, 6);
  });

  it('refuses a fault on an image the dataset lacks, and a malformed entry, naming it', () => {
    expect(() => ignoreLabelFaults(gt, [{ file: 'test/b.jpg', box: [0, 0, 1, 1], fault: 'x' }])).toThrow(/test\/b.jpg/);
    expect(() => parseLabelFaults({ faults: [{ file: 'a.jpg', box: [5, 5, 1, 1], fault: 'x' }] })).toThrow(/faults\[0\]/);
    expect(() => parseLabelFaults([])).toThrow(/"faults"/);
  });
});

describe('misses at IoU 0.5', () => {
  it('lists the labels no detection matched and the confident detections no label matched', () => {
    const labels = gt.annotations.map((a) => fromCocoBbox(a.bbox));
    const dets = detections.map((d) => ({ box: fromCocoBbox(d.bbox), score: d.score }));
    expect(missesAtIoU50(labels, dets, 0.3)).toEqual([
      { kind: 'unlabelled', box: [200, 40, 290, 135], score: 0.8 },
      { kind: 'not found', box: [300, 250, 320, 262] },
    ]);
    expect(missesAtIoU50(labels, dets, 0.85).map((m) => m.kind)).toEqual(['not found']);
  });

  it('gives a label to the more confident of two detections on it, the other is a miss', () => {
    const label = fromCocoBbox([10, 10, 100, 100]);
    const misses = missesAtIoU50(
      [label],
      [
        { box: [10, 10, 108, 110], score: 0.4 },
        { box: label, score: 0.7 },
      ],
      0.3,
    );
    expect(misses).toEqual([{ kind: 'unlabelled', box: [10, 10, 108, 110], score: 0.4 }]);
  });
});
