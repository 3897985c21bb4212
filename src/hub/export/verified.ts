/**
 * Which cells of a synced sample a person verified, and so may become training data.
 *
 * A sample counts only when its newest revision at the hub is a signed one: the report names who
 * signed it (people.signedBy) and sample.signedRevision is that very revision. Of its cells, one
 * counts as verified, and with which class, by this rule (first match wins):
 *
 * 1. `hub_review`: a review signed at the hub on this revision changed or added it (the class is
 *    the type after the reviews, reviewedCells of web/model.ts), or the cell carries
 *    changedByReviewer (a hub review applied at the box before the sample was signed again). A
 *    duplicate such a review removed is no cell any more: left out, and not counted as unverified.
 * 2. `box`: a person at the box looked at it before sign-off (reviewed: the review gallery's
 *    "seen", a flagged cell checked, any correction), or a person set its type (source corrected)
 *    or drew it (source added).
 * 3. Otherwise nobody verified it: it is never exported. This includes the cells the box does not
 *    require anyone to see before signing (an automatic "not a leukocyte") and every cell of a
 *    report from a box that does not say whether a cell was seen.
 *
 * A verified "not a leukocyte" (or NRBC, smudge) is exported under its class: a person confirming
 * that a detection is no leukocyte is a useful negative. A verified "unidentified" cell
 * ('unclassified') is exported as a person-confirmed leukocyte box without a type: it is in the
 * annotations, but gets no classifier crop (there is no class to learn from it).
 */
import type { Report, ReportField } from '../../contracts/api/report.ts';
import type { Cell } from '../../contracts/api/samples.ts';
import { CELL_CLASSES, type CellClass } from '../../contracts/vocabulary.ts';
import type { Review } from '../repo/reviews.ts';
import { reviewedCells, type AddedCell, type ReportPayload } from '../web/model.ts';

export type VerifiedBy = 'box' | 'hub_review';

export interface VerifiedCell {
  cell: Cell;
  /** The class after the hub's reviews of this revision. */
  type: CellClass;
  verifiedBy: VerifiedBy;
}

export interface VerifiedField {
  field: ReportField;
  /** By cell id. */
  cells: VerifiedCell[];
  /** Cells of the field nobody verified (left out). */
  unverified: number;
}

const isCellClass = (t: string | undefined): t is CellClass => t !== undefined && (CELL_CLASSES as readonly string[]).includes(t);

/** Whether the report is a signed revision: who signed it, and the signed revision is this one. */
export function isSignedRevision(payload: Report): boolean {
  const s = payload.sample;
  return Boolean(payload.people?.signedBy) && typeof s?.signedRevision === 'number' && s.signedRevision === s.revision;
}

/** Who verified the cell (null: nobody), given the cells a hub review of this revision changed. */
export function verifiedBy(cell: Cell, changedAtHub: ReadonlySet<string>): VerifiedBy | null {
  if (changedAtHub.has(cell.id) || (typeof cell.changedByReviewer === 'string' && cell.changedByReviewer !== '')) return 'hub_review';
  if (cell.reviewed === true || cell.source === 'corrected' || cell.source === 'added') return 'box';
  return null;
}

/** The verified cells of a signed report, field by field (by seq), each field's cells by id. */
export function verifiedFields(payload: Report, reviews: Review[]): VerifiedField[] {
  const { types, added } = reviewedCells(payload as unknown as ReportPayload, reviews);
  const changedAtHub = new Set<string>();
  for (const r of reviews) if (r.baseRevision === payload.sample.revision) for (const ch of r.changes) changedAtHub.add(ch.cellId);
  const fields = [...(payload.fields ?? [])].sort((a, b) => a.seq - b.seq || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  return fields.map((field) => {
    const cells: VerifiedCell[] = [];
    let unverified = 0;
    // A missed cell a review of this revision added is a reviewer's box: verified at the hub.
    const addedHere = added.filter((a) => a.fieldId === field.id).map(addedCellAsReported);
    const sorted = [...(field.cells ?? []), ...addedHere].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const cell of sorted) {
      // A duplicate a review removed is no cell of the sample any more: neither exported nor counted as left out.
      if (!types.has(cell.id) && changedAtHub.has(cell.id)) continue;
      const type = types.get(cell.id);
      const by = verifiedBy(cell, changedAtHub);
      if (by === null || !isCellClass(type) || !validBox(cell.box)) unverified++;
      else cells.push({ cell, type, verifiedBy: by });
    }
    return { field, cells, unverified };
  });
}

/** A cell a hub review added, as the box will report it once the review applies there. */
function addedCellAsReported(a: AddedCell): Cell {
  return {
    id: a.id,
    fieldId: a.fieldId,
    box: a.box,
    type: a.type as CellClass,
    autoType: null,
    confidence: null,
    agreement: null,
    votes: null,
    flagged: false,
    reviewed: true,
    source: 'added',
    changedBy: null,
    changedAt: null,
    changedByReviewer: a.by,
    reviewedBy: null,
    reviewedAt: null,
  };
}

function validBox(box: unknown): box is [number, number, number, number] {
  return Array.isArray(box) && box.length === 4 && box.every((v) => typeof v === 'number' && Number.isFinite(v)) && box[2] > box[0] && box[3] > box[1];
}
