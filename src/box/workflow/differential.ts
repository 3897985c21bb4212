/**
 * The sample's differential over all its fields, counting people's corrections. Leukocytes
 * counted, towards the target and as the percentages' denominator, are what a manual 100-cell
 * differential counts: the five types, the other leukocytes a person names (band, immature
 * granulocyte, blast, reactive lymphocyte) and unidentified cells. Band neutrophils are reported on
 * their own row, not inside the neutrophil percentage (as CellaVision and Sysmex report them: a
 * left shift stays visible, and the band/segmented call varies between observers, so a reader can
 * add them up). NRBC and smudge cells are not leukocytes in the count: each is given per 100
 * leukocytes. Blasts, immature granulocytes or NRBC present are flagged for a haematologist.
 * Also: 95 % Wilson intervals (a 100-cell count is imprecise, Rümke), absolute counts once the
 * total WBC count is entered, flags against the reference ranges of the five, progress to the
 * target, and the cells that still need a person's look.
 */
import type { Differential, DifferentialRow, Flag, NonLeukocyteRow, RowType } from '../../contracts/api/samples.ts';
import type { Range } from '../../contracts/api/settings.ts';
import { ATTENTION_CLASSES, CELL_TYPES, NON_LEUKOCYTE_CLASSES, OTHER_LEUKOCYTE_CLASSES, type CellClass, type CellType as LeukocyteType } from '../../contracts/vocabulary.ts';
import type { Cell } from '../store/types.ts';
import { CLASS_PLURALS } from '../../contracts/cell-names.ts';
import type { Settings } from './settings.ts';

type CountedCell = Pick<Cell, 'id' | 'type' | 'flagged' | 'reviewedAt' | 'source'>;

/** A cell the analysis typed and no person has seen (a person's own cells, added or corrected, are seen). */
export const isUnseen = (c: CountedCell): boolean => c.type !== 'not_leukocyte' && c.source === 'automatic' && !c.reviewedAt;

export const ROW_TYPES: readonly RowType[] = [...CELL_TYPES, ...OTHER_LEUKOCYTE_CLASSES, 'unclassified'];
const FIVE: readonly string[] = CELL_TYPES;

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

const flagOf = (value: number, range: Range | null | undefined): Flag => (!range ? null : value < range.low ? 'low' : value > range.high ? 'high' : null);

export function computeDifferential(cells: CountedCell[], settings: Pick<Settings, 'targetCount' | 'referenceRanges'>, wbcCount: number | null): Differential {
  const counts = new Map<CellClass, number>();
  for (const c of cells) counts.set(c.type, (counts.get(c.type) ?? 0) + 1);
  const countOf = (t: CellClass) => counts.get(t) ?? 0;
  const counted = ROW_TYPES.reduce((n, t) => n + countOf(t), 0);
  const flags: string[] = [];

  const rows = ROW_TYPES.map((type): DifferentialRow => {
    const count = countOf(type);
    const percent = counted ? (100 * count) / counted : 0;
    const range = FIVE.includes(type) ? settings.referenceRanges[type as LeukocyteType] : null;
    const absolute = wbcCount === null || !counted ? null : round((wbcCount * count) / counted, 2);
    const flag = counted ? flagOf(percent, range?.percent) : null;
    const absoluteFlag = absolute === null ? null : flagOf(absolute, range?.absolute);
    if (flag || absoluteFlag) {
      const parts = [];
      if (flag) parts.push(`${round(percent, 1)} %, range ${range!.percent.low}-${range!.percent.high} %`);
      if (absoluteFlag) parts.push(`${absolute} x10^9/L, range ${range!.absolute!.low}-${range!.absolute!.high}`);
      flags.push(`${CLASS_PLURALS[type]} ${flag ?? absoluteFlag} (${parts.join('; ')})`);
    }
    return { type, count, percent: round(percent, 1), ci95: wilson95(count, counted), absolute, range, flag, absoluteFlag };
  });

  const nonLeukocytes = NON_LEUKOCYTE_CLASSES.map((type): NonLeukocyteRow => ({ type, count: countOf(type), per100: counted ? round((100 * countOf(type)) / counted, 1) : null }));
  const attention = ATTENTION_CLASSES.filter((t) => countOf(t) > 0).map((type) => ({ type, count: countOf(type) }));
  const flagged = cells.filter((c) => c.flagged);
  const pending = flagged.filter((c) => !c.reviewedAt);
  const unclassified = countOf('unclassified');
  const attentionFlags = attention.map(({ type, count }) =>
    type === 'nrbc'
      ? `NRBC present (${counted ? `${nonLeukocytes.find((r) => r.type === 'nrbc')!.per100} per 100 leukocytes` : count}): for a haematologist's review`
      : `${CLASS_PLURALS[type]} present (${count} of ${counted} leukocytes): for a haematologist's review`,
  );
  flags.unshift(...attentionFlags);
  if (pending.length) flags.unshift(`review ${pending.length === 1 ? 'this cell' : `these ${pending.length} cells`}: the analysis is unsure of ${pending.length === 1 ? 'it' : 'them'}`);
  if (unclassified) flags.push(`${unclassified} unidentified ${unclassified === 1 ? 'cell' : 'cells'}: identify on the smear`);
  if (counted < settings.targetCount) flags.push(`${counted} of ${settings.targetCount} leukocytes counted: percentages are imprecise below the target`);

  return {
    counted,
    target: settings.targetCount,
    targetReached: counted >= settings.targetCount,
    rows,
    nonLeukocytes,
    notLeukocyte: countOf('not_leukocyte'),
    attention,
    wbcCount,
    review: { flagged: flagged.length, reviewed: flagged.length - pending.length, pending: pending.length, pendingCellIds: pending.map((c) => c.id), unseen: cells.filter(isUnseen).length },
    flags,
  };
}
