/**
 * What a reviewer sees of a sample: the cells of its current revision with the types after the
 * reviews already signed on that revision, and the differential those types give.
 */
import { CELL_CLASSES } from '../../store/types.ts';
import type { CellChange, Review } from '../repo/reviews.ts';

export interface ReportCell {
  id: string;
  box: [number, number, number, number];
  type: string;
  autoType: string | null;
  confidence: number | null;
  flagged: boolean;
}

export interface ReportField {
  id: string;
  seq: number;
  image: { sha256: string; width: number; height: number };
  cells: ReportCell[];
}

export interface ReportPayload {
  sample: { id: string; reference: string; revision: number; patientId?: string | null; collectedAt?: string | null; wbcCount?: number | null };
  differential?: { rows?: { type: string; count: number; percent: number }[]; counted?: number; flags?: string[] };
  fields?: ReportField[];
  people?: { signedBy?: { name?: string; at?: string | null } | null };
}

export const REVIEW_TYPES: readonly string[] = CELL_CLASSES;

/** Cell id -> type after the reviews of this revision, in order. */
export function effectiveTypes(payload: ReportPayload, reviews: Review[]): Map<string, string> {
  const types = new Map<string, string>();
  for (const f of payload.fields ?? []) for (const c of f.cells) types.set(c.id, c.type);
  for (const r of reviews) {
    if (r.baseRevision !== payload.sample.revision) continue;
    for (const ch of r.changes) if (types.has(ch.cellId)) types.set(ch.cellId, ch.to);
  }
  return types;
}

/** The changes a submitted form makes to the effective types. */
export function changesFrom(current: Map<string, string>, submitted: Record<string, string>): CellChange[] {
  const out: CellChange[] = [];
  for (const [cellId, to] of Object.entries(submitted)) {
    const from = current.get(cellId);
    if (from !== undefined && from !== to && REVIEW_TYPES.includes(to)) out.push({ cellId, from, to });
  }
  return out;
}

/** Counts and percentages of the leukocyte classes (not_leukocyte is not counted). */
export function tally(types: Iterable<string>): { type: string; count: number; percent: number }[] {
  const counts = new Map<string, number>();
  let counted = 0;
  for (const t of types) {
    if (t === 'not_leukocyte') continue;
    counts.set(t, (counts.get(t) ?? 0) + 1);
    counted++;
  }
  return REVIEW_TYPES.filter((t) => t !== 'not_leukocyte').map((type) => {
    const count = counts.get(type) ?? 0;
    return { type, count, percent: counted ? Math.round((1000 * count) / counted) / 10 : 0 };
  });
}
