/**
 * The sample's differential over all its fields, counting people's corrections: counts and
 * percentages of the five types plus unclassified/atypical cells (leukocytes the ensemble or a
 * person could not type: they count towards the total, as in a manual 100-cell differential),
 * 95 % Wilson intervals (a 100-cell count is imprecise, Rümke), absolute counts once the total WBC
 * count is entered, flags against the reference ranges, progress to the target, and the cells
 * that still need a person's look.
 */
import type { Cell, CellClass, LeukocyteType } from '../store/types.ts';
import { CELL_TYPES } from '../types.ts';
import type { Range, Settings, TypeRange } from './settings.ts';

export type RowType = LeukocyteType | 'unclassified';
export type Flag = 'low' | 'high' | null;

export interface DifferentialRow {
  type: RowType;
  count: number;
  /** Of all counted leukocytes. */
  percent: number;
  /** 95 % confidence interval of the percentage (Wilson score). */
  ci95: Range | null;
  /** 10^9/L, when the total WBC count is known. */
  absolute: number | null;
  range: TypeRange | null;
  flag: Flag;
  absoluteFlag: Flag;
}

export interface SampleDifferential {
  /** Leukocytes counted: the five types and unclassified cells (not "not a leukocyte"). */
  counted: number;
  target: number;
  targetReached: boolean;
  rows: DifferentialRow[];
  notLeukocyte: number;
  /** Total white cell count entered by the nurse, 10^9/L. */
  wbcCount: number | null;
  /** Flagged cells and their checks; `unseen`: counted cells the analysis typed that no person has seen yet. */
  review: { flagged: number; reviewed: number; pending: number; pendingCellIds: string[]; unseen: number };
  /** Plain-language findings, most important first. */
  flags: string[];
}

type CountedCell = Pick<Cell, 'id' | 'type' | 'flagged' | 'reviewedAt' | 'source'>;

/** A counted cell the analysis typed and no person has seen (a person's own cells, added or corrected, are seen). */
export const isUnseen = (c: CountedCell): boolean => c.type !== 'not_leukocyte' && c.source === 'automatic' && !c.reviewedAt;

const ROW_TYPES: RowType[] = [...CELL_TYPES, 'unclassified'];
const LABEL: Record<CellClass, string> = {
  neutrophil: 'neutrophils',
  eosinophil: 'eosinophils',
  basophil: 'basophils',
  lymphocyte: 'lymphocytes',
  monocyte: 'monocytes',
  unclassified: 'unclassified/atypical cells',
  not_leukocyte: 'not leukocytes',
};

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

export function wilson95(k: number, n: number): Range | null {
  if (n === 0) return null;
  const z = 1.959964;
  const p = k / n;
  const denom = 1 + (z * z) / n;
  const centre = (p + (z * z) / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n))) / denom;
  return { low: round(100 * Math.max(0, centre - half), 1), high: round(100 * Math.min(1, centre + half), 1) };
}

const flagOf = (value: number, range: Range | null | undefined): Flag =>
  !range ? null : value < range.low ? 'low' : value > range.high ? 'high' : null;

export function computeDifferential(cells: CountedCell[], settings: Settings, wbcCount: number | null): SampleDifferential {
  const counts = new Map<CellClass, number>();
  for (const c of cells) counts.set(c.type, (counts.get(c.type) ?? 0) + 1);
  const counted = ROW_TYPES.reduce((n, t) => n + (counts.get(t) ?? 0), 0);
  const flags: string[] = [];

  const rows = ROW_TYPES.map((type): DifferentialRow => {
    const count = counts.get(type) ?? 0;
    const percent = counted ? (100 * count) / counted : 0;
    const range = type === 'unclassified' ? null : settings.referenceRanges[type];
    const absolute = wbcCount === null || !counted ? null : round((wbcCount * count) / counted, 2);
    const flag = counted ? flagOf(percent, range?.percent) : null;
    const absoluteFlag = absolute === null ? null : flagOf(absolute, range?.absolute);
    if (flag || absoluteFlag) {
      const parts = [];
      if (flag) parts.push(`${round(percent, 1)} %, range ${range!.percent.low}-${range!.percent.high} %`);
      if (absoluteFlag) parts.push(`${absolute} x10^9/L, range ${range!.absolute!.low}-${range!.absolute!.high}`);
      flags.push(`${LABEL[type]} ${flag ?? absoluteFlag} (${parts.join('; ')})`);
    }
    return { type, count, percent: round(percent, 1), ci95: wilson95(count, counted), absolute, range, flag, absoluteFlag };
  });

  const flagged = cells.filter((c) => c.flagged);
  const pending = flagged.filter((c) => !c.reviewedAt);
  const unclassified = counts.get('unclassified') ?? 0;
  if (pending.length) flags.unshift(`review ${pending.length === 1 ? 'this cell' : `these ${pending.length} cells`}: the analysis is unsure of ${pending.length === 1 ? 'it' : 'them'}`);
  if (unclassified) flags.push(`${unclassified} unclassified/atypical ${unclassified === 1 ? 'cell' : 'cells'}: identify or confirm on the smear`);
  if (counted < settings.targetCount) flags.push(`${counted} of ${settings.targetCount} leukocytes counted: percentages are imprecise below the target`);

  return {
    counted,
    target: settings.targetCount,
    targetReached: counted >= settings.targetCount,
    rows,
    notLeukocyte: counts.get('not_leukocyte') ?? 0,
    wbcCount,
    review: { flagged: flagged.length, reviewed: flagged.length - pending.length, pending: pending.length, pendingCellIds: pending.map((c) => c.id), unseen: cells.filter(isUnseen).length },
    flags,
  };
}
