import { describe, expect, it } from 'vitest';
import { chooseStrength, trainingTarget, type StrengthCandidate } from '../../src/eval/colour-tuning.ts';

const c = (strength: number, localisationMAP: number, typedMAP: number[]): StrengthCandidate => ({ strength, localisationMAP, typedMAP });

describe('colour tuning', () => {
  it('averages the training fields statistics channel by channel', () => {
    const t = trainingTarget([
      { mean: [100, 150, 200], std: [10, 20, 30] },
      { mean: [200, 150, 100], std: [30, 20, 10] },
    ]);
    expect(t).toEqual({ mean: [150, 150, 150], std: [20, 20, 20] });
    expect(() => trainingTarget([])).toThrow(/no training fields/);
  });

  it('takes the best mean typed mAP among strengths that cost at most 0.01 localisation mAP', () => {
    const choice = chooseStrength([
      c(0, 0.766, [0.56, 0.33, 0.25]),
      c(0.5, 0.758, [0.6, 0.52, 0.32]),
      c(1, 0.685, [0.63, 0.62, 0.35]), // types best, boxes 0.08 worse: not allowed
    ]);
    expect(choice.strength).toBe(0.5);
  });

  it('keeps strength 0 when no normalisation helps the types, and the lower strength on a tie', () => {
    expect(chooseStrength([c(0, 0.7, [0.5]), c(0.5, 0.7, [0.4])]).strength).toBe(0);
    expect(chooseStrength([c(0, 0.7, [0.4]), c(0.25, 0.7, [0.5]), c(0.5, 0.7, [0.5])]).strength).toBe(0.25);
    expect(() => chooseStrength([c(0.5, 0.7, [0.5])])).toThrow(/strength 0/);
  });
});
