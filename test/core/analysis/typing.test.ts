/** How the classifier's probabilities become a cell's class, its review flag and its rankings. */
import { describe, expect, it } from 'vitest';
import { differential } from '../../../src/core/analysis/analyze.ts';
import { classified, REVIEW_BELOW_PROBABILITY } from '../../../src/core/analysis/typing.ts';
import { CLASSIFIER_CLASSES } from '../../../src/contracts/vocabulary.ts';
import type { FusedCell } from '../../../src/core/types.ts';

const cell: FusedCell = { box: [0, 0, 10, 10], type: 1, confidence: 0.7, votes: [0, 3, 0, 0, 0], agreement: 1, support: 3, leukocyte: 0.9 };
const probs = (pairs: Partial<Record<(typeof CLASSIFIER_CLASSES)[number], number>>) => CLASSIFIER_CLASSES.map((c) => pairs[c] ?? 0);

describe('classified', () => {
  it("takes the classifier's type over the detectors' and ranks by both", () => {
    const c = classified(cell, probs({ lymphocyte: 0.9, monocyte: 0.05, not_leukocyte: 0.05 }), 0.5);
    expect(c).toMatchObject({ type: 3, cellClass: 'lymphocyte', review: false });
    expect(c.confidence).toBeCloseTo(0.9 * 0.9, 10);
    expect(c.leukocyte).toBeCloseTo(0.9 * 0.95, 10);
    expect(c.votes).toEqual(cell.votes);
    expect(c.classProbs!.lymphocyte).toBeCloseTo(0.9, 6);
  });

  it('sends an unsure type to review, and calls a very unsure cell unidentified', () => {
    expect(classified(cell, probs({ monocyte: REVIEW_BELOW_PROBABILITY - 0.1, lymphocyte: 0.3 }), 0.5)).toMatchObject({ cellClass: 'monocyte', review: true });
    expect(classified(cell, probs({ monocyte: 0.45, lymphocyte: 0.4, basophil: 0.15 }), 0.5)).toMatchObject({ cellClass: 'unidentified', type: 4, review: true });
  });

  it('keeps immature granulocytes, erythroblasts and non-leukocytes out of the five and in review', () => {
    for (const name of ['immature_granulocyte', 'erythroblast', 'not_leukocyte'] as const) {
      const c = classified(cell, probs({ [name]: 0.85, neutrophil: 0.1, eosinophil: 0.05 }), 0.5);
      expect(c).toMatchObject({ cellClass: name, type: 0, review: true });
    }
  });
});

describe('differential', () => {
  it('counts only the five types', () => {
    const d = differential([
      { type: 0, cellClass: 'neutrophil' },
      { type: 0, cellClass: 'immature_granulocyte' },
      { type: 3, cellClass: 'unidentified' },
      { type: 3, cellClass: 'lymphocyte' },
      { type: 1 },
    ]);
    expect(d.total).toBe(3);
    expect(d.counts).toMatchObject({ neutrophil: 1, lymphocyte: 1, eosinophil: 1 });
  });
});
