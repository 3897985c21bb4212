/** Editing the reference ranges: the typed values, and the ranges once every value is valid. */
import { CELL_TYPES, type CellType, type ReferenceRanges } from '../api/types.ts';
import { parseDecimal } from './keypad.ts';

export type Bound = 'low' | 'high';
export type RangesDraft = Record<CellType, Record<Bound, string>>;

export function draftOf(ranges: ReferenceRanges): RangesDraft {
  return Object.fromEntries(CELL_TYPES.map((t) => [t, { low: String(ranges[t].percent.low), high: String(ranges[t].percent.high) }])) as RangesDraft;
}

/** The percentage ranges typed, absolute ranges kept; null while a value is missing, above 100, or a low is above its high. */
export function rangesFromDraft(draft: RangesDraft, base: ReferenceRanges): ReferenceRanges | null {
  const out = {} as ReferenceRanges;
  for (const t of CELL_TYPES) {
    const low = parseDecimal(draft[t].low);
    const high = parseDecimal(draft[t].high);
    if (low === null || high === null || low > high || high > 100) return null;
    out[t] = { percent: { low, high }, absolute: base[t].absolute };
  }
  return out;
}
