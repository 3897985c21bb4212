import { describe, expect, it } from 'vitest';
import type { Cell, CellClass } from '../../ui/src/api/types.ts';
import { MIN_TILE_PX, nextUnseenPage, pageUnseen, reviewPages, TILE_BORDER_PX, tilesPerPage } from '../../ui/src/logic/review-pages.ts';

let n = 0;
const cell = (type: CellClass, seen = false, source: Cell['source'] = 'automatic') =>
  ({ id: `c${++n}`, fieldId: 'f', box: [0, 0, 10, 10], type, autoType: type, confidence: 0.9, agreement: 1, votes: null, flagged: false, reviewed: seen, source }) as unknown as Cell;

describe('review pages', () => {
  it('fits whole tiles whose picture, inside the border, is at least the minimum size, and always one', () => {
    expect(tilesPerPage(800, 470, 6)).toEqual({ columns: 4, rows: 2 });
    expect(tilesPerPage(MIN_TILE_PX - 1, 10, 6)).toEqual({ columns: 1, rows: 1 });
    const { columns, rows } = tilesPerPage(1000, 500, 8);
    expect((1000 - (columns - 1) * 8) / columns - 2 * TILE_BORDER_PX).toBeGreaterThanOrEqual(MIN_TILE_PX);
    expect((500 - (rows - 1) * 8) / rows - 2 * TILE_BORDER_PX).toBeGreaterThanOrEqual(MIN_TILE_PX);
    // One tile more would leave a picture under the minimum.
    expect((1000 - columns * 8) / (columns + 1) - 2 * TILE_BORDER_PX).toBeLessThan(MIN_TILE_PX);
  });

  it('pages one class at a time, unidentified first, skipping not-leukocytes and empty classes', () => {
    const cells = [...Array.from({ length: 7 }, () => cell('neutrophil')), cell('monocyte'), cell('unclassified'), cell('not_leukocyte')];
    const pages = reviewPages(cells, 3);
    expect(pages.map((p) => [p.type, p.cells.length, p.number, p.of])).toEqual([
      ['unclassified', 1, 1, 1],
      ['neutrophil', 3, 1, 3],
      ['neutrophil', 3, 2, 3],
      ['neutrophil', 1, 3, 3],
      ['monocyte', 1, 1, 1],
    ]);
    expect(pages.flatMap((p) => p.cells)).toHaveLength(9);
  });

  it('gives each class a person set beyond the five its own section, after the five', () => {
    const cells = [
      cell('nrbc', false, 'corrected'),
      cell('band', false, 'corrected'),
      cell('lymphocyte'),
      cell('smudge', false, 'corrected'),
      cell('blast', false, 'corrected'),
      cell('band', false, 'corrected'),
    ];
    const pages = reviewPages(cells, 4);
    expect(pages.map((p) => [p.type, p.cells.length])).toEqual([
      ['lymphocyte', 1],
      ['band', 2],
      ['blast', 1],
      ['nrbc', 1],
      ['smudge', 1],
    ]);
    // A person set them: they are seen, so the next unseen page is the lymphocyte's.
    expect(pages.map((p) => pageUnseen(p).length)).toEqual([1, 0, 0, 0, 0]);
    expect(nextUnseenPage(pages, 1)).toBe(0);
  });

  it('goes to the next page holding a cell nobody has seen, wrapping round', () => {
    const cells = [cell('neutrophil', true), cell('neutrophil', true), cell('lymphocyte'), cell('monocyte', false, 'corrected'), cell('eosinophil')];
    const pages = reviewPages(cells, 2);
    // Neutrophils (seen), eosinophil, lymphocyte, monocyte (corrected by a person: seen).
    expect(pages.map((p) => pageUnseen(p).length)).toEqual([0, 1, 1, 0]);
    expect(nextUnseenPage(pages, 0)).toBe(1);
    expect(nextUnseenPage(pages, 2)).toBe(2);
    expect(nextUnseenPage(pages, 3)).toBe(1);
    expect(nextUnseenPage(reviewPages([cell('basophil', true)], 2))).toBe(-1);
  });
});
