import { describe, expect, it } from 'vitest';
import { actionFor, confidencePercent, machineClass, SHEET_ORDER, sheetStatus, typeButtons, voteLines } from '../../ui/src/logic/cell-sheet.ts';
import { cell } from './fixtures.ts';

const votes = { neutrophil: 1, eosinophil: 2, basophil: 0, lymphocyte: 0, monocyte: 1 };

describe('cell sheet', () => {
  it('lists the votes, most first, as a share of the detectors', () => {
    expect(voteLines(cell('eosinophil', { votes }), 3)).toEqual([
      { type: 'eosinophil', count: 2, share: 2 / 3 },
      { type: 'neutrophil', count: 1, share: 1 / 3 },
      { type: 'monocyte', count: 1, share: 1 / 3 },
    ]);
    expect(voteLines(cell('basophil', { votes: null }), 3)).toEqual([]);
    expect(voteLines(cell('eosinophil', { votes }), 0)[0]!.share).toBe(1);
  });

  it("names the analysis's own class where the store keeps the cell under another", () => {
    expect(machineClass(cell('unclassified', { autoType: 'immature_granulocyte' }))).toBe('immature_granulocyte');
    expect(machineClass(cell('not_leukocyte', { autoType: 'erythroblast' }))).toBe('erythroblast');
    expect(machineClass(cell('unclassified', { autoType: 'unidentified' }))).toBe('unidentified');
    expect(machineClass(cell('lymphocyte', { autoType: 'lymphocyte' }))).toBeNull();
    expect(machineClass(cell('lymphocyte', { autoType: null }))).toBeNull();
  });

  it('says first that a flagged cell needs a look, then where its type comes from', () => {
    expect(sheetStatus(cell('neutrophil', { flagged: true }))).toBe('flagged');
    expect(sheetStatus(cell('neutrophil', { flagged: true, reviewed: true }))).toBe('checked');
    expect(sheetStatus(cell('neutrophil', { flagged: true, reviewed: true, source: 'corrected' }))).toBe('corrected');
    expect(sheetStatus(cell('neutrophil', { source: 'added' }))).toBe('added');
    expect(sheetStatus(cell('neutrophil'))).toBe('automatic');
  });

  it('offers the five types, not a leukocyte, unclassified; marks the current type and the detectors’ one', () => {
    const buttons = typeButtons(cell('lymphocyte', { autoType: 'monocyte' }));
    expect(buttons.map((b) => b.type)).toEqual([...SHEET_ORDER]);
    expect(buttons.filter((b) => b.current).map((b) => b.type)).toEqual(['lymphocyte']);
    expect(buttons.filter((b) => b.suggested).map((b) => b.type)).toEqual(['monocyte']);
    expect(typeButtons(null).some((b) => b.current || b.suggested)).toBe(false);
    expect(typeButtons(cell('monocyte')).some((b) => b.suggested)).toBe(false);
  });

  it('turns a tap into the right request', () => {
    expect(actionFor(cell('neutrophil', { flagged: true }), 'neutrophil')).toEqual({ kind: 'review' });
    expect(actionFor(cell('neutrophil', { flagged: true, reviewed: true }), 'neutrophil')).toEqual({ kind: 'none' });
    expect(actionFor(cell('neutrophil'), 'neutrophil')).toEqual({ kind: 'none' });
    expect(actionFor(cell('neutrophil'), 'not_leukocyte')).toEqual({ kind: 'reclassify', type: 'not_leukocyte' });
  });

  it('shows confidence as a whole percentage, none for a cell a person added', () => {
    expect(confidencePercent(cell('neutrophil', { confidence: 0.456 }))).toBe(46);
    expect(confidencePercent({ confidence: null })).toBeNull();
  });
});
