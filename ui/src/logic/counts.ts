/**
 * Counting on the kiosk: the running counter towards the target, tallies per type, the gallery's
 * groups, the cells still to check, and a local recount of the differential so a correction shows
 * in the counts at once (the server's differential replaces it when it arrives).
 */
import {
  ATTENTION_CLASSES,
  CELL_CLASSES,
  CELL_TYPES,
  NON_LEUKOCYTE_CLASSES,
  OTHER_LEUKOCYTE_CLASSES,
  type Cell,
  type CellClass,
  type Differential,
  type DifferentialRow,
  type Flag,
  type Range,
  type RowType,
  type SampleDetail,
} from '../api/types.ts';

/** Leukocytes of the count, as the daemon counts them: the five, the other leukocytes, unidentified. */
export const ROW_TYPES: readonly RowType[] = [...CELL_TYPES, ...OTHER_LEUKOCYTE_CLASSES, 'unclassified'];

export type Tally = Record<CellClass, number>;

export function tally(cells: readonly Pick<Cell, 'type'>[]): Tally {
  const t = Object.fromEntries(CELL_CLASSES.map((c) => [c, 0])) as Tally;
  for (const c of cells) t[c.type] += 1;
  return t;
}

/** Leukocytes counted: every row's cells, not NRBC, smudge or "not a leukocyte". */
export function countedOf(t: Tally): number {
  return ROW_TYPES.reduce((n, type) => n + t[type], 0);
}

export interface Progress {
  /** 0..1, for the progress bar. */
  fraction: number;
  reached: boolean;
  remaining: number;
}

export function progress(counted: number, target: number): Progress {
  const safeTarget = Math.max(1, target);
  return { fraction: Math.min(1, counted / safeTarget), reached: counted >= safeTarget, remaining: Math.max(0, safeTarget - counted) };
}

export function flagOf(value: number, range: Range | null | undefined): Flag {
  if (!range) return null;
  return value < range.low ? 'low' : value > range.high ? 'high' : null;
}

const round1 = (v: number) => Math.round(v * 10) / 10;

export function allCells(detail: Pick<SampleDetail, 'fields'>): Cell[] {
  return detail.fields.flatMap((f) => f.cells);
}

/** The differential recomputed from the cells, keeping the server's target, ranges and WBC count. */
export function recount(differential: Differential, cells: readonly Cell[]): Differential {
  const t = tally(cells);
  const counted = countedOf(t);
  const rows = differential.rows.map((row): DifferentialRow => {
    const count = t[row.type];
    const percent = counted ? round1((100 * count) / counted) : 0;
    const absolute = differential.wbcCount === null || !counted ? null : Math.round(((differential.wbcCount * count) / counted) * 100) / 100;
    return {
      ...row,
      count,
      percent,
      absolute,
      flag: counted ? flagOf((100 * count) / counted, row.range?.percent) : null,
      absoluteFlag: absolute === null ? null : flagOf(absolute, row.range?.absolute),
    };
  });
  const flagged = cells.filter((c) => c.flagged);
  const pending = flagged.filter((c) => !c.reviewed);
  return {
    ...differential,
    counted,
    targetReached: counted >= differential.target,
    rows,
    nonLeukocytes: NON_LEUKOCYTE_CLASSES.map((type) => ({ type, count: t[type], per100: counted ? round1((100 * t[type]) / counted) : null })),
    notLeukocyte: t.not_leukocyte,
    attention: ATTENTION_CLASSES.filter((type) => t[type] > 0).map((type) => ({ type, count: t[type] })),
    review: { flagged: flagged.length, reviewed: flagged.length - pending.length, pending: pending.length, pendingCellIds: pending.map((c) => c.id), unseen: cells.filter(isUnseen).length },
  };
}

/** The sample with one cell replaced (or added to its field), counts recomputed. */
export function withCell(detail: SampleDetail, cell: Cell): SampleDetail {
  const fields = detail.fields.map((f) => {
    if (f.id !== cell.fieldId) return f;
    const known = f.cells.some((c) => c.id === cell.id);
    return { ...f, cells: known ? f.cells.map((c) => (c.id === cell.id ? cell : c)) : [...f.cells, cell] };
  });
  // As the daemon counts: the cells of a field awaiting Retake or Keep do not count yet.
  const differential = recount(
    detail.differential,
    fields.flatMap((f) => (f.awaitingDecision ? [] : f.cells)),
  );
  return { ...detail, fields, differential, counted: differential.counted, reviewPending: differential.review.pending };
}

/** Cells grouped for the gallery, in the order of the type buttons; every group present, maybe empty. */
export function groupByClass(cells: readonly Cell[]): Map<CellClass, Cell[]> {
  const groups = new Map<CellClass, Cell[]>(CELL_CLASSES.map((c) => [c, []]));
  for (const c of cells) groups.get(c.type)!.push(c);
  return groups;
}

/** A counted cell the analysis typed that no person has seen yet (as the server counts `review.unseen`). */
export function isUnseen(cell: Pick<Cell, 'type' | 'source' | 'reviewed'>): boolean {
  return cell.type !== 'not_leukocyte' && cell.source === 'automatic' && !cell.reviewed;
}

export function needsCheck(cell: Pick<Cell, 'flagged' | 'reviewed'>): boolean {
  return cell.flagged && !cell.reviewed;
}

/** Reading order inside a field: top to bottom, then left to right, in bands of a box height. */
function readingOrder(a: Cell, b: Cell): number {
  const band = Math.max(1, (a.box[3] - a.box[1] + (b.box[3] - b.box[1])) / 2);
  const dy = a.box[1] - b.box[1];
  return Math.abs(dy) >= band / 2 ? dy : a.box[0] - b.box[0];
}

/** Cells still to check, field by field in the order they were photographed. */
export function pendingCells(detail: Pick<SampleDetail, 'fields'>): Cell[] {
  return [...detail.fields].sort((a, b) => a.seq - b.seq).flatMap((f) => f.cells.filter(needsCheck).sort(readingOrder));
}

/** The next cell to check after `currentId` (wrapping round), or the first one. */
export function nextPending(detail: Pick<SampleDetail, 'fields'>, currentId?: string): Cell | null {
  const pending = pendingCells(detail);
  if (!pending.length) return null;
  if (!currentId) return pending[0]!;
  const all = [...detail.fields].sort((a, b) => a.seq - b.seq).flatMap((f) => [...f.cells].sort(readingOrder));
  const from = all.findIndex((c) => c.id === currentId);
  if (from < 0) return pending[0]!;
  for (let i = 1; i <= all.length; i++) {
    const c = all[(from + i) % all.length]!;
    if (needsCheck(c)) return c;
  }
  return null;
}
