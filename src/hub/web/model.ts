/**
 * What a reviewer sees of a sample: the cells of its current revision with the types after the
 * reviews already signed on that revision, and the differential those types give.
 */
import { ATTENTION_CLASSES, CELL_CLASSES, isCountedClass, NON_LEUKOCYTE_CLASSES } from '../../contracts/vocabulary.ts';
import { createHash } from 'node:crypto';
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
  /** The field's scale (boxes from before it was sent have none). */
  scale?: { umPerPixel?: number | null } | null;
  cells: ReportCell[];
}

/** A cell a review of this revision added (a leukocyte the analysis missed), on a field of the payload. */
export interface AddedCell extends ReportCell {
  fieldId: string;
  /** The reviewer who added it. */
  by: string;
}

export interface ReportPayload {
  sample: { id: string; reference: string; revision: number; patientId?: string | null; collectedAt?: string | null; wbcCount?: number | null };
  differential?: {
    rows?: { type: string; count: number; percent: number }[];
    counted?: number;
    flags?: string[];
    /** NRBC and smudge per 100 leukocytes (boxes from before these classes send none). */
    nonLeukocytes?: { type: string; count: number; per100: number | null }[];
    attention?: { type: string; count: number }[];
  };
  fields?: ReportField[];
  people?: { signedBy?: { name?: string; at?: string | null } | null };
}

export const REVIEW_TYPES: readonly string[] = CELL_CLASSES;

/** The choice of a cell's type field that removes it from the count: a duplicate of another cell. */
export const REMOVE_CHOICE = 'remove';

/** The reviews of this revision laid on its cells: each live cell's type (removed duplicates are absent), and the cells they added. */
export function reviewedCells(payload: ReportPayload, reviews: Review[]): { types: Map<string, string>; added: AddedCell[] } {
  const types = new Map<string, string>();
  const known = new Set<string>();
  const fields = new Map((payload.fields ?? []).map((f) => [f.id, f]));
  for (const f of payload.fields ?? [])
    for (const c of f.cells) {
      types.set(c.id, c.type);
      known.add(c.id);
    }
  const added: AddedCell[] = [];
  for (const r of reviews) {
    if (r.baseRevision !== payload.sample.revision) continue;
    for (const ch of r.changes) {
      if (ch.op === 'add') {
        if (!fields.has(ch.fieldId) || known.has(ch.cellId)) continue;
        known.add(ch.cellId);
        types.set(ch.cellId, ch.to);
        added.push({ id: ch.cellId, fieldId: ch.fieldId, box: ch.box, type: ch.to, autoType: null, confidence: null, flagged: false, by: r.reviewer.name });
      } else if (!types.has(ch.cellId)) continue;
      else if (ch.op === 'delete') types.delete(ch.cellId);
      else types.set(ch.cellId, ch.to);
    }
  }
  return { types, added };
}

/** Cell id -> type after the reviews of this revision, in order; a duplicate a review removed is absent, a cell one added is there. */
export function effectiveTypes(payload: ReportPayload, reviews: Review[]): Map<string, string> {
  return reviewedCells(payload, reviews).types;
}

/** The payload's fields with the cells the reviews added, and without the cells no longer in `types` (removed duplicates). */
export function reviewedFields(fields: ReportField[], types: Map<string, string>, added: AddedCell[]): ReportField[] {
  return fields.map((f) => ({ ...f, cells: [...f.cells, ...added.filter((a) => a.fieldId === f.id)].filter((c) => types.has(c.id)) }));
}

/** The changes a submitted form makes to the effective types: a new type, or a duplicate removed. */
export function changesFrom(current: Map<string, string>, submitted: Record<string, string>): CellChange[] {
  const out: CellChange[] = [];
  for (const [cellId, to] of Object.entries(submitted)) {
    const from = current.get(cellId);
    if (from === undefined || from === to || !REVIEW_TYPES.includes(from)) continue;
    if (to === REMOVE_CHOICE) out.push({ op: 'delete', cellId, from, to: null });
    else if (REVIEW_TYPES.includes(to)) out.push({ cellId, from, to });
  }
  return out;
}

/** A missed cell a reviewer placed on a field photo, as the form posts it (before it has an id). */
export interface NewCell {
  fieldId: string;
  box: [number, number, number, number];
  type: string;
}

/**
 * The additions of one signing, each with an id the hub makes from the signing's base, its
 * reviewer and the addition itself: the same form posted twice names the same cells (and so is
 * recognised as signed already), while hub and box agree on the id the box will store.
 */
export function additionChanges(cells: NewCell[], base: { sampleId: string; revision: number; reviewsSeen: number | null; reviewerId: string }): CellChange[] {
  return cells.map((c, k) => {
    const h = createHash('sha256')
      .update(JSON.stringify([base.sampleId, base.revision, base.reviewsSeen, base.reviewerId, k, c.fieldId, c.box, c.type]))
      .digest('hex');
    // Shaped as a UUID (version 8, "custom"), as every cell id is.
    const cellId = `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
    return { op: 'add' as const, cellId, fieldId: c.fieldId, box: c.box, from: null, to: c.type };
  });
}

/**
 * A typical leukocyte's box side on this field, in its pixels: 12 µm at the field's scale when the
 * box measured one, else the median side of the field's cells, else of the sample's, else a tenth
 * of the photo's shorter side.
 */
export const LEUKOCYTE_UM = 12;
export function typicalCellSide(field: ReportField, all: ReportField[]): number {
  const um = field.scale?.umPerPixel;
  if (typeof um === 'number' && um > 0 && Number.isFinite(um)) return Math.round(LEUKOCYTE_UM / um);
  const median = (cells: ReportCell[]) => {
    const sides = cells.map((c) => Math.max(c.box[2] - c.box[0], c.box[3] - c.box[1])).sort((a, b) => a - b);
    return sides.length ? sides[Math.floor(sides.length / 2)] : null;
  };
  return Math.round(median(field.cells) ?? median(all.flatMap((f) => f.cells)) ?? Math.min(field.image.width, field.image.height) / 10);
}

/** A cell whose type changed between what a reviewer saw and now; `now` null: the cell is gone. */
export interface ChangedMeanwhile {
  cellId: string;
  was: string;
  now: string | null;
  /** Who changed it: a reviewer's name, or null for a newer revision from the box. */
  by: string | null;
}

/**
 * What changed while a reviewer reviewed, cell by cell: `seen` against `current`, each change
 * credited to the last review after the reviewer's base that set the cell, else to the box.
 */
export function changedMeanwhile(seen: Map<string, string>, current: Map<string, string>, reviewsSince: Review[]): ChangedMeanwhile[] {
  const lastBy = new Map<string, string>();
  for (const r of reviewsSince) for (const ch of r.changes) lastBy.set(ch.cellId, r.reviewer.name);
  const out: ChangedMeanwhile[] = [];
  for (const [cellId, was] of seen) {
    const now = current.get(cellId) ?? null;
    if (now !== was) out.push({ cellId, was, now, by: now === null ? null : (lastBy.get(cellId) ?? null) });
  }
  return out;
}

/** The reviewer's changes laid on the current types: the choices a re-sign offers. Changes to cells that are gone are dropped; additions are kept apart (NewCell). */
export function carryOver(current: Map<string, string>, changes: CellChange[]): Map<string, string> {
  const out = new Map(current);
  for (const ch of changes) if (ch.op !== 'add' && out.has(ch.cellId)) out.set(ch.cellId, ch.op === 'delete' ? REMOVE_CHOICE : ch.to);
  return out;
}

export interface ReviewedDifferential {
  /** The leukocyte classes (the five, the other leukocytes, unidentified): count and percentage of the leukocytes. */
  rows: { type: string; count: number; percent: number }[];
  /** NRBC and smudge: not counted, per 100 leukocytes. */
  nonLeukocytes: { type: string; count: number; per100: number | null }[];
  /** Blasts, immature granulocytes or NRBC present. */
  attention: { type: string; count: number }[];
}

/** The differential the effective types give, counted as the box counts it (src/box/workflow/differential.ts). */
export function tally(types: Iterable<string>): ReviewedDifferential {
  const counts = new Map<string, number>();
  let counted = 0;
  for (const t of types) {
    counts.set(t, (counts.get(t) ?? 0) + 1);
    if (isCountedClass(t)) counted++;
  }
  const count = (t: string) => counts.get(t) ?? 0;
  const share = (n: number) => (counted ? Math.round((1000 * n) / counted) / 10 : 0);
  return {
    rows: REVIEW_TYPES.filter(isCountedClass).map((type) => ({ type, count: count(type), percent: share(count(type)) })),
    nonLeukocytes: NON_LEUKOCYTE_CLASSES.map((type) => ({ type, count: count(type), per100: counted ? share(count(type)) : null })),
    attention: ATTENTION_CLASSES.filter((t) => count(t) > 0).map((type) => ({ type, count: count(type) })),
  };
}

/** Each cell's number on the pages: the fields in order, their cells in order, from 1; then the cells reviews added, in order. */
export function cellNumbers(p: ReportPayload, added: AddedCell[] = []): Map<string, number> {
  const numbers = new Map<string, number>();
  let n = 0;
  for (const f of p.fields ?? []) for (const c of f.cells) numbers.set(c.id, ++n);
  for (const c of added) numbers.set(c.id, ++n);
  return numbers;
}

/** The differential as the box signed it (its report's own). */
export function signedDifferential(p: ReportPayload): ReviewedDifferential {
  return { rows: p.differential?.rows ?? [], nonLeukocytes: p.differential?.nonLeukocytes ?? [], attention: p.differential?.attention ?? [] };
}
