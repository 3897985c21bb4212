/**
 * Review by type, the way digital-morphology users verify: one class at a time, a page of large
 * cells at a time. Unidentified cells come first (sign-off needs them typed), then the five types,
 * then each class a person gave beyond them (band, immature granulocyte, blast, reactive
 * lymphocyte, NRBC, smudge) in its own section. "Not a leukocyte" is not reviewed here.
 */
import { CELL_TYPES, NON_LEUKOCYTE_CLASSES, OTHER_LEUKOCYTE_CLASSES, type Cell, type CellClass } from '../api/types.ts';
import { isUnseen } from './counts.ts';

export const REVIEW_ORDER: readonly CellClass[] = ['unclassified', ...CELL_TYPES, ...OTHER_LEUKOCYTE_CLASSES, ...NON_LEUKOCYTE_CLASSES];

/** Smallest side of a cell's picture, CSS px: large enough to judge a cell at 1024x600. */
export const MIN_TILE_PX = 150;
/** The tile's border around the picture (it marks unseen cells), CSS px. */
export const TILE_BORDER_PX = 3;

export interface ReviewPage {
  type: CellClass;
  cells: Cell[];
  /** 1-based page number within its class, and the class's page count. */
  number: number;
  of: number;
}

/** Tiles that fit a grid of this size: whole tiles whose picture is at least MIN_TILE_PX, `gap` px apart (at least one). */
export function tilesPerPage(width: number, height: number, gap: number): { columns: number; rows: number } {
  const fit = (space: number) => Math.max(1, Math.floor((space + gap) / (MIN_TILE_PX + 2 * TILE_BORDER_PX + gap)));
  return { columns: fit(width), rows: fit(height) };
}

export function reviewPages(cells: readonly Cell[], perPage: number): ReviewPage[] {
  const size = Math.max(1, perPage);
  const pages: ReviewPage[] = [];
  for (const type of REVIEW_ORDER) {
    const ofType = cells.filter((c) => c.type === type);
    const of = Math.ceil(ofType.length / size);
    for (let i = 0; i < of; i++) pages.push({ type, cells: ofType.slice(i * size, (i + 1) * size), number: i + 1, of });
  }
  return pages;
}

export const pageUnseen = (page: ReviewPage): Cell[] => page.cells.filter(isUnseen);

/** The first page at or after `from` (wrapping round) with a cell nobody has seen; -1 when none. */
export function nextUnseenPage(pages: readonly ReviewPage[], from = 0): number {
  for (let k = 0; k < pages.length; k++) {
    const i = (from + k) % pages.length;
    if (pageUnseen(pages[i]!).length || pages[i]!.type === 'unclassified') return i;
  }
  return -1;
}
