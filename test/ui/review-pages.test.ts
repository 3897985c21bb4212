import { describe, expect, it } from 'vitest';
import type { Cell, CellClass } from '../../ui/src/api/types.ts';
import { MIN_TILE_PX, nextUnseenPage, pageUnseen, reviewPages, tilesPerPage } from '../../ui/src/logic/review-pages.ts';

let n = 0;
const cell = (type: CellClass, seen = false, source: Cell['source'] = 'automatic') =>
  ({ id: `c${++n}`, fieldId: 'f', box: [0, 0, 10, 10], type, autoType: type, confidence: 0.9, agreement: 1, votes: null, flagged: false, reviewed: seen, source }) as unknown as Cell;

describe('review pages', () => {
  it('fits whole tiles of at least the minimum size, and always one', () => {
    expect(tilesPerPage(800, 470, 6)).toEqual({ columns: 5, rows: 3 });
    expect(tilesPerPage(MIN_TILE_PX - 1, 10, 6)).toEqual({ columns: 1, rows: 1 });
    const { columns } = tilesPerPage(1000, 500, 8);
    expect((1000 - (columns - 1) * 8) / columns).toBeGreaterThanOrEqual(MIN_TILE_PX);
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
