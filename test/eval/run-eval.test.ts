import { describe, expect, it } from 'vitest';
import { toCocoDetections } from '../../src/eval/run-eval.ts';
import type { FusedCell } from '../../src/types.ts';

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
