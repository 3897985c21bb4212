import { describe, expect, it } from 'vitest';
import { allCells, countedOf, flagOf, groupByClass, nextPending, pendingCells, progress, recount, tally, withCell } from '../../ui/src/logic/counts.ts';
import { findings, findingText } from '../../ui/src/logic/findings.ts';
import { translate } from '../../ui/src/i18n/i18n.ts';
import { CELL_CLASSES } from '../../ui/src/api/types.ts';
import { cell, emptyDifferential, field, sample } from './fixtures.ts';

describe('counts', () => {
  it('tallies every class and counts leukocytes without the rejected objects', () => {
    const t = tally([cell('neutrophil'), cell('neutrophil'), cell('unclassified'), cell('not_leukocyte')]);
    expect(t.neutrophil).toBe(2);
    expect(t.monocyte).toBe(0);
    expect(countedOf(t)).toBe(3);
  });

  it('runs the counter towards the target', () => {
    expect(progress(0, 100)).toEqual({ fraction: 0, reached: false, remaining: 100 });
    expect(progress(37, 100)).toEqual({ fraction: 0.37, reached: false, remaining: 63 });
    expect(progress(104, 100)).toEqual({ fraction: 1, reached: true, remaining: 0 });
    expect(progress(3, 0).fraction).toBe(1);
  });

  it('flags a value outside its range', () => {
    const r = { low: 40, high: 75 };
    expect(flagOf(39.9, r)).toBe('low');
    expect(flagOf(40, r)).toBeNull();
    expect(flagOf(75.1, r)).toBe('high');
    expect(flagOf(99, null)).toBeNull();
  });

  it('recounts the differential from the cells: percentages of leukocytes, flags, absolute counts, review', () => {
    const cells = [
      ...Array.from({ length: 6 }, () => cell('neutrophil')),
      cell('lymphocyte', { flagged: true }),
      cell('lymphocyte', { flagged: true, reviewed: true }),
      cell('monocyte'),
      cell('not_leukocyte'),
    ];
    const d = recount(emptyDifferential(100, 5), cells);
    const row = (t: string) => d.rows.find((r) => r.type === t)!;
    expect(d.counted).toBe(9);
    expect(d.notLeukocyte).toBe(1);
    expect(row('neutrophil')).toMatchObject({ count: 6, percent: 66.7, flag: null, absolute: 3.33 });
    expect(row('lymphocyte')).toMatchObject({ count: 2, percent: 22.2, flag: null });
    expect(row('monocyte')).toMatchObject({ count: 1, percent: 11.1, flag: 'high' });
    expect(row('eosinophil')).toMatchObject({ count: 0, flag: 'low', absoluteFlag: 'low' });
    // Unseen: the 6 neutrophils, the unchecked lymphocyte and the monocyte; not the checked one, not the rejected object.
    expect(d.review).toEqual({ flagged: 2, reviewed: 1, pending: 1, pendingCellIds: [cells[6]!.id], unseen: 8 });
    expect(d.targetReached).toBe(false);
  });

  it('shows a correction in the counts at once', () => {
    const a = cell('neutrophil', { flagged: true });
    const b = cell('monocyte');
    const detail = withCell(sample([field('f1', 1, [a, b])]), { ...a, fieldId: 'f1', type: 'eosinophil', reviewed: true, source: 'corrected' });
    expect(detail.differential.rows.find((r) => r.type === 'eosinophil')!.count).toBe(1);
    expect(detail.differential.rows.find((r) => r.type === 'neutrophil')!.count).toBe(0);
    expect(detail.reviewPending).toBe(0);
    expect(detail.counted).toBe(2);
    const added = withCell(detail, cell('basophil', { fieldId: 'f1', source: 'added' }));
    expect(allCells(added)).toHaveLength(3);
    expect(added.counted).toBe(3);
  });

  it('leaves the cells of a field awaiting Retake or Keep out of the recount, as the daemon does', () => {
    const a = cell('neutrophil', { fieldId: 'f1' });
    const b = cell('lymphocyte', { fieldId: 'f2' });
    const detail = sample([field('f1', 1, [a]), { ...field('f2', 2, [b]), awaitingDecision: true }]);
    const after = withCell(detail, { ...a, type: 'eosinophil', reviewed: true, source: 'corrected' });
    expect(after.differential.counted).toBe(1);
    expect(after.counted).toBe(1);
  });

  it('groups the gallery by class, every group present in button order', () => {
    const groups = groupByClass([cell('monocyte'), cell('neutrophil'), cell('monocyte')]);
    expect([...groups.keys()]).toEqual([...CELL_CLASSES]);
    expect(groups.get('monocyte')).toHaveLength(2);
    expect(groups.get('basophil')).toEqual([]);
  });

  it('walks the cells to check field by field, in reading order, wrapping round', () => {
    const topRight = cell('neutrophil', { id: 'tr', flagged: true, box: [300, 10, 340, 50] });
    const topLeft = cell('neutrophil', { id: 'tl', flagged: true, box: [10, 14, 50, 54] });
    const below = cell('neutrophil', { id: 'bl', flagged: true, box: [10, 200, 50, 240] });
    const done = cell('neutrophil', { id: 'ok', flagged: true, reviewed: true, box: [100, 100, 140, 140] });
    const second = cell('monocyte', { id: 'f2', flagged: true });
    const detail = sample([field('field-2', 2, [second]), field('field-1', 1, [below, topRight, done, topLeft])]);
    expect(pendingCells(detail).map((c) => c.id)).toEqual(['tl', 'tr', 'bl', 'f2']);
    expect(nextPending(detail)?.id).toBe('tl');
    expect(nextPending(detail, 'tr')?.id).toBe('bl');
    expect(nextPending(detail, 'ok')?.id).toBe('bl');
    expect(nextPending(detail, 'f2')?.id).toBe('tl');
    expect(nextPending(sample([field('f', 1, [done])]))).toBeNull();
  });

  it('names the findings for the catalogue', () => {
    const d = recount(emptyDifferential(10), [cell('neutrophil', { flagged: true }), cell('unclassified'), cell('monocyte')]);
    const keys = findings(d).map((f) => f.key);
    // 1 neutrophil, 1 monocyte, 1 unclassified: neutrophils, eosinophils and lymphocytes low, monocytes high.
    expect(keys).toEqual(['flag.review', 'flag.low', 'flag.low', 'flag.low', 'flag.high', 'flag.unclassified', 'flag.belowTarget']);
    expect(findings(d).find((f) => f.key === 'flag.high')).toMatchObject({ typeKey: 'type.monocyte', vars: { percent: 33.3, low: 2, high: 10 } });
  });

  it('recounts the other leukocytes in the count, NRBC and smudge outside it, and what a haematologist must see', () => {
    const cells = [
      ...Array.from({ length: 6 }, () => cell('neutrophil')),
      cell('band'),
      cell('blast'),
      cell('reactive_lymphocyte'),
      cell('immature_granulocyte'),
      cell('nrbc'),
      cell('nrbc'),
      cell('smudge'),
      cell('not_leukocyte'),
    ];
    const d = recount(emptyDifferential(100), cells);
    expect(d.counted).toBe(10);
    expect(countedOf(tally(cells))).toBe(10);
    expect(d.rows.find((r) => r.type === 'neutrophil')).toMatchObject({ count: 6, percent: 60 });
    expect(d.rows.find((r) => r.type === 'band')).toMatchObject({ count: 1, percent: 10, flag: null });
    expect(d.nonLeukocytes).toEqual([
      { type: 'nrbc', count: 2, per100: 20 },
      { type: 'smudge', count: 1, per100: 10 },
    ]);
    expect(d.attention).toEqual([
      { type: 'blast', count: 1 },
      { type: 'immature_granulocyte', count: 1 },
      { type: 'nrbc', count: 2 },
    ]);
    const f = findings(d);
    expect(f.map((x) => x.key).slice(0, 1)).toEqual(['flag.attention']);
    expect(findingText(f[0]!, (k, v) => translate('en', k, v))).toBe('For a haematologist’s attention: Blast 1, Immature granulocyte 1, Nucleated red cell (NRBC) 20 per 100 leukocytes.');
    expect(findingText(f[0]!, (k, v) => translate('fr', k, v))).toBe('À l’attention d’un hématologue : Blaste 1, Granuleux immature 1, Érythroblaste 20 pour 100 leucocytes.');
    expect(findings(recount(emptyDifferential(1), [cell('band')])).map((x) => x.key)).not.toContain('flag.attention');
  });
});
