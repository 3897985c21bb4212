import { describe, expect, it } from 'vitest';
import { CELL_CLASSES } from '../../ui/src/api/types.ts';
import { actionFor, confidencePercent, machineClass, otherPageMarks, pageOf, SHEET_PAGES, sheetStatus, startPage, typeButtons, voteLines } from '../../ui/src/logic/cell-sheet.ts';
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

  it('offers the five types and not a leukocyte, then the other classes; marks the current type and the detectors’ one', () => {
    const buttons = typeButtons(cell('lymphocyte', { autoType: 'monocyte' }));
    expect(buttons.map((b) => b.type)).toEqual(['neutrophil', 'eosinophil', 'basophil', 'lymphocyte', 'monocyte', 'not_leukocyte']);
    expect(buttons.filter((b) => b.current).map((b) => b.type)).toEqual(['lymphocyte']);
    expect(buttons.filter((b) => b.suggested).map((b) => b.type)).toEqual(['monocyte']);
    expect(typeButtons(null).some((b) => b.current || b.suggested)).toBe(false);
    expect(typeButtons(cell('monocyte')).some((b) => b.suggested)).toBe(false);
    expect(typeButtons(cell('blast'), 'other').map((b) => b.type)).toEqual(['band', 'immature_granulocyte', 'blast', 'reactive_lymphocyte', 'nrbc', 'smudge', 'unclassified']);
    expect(
      typeButtons(cell('blast'), 'other')
        .filter((b) => b.current)
        .map((b) => b.type),
    ).toEqual(['blast']);
  });

  it('puts every class on exactly one page, with room for the page switch (four rows of two)', () => {
    expect([...SHEET_PAGES.five, ...SHEET_PAGES.other].sort()).toEqual([...CELL_CLASSES].sort());
    expect(SHEET_PAGES.five.length + 1).toBeLessThanOrEqual(8);
    expect(SHEET_PAGES.other.length + 1).toBeLessThanOrEqual(8);
    expect(pageOf('band')).toBe('other');
    expect(pageOf('not_leukocyte')).toBe('five');
  });

  it('opens at the page of the cell’s class; unidentified and new cells at the five', () => {
    expect(startPage(cell('reactive_lymphocyte'))).toBe('other');
    expect(startPage(cell('smudge'))).toBe('other');
    expect(startPage(cell('monocyte'))).toBe('five');
    expect(startPage(cell('unclassified', { autoType: 'immature_granulocyte' }))).toBe('five');
    expect(startPage(null)).toBe('five');
  });

  it('says on the page switch what waits on the other page: the cell’s class, or the detectors’ suggestion', () => {
    // An immature granulocyte the analysis saw is stored unidentified: the suggestion is on the other page.
    const ig = cell('unclassified', { autoType: 'immature_granulocyte' });
    expect(otherPageMarks(ig, 'five')).toEqual({ current: 'unclassified', suggested: true });
    expect(
      typeButtons(ig, 'other')
        .filter((b) => b.suggested)
        .map((b) => b.type),
    ).toEqual(['immature_granulocyte']);
    // The analysis's erythroblast is an NRBC.
    expect(
      typeButtons(cell('not_leukocyte', { autoType: 'erythroblast' }), 'other')
        .filter((b) => b.suggested)
        .map((b) => b.type),
    ).toEqual(['nrbc']);
    // A band a person set on a neutrophil: from the band's page, the switch back marks the detectors' neutrophil.
    expect(otherPageMarks(cell('band', { autoType: 'neutrophil' }), 'other')).toEqual({ current: null, suggested: true });
    expect(otherPageMarks(cell('band', { autoType: 'neutrophil' }), 'five')).toEqual({ current: 'band', suggested: false });
    expect(otherPageMarks(cell('neutrophil'), 'five')).toEqual({ current: null, suggested: false });
    expect(otherPageMarks(null, 'five')).toEqual({ current: null, suggested: false });
  });

  it('turns a tap into the right request', () => {
    expect(actionFor(cell('neutrophil', { flagged: true }), 'neutrophil')).toEqual({ kind: 'review' });
    expect(actionFor(cell('neutrophil', { flagged: true, reviewed: true }), 'neutrophil')).toEqual({ kind: 'none' });
    expect(actionFor(cell('neutrophil'), 'neutrophil')).toEqual({ kind: 'none' });
    expect(actionFor(cell('neutrophil'), 'not_leukocyte')).toEqual({ kind: 'reclassify', type: 'not_leukocyte' });
    expect(actionFor(cell('neutrophil', { flagged: true }), 'band')).toEqual({ kind: 'reclassify', type: 'band' });
    expect(actionFor(cell('blast', { flagged: true }), 'blast')).toEqual({ kind: 'review' });
  });

  it('shows confidence as a whole percentage, none for a cell a person added', () => {
    expect(confidencePercent(cell('neutrophil', { confidence: 0.456 }))).toBe(46);
    expect(confidencePercent({ confidence: null })).toBeNull();
  });
});
