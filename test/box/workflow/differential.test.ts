import { describe, expect, it } from 'vitest';
import type { CellClass } from '../../../src/contracts/vocabulary.ts';
import type { CellSource } from '../../../src/box/store/types.ts';
import { computeDifferential, wilson95 } from '../../../src/box/workflow/differential.ts';
import { ADULT_RANGES, type Settings } from '../../../src/box/workflow/settings.ts';

const settings: Pick<Settings, 'targetCount' | 'referenceRanges'> = { targetCount: 100, referenceRanges: ADULT_RANGES };
let n = 0;
const cells = (type: CellClass, count: number, flagged = false, reviewed = false, source: CellSource = 'automatic') =>
  Array.from({ length: count }, () => ({ id: `c${++n}`, type, flagged, reviewedAt: reviewed ? '2026-01-01T00:00:00Z' : null, source }));
const row = (d: ReturnType<typeof computeDifferential>, type: string) => d.rows.find((r) => r.type === type)!;

describe('computeDifferential', () => {
  it('counts the five types and unclassified cells as leukocytes, not "not a leukocyte"', () => {
    const d = computeDifferential(
      [...cells('neutrophil', 60), ...cells('lymphocyte', 30), ...cells('monocyte', 5), ...cells('eosinophil', 3), ...cells('basophil', 1), ...cells('unclassified', 1), ...cells('not_leukocyte', 7)],
      settings,
      null,
    );
    expect(d.counted).toBe(100);
    expect(d.notLeukocyte).toBe(7);
    expect(d.rows.map((r) => [r.type, r.count, r.percent])).toEqual([
      ['neutrophil', 60, 60],
      ['eosinophil', 3, 3],
      ['basophil', 1, 1],
      ['lymphocyte', 30, 30],
      ['monocyte', 5, 5],
      ['band', 0, 0],
      ['immature_granulocyte', 0, 0],
      ['blast', 0, 0],
      ['reactive_lymphocyte', 0, 0],
      ['unclassified', 1, 1],
    ]);
    expect(d.targetReached).toBe(true);
    expect(d.rows.every((r) => r.flag === null)).toBe(true);
    expect(d.flags).toEqual(['1 unidentified cell: identify on the smear']);
    expect(d.attention).toEqual([]);
  });

  it('counts band, immature granulocyte, blast and reactive lymphocyte as leukocytes on their own rows; band apart from the neutrophils', () => {
    const d = computeDifferential(
      [
        ...cells('neutrophil', 50),
        ...cells('band', 8, false, false, 'corrected'),
        ...cells('immature_granulocyte', 2, false, false, 'corrected'),
        ...cells('blast', 3, false, false, 'corrected'),
        ...cells('reactive_lymphocyte', 7, false, false, 'corrected'),
        ...cells('lymphocyte', 20),
        ...cells('monocyte', 10),
      ],
      settings,
      10,
    );
    // 100 leukocytes: the target is reached with the other leukocytes in the count.
    expect(d).toMatchObject({ counted: 100, targetReached: true });
    expect(d.rows.map((r) => [r.type, r.count, r.percent])).toEqual([
      ['neutrophil', 50, 50],
      ['eosinophil', 0, 0],
      ['basophil', 0, 0],
      ['lymphocyte', 20, 20],
      ['monocyte', 10, 10],
      ['band', 8, 8],
      ['immature_granulocyte', 2, 2],
      ['blast', 3, 3],
      ['reactive_lymphocyte', 7, 7],
      ['unclassified', 0, 0],
    ]);
    expect(d.rows.reduce((sum, r) => sum + r.percent, 0)).toBe(100);
    // Band is not in the neutrophil percentage: 50 %, not 58 %.
    expect(row(d, 'band')).toMatchObject({ absolute: 0.8, range: null, flag: null, ci95: wilson95(8, 100) });
    expect(d.attention).toEqual([
      { type: 'blast', count: 3 },
      { type: 'immature_granulocyte', count: 2 },
    ]);
    expect(d.flags.slice(0, 2)).toEqual(["blasts present (3 of 100 leukocytes): for a haematologist's review", "immature granulocytes present (2 of 100 leukocytes): for a haematologist's review"]);
  });

  it('keeps NRBC and smudge cells out of the count, each per 100 leukocytes; NRBC asks for a haematologist', () => {
    const d = computeDifferential(
      [...cells('neutrophil', 40), ...cells('lymphocyte', 40), ...cells('nrbc', 5, false, false, 'corrected'), ...cells('smudge', 12, false, false, 'corrected'), ...cells('not_leukocyte', 3)],
      settings,
      null,
    );
    expect(d.counted).toBe(80);
    expect(d.targetReached).toBe(false);
    expect(row(d, 'neutrophil').percent).toBe(50);
    expect(d.rows.some((r) => (r.type as string) === 'nrbc' || (r.type as string) === 'smudge')).toBe(false);
    expect(d.nonLeukocytes).toEqual([
      { type: 'nrbc', count: 5, per100: 6.3 },
      { type: 'smudge', count: 12, per100: 15 },
    ]);
    expect(d.notLeukocyte).toBe(3);
    expect(d.attention).toEqual([{ type: 'nrbc', count: 5 }]);
    expect(d.flags[0]).toBe("NRBC present (6.3 per 100 leukocytes): for a haematologist's review");
    const none = computeDifferential(cells('nrbc', 2, false, false, 'corrected'), settings, null);
    expect(none.nonLeukocytes[0]).toEqual({ type: 'nrbc', count: 2, per100: null });
    expect(none.flags[0]).toBe("NRBC present (2): for a haematologist's review");
  });

  it('puts the cells to check before the haematologist flags', () => {
    const d = computeDifferential([...cells('neutrophil', 3, true), ...cells('blast', 1, false, false, 'corrected')], settings, null);
    expect(d.flags[0]).toMatch(/^review these 3 cells/);
    expect(d.flags[1]).toMatch(/^blasts present/);
  });

  it('flags percentages outside the reference ranges, high and low', () => {
    const d = computeDifferential([...cells('neutrophil', 85), ...cells('lymphocyte', 15)], settings, null);
    expect(row(d, 'neutrophil').flag).toBe('high');
    expect(row(d, 'lymphocyte').flag).toBe('low');
    expect(row(d, 'monocyte').flag).toBe('low');
    expect(row(d, 'basophil').flag).toBe(null); // 0 % is inside 0-2 %
    expect(d.flags).toContain('neutrophils high (85 %, range 40-75 %)');
    expect(d.flags).toContain('lymphocytes low (15 %, range 20-45 %)');
  });

  it('gives absolute counts from the entered WBC count and flags them against the absolute ranges', () => {
    const d = computeDifferential([...cells('neutrophil', 50), ...cells('lymphocyte', 40), ...cells('monocyte', 6), ...cells('eosinophil', 4)], settings, 12);
    expect(row(d, 'neutrophil').absolute).toBe(6);
    expect(row(d, 'lymphocyte').absolute).toBe(4.8);
    expect(row(d, 'lymphocyte').flag).toBe(null);
    expect(row(d, 'lymphocyte').absoluteFlag).toBe('high'); // 4.8 > 3.0 x10^9/L
    expect(row(d, 'basophil').absoluteFlag).toBe('low'); // 0 < 0.02
    expect(d.flags).toContain('lymphocytes high (4.8 x10^9/L, range 1-3)');
    expect(computeDifferential(cells('neutrophil', 3), settings, null).rows[0].absolute).toBe(null);
  });

  it('tracks progress to the target and says percentages are imprecise below it', () => {
    const d = computeDifferential(cells('neutrophil', 45), { ...settings, targetCount: 200 }, null);
    expect(d).toMatchObject({ counted: 45, target: 200, targetReached: false });
    expect(d.flags.at(-1)).toBe('45 of 200 leukocytes counted: percentages are imprecise below the target');
  });

  it('lists the flagged cells nobody looked at yet, first among the flags', () => {
    const pending = cells('neutrophil', 4, true);
    const d = computeDifferential([...pending, ...cells('lymphocyte', 2, true, true), ...cells('monocyte', 10)], settings, null);
    expect(d.review).toEqual({ flagged: 6, reviewed: 2, pending: 4, pendingCellIds: pending.map((c) => c.id), unseen: 14 });
    expect(d.flags[0]).toBe('review these 4 cells: the analysis is unsure of them');
  });

  it('counts as unseen only leukocytes the analysis typed that nobody has seen', () => {
    const d = computeDifferential(
      [
        ...cells('neutrophil', 3),
        ...cells('neutrophil', 2, false, true),
        ...cells('lymphocyte', 1, false, false, 'added'),
        ...cells('monocyte', 1, false, false, 'corrected'),
        ...cells('not_leukocyte', 4),
      ],
      settings,
      null,
    );
    expect(d.review.unseen).toBe(3);
  });

  it('gives Wilson 95 % intervals (Rümke-style imprecision of a 100-cell count)', () => {
    expect(wilson95(0, 0)).toBe(null);
    // 5 of 100: 2.2-11.2 % (Wilson score interval).
    expect(wilson95(5, 100)).toEqual({ low: 2.2, high: 11.2 });
    expect(wilson95(50, 100)).toEqual({ low: 40.4, high: 59.6 });
    expect(wilson95(0, 100)).toEqual({ low: 0, high: 3.7 });
  });

  it('is empty but well formed with no cells', () => {
    const d = computeDifferential([], settings, 7);
    expect(d.counted).toBe(0);
    expect(d.rows.every((r) => r.percent === 0 && r.flag === null && r.absolute === null && r.ci95 === null)).toBe(true);
  });
});
