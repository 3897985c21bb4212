/**
 * What a reviewer sees of a sample: the cells of its current revision with the types after the
 * reviews already signed on that revision, and the differential those types give.
 */
import { ATTENTION_CLASSES, CELL_CLASSES, isCountedClass, NON_LEUKOCYTE_CLASSES } from '../../contracts/vocabulary.ts';
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
    if (from !== undefined && from !== to && REVIEW_TYPES.includes(from) && REVIEW_TYPES.includes(to)) out.push({ cellId, from, to });
  }
  return out;
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

/** The reviewer's changes laid on the current types: the choices a re-sign offers. Changes to cells that are gone are dropped. */
export function carryOver(current: Map<string, string>, changes: CellChange[]): Map<string, string> {
  const out = new Map(current);
  for (const ch of changes) if (out.has(ch.cellId)) out.set(ch.cellId, ch.to);
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

/** Each cell's number on the pages: the fields in order, their cells in order, from 1. */
export function cellNumbers(p: ReportPayload): Map<string, number> {
  const numbers = new Map<string, number>();
  let n = 0;
  for (const f of p.fields ?? []) for (const c of f.cells) numbers.set(c.id, ++n);
  return numbers;
}

/** The differential as the box signed it (its report's own). */
export function signedDifferential(p: ReportPayload): ReviewedDifferential {
  return { rows: p.differential?.rows ?? [], nonLeukocytes: p.differential?.nonLeukocytes ?? [], attention: p.differential?.attention ?? [] };
}
