/**
 * A review signed at the hub becomes a new revision of the sample at the box, in one transaction
 * with its record in sync_reviews (so it is applied exactly once) and the cursor. A review applies
 * whole or not at all: if the box signed a newer revision since the review's base, or a cell it
 * changes or removes is gone or no longer has the type the reviewer saw, or a cell it adds has no
 * field here or an id the box already holds, nothing of it is applied and the
 * sample goes back to review, with the reviewer's proposed changes in the audit entry and the
 * message, to be looked at and signed again (that newer revision then replaces the reviewed one at
 * the hub, and both show the same differential). A synced sample stays synced when a review applies
 * (the hub has it). The review also acknowledges the revision it was made on, whose upload answer
 * the box may have missed.
 */
import { CELL_CLASSES, type CellClass } from '../../contracts/vocabulary.ts';
import type { ReviewChange } from '../../contracts/hub-protocol.ts';
import type { BoxTuple, Cell, Sample } from '../store/types.ts';
import { applyChangeInTransaction, publishSampleChanged } from '../workflow/changes.ts';
import { getCell, insertPersonsCell, MIN_CELL_SIDE, setCellType } from '../workflow/cells.ts';
import type { WorkflowContext } from '../workflow/context.ts';
import { markDelivered } from '../workflow/signoff.ts';
import type { HubReview } from './hub-api.ts';
import type { SyncRepo } from './repo.ts';
import { ADDED, HUB_REVIEW, REMOVED, type HubReviewDetail, type ReviewedCell } from '../workflow/hub-review-entry.ts';

export interface ReviewOutcome {
  outcome: 'applied' | 'conflict' | 'unknown_sample' | 'already_applied';
  revision: number | null;
  applied: number;
  /** Changes not applied: all of them on a conflict. */
  skipped: number;
}

type CellConflict = { cellId: string; why: 'cell_gone' | 'changed_at_box' | 'unknown_type' | 'field_gone' | 'cell_exists' | 'bad_box' | 'named_twice' };
export type Conflict = { why: 'signed_since'; signedRevision: number } | { why: 'cells_changed'; cells: CellConflict[] } | { why: 'earlier_review_not_applied' };

function liveCell(ctx: WorkflowContext, id: string): Cell | undefined {
  try {
    return getCell(ctx, id);
  } catch {
    return undefined;
  }
}

/** Why the review cannot be applied whole to the sample as the box holds it, or null. */
function conflictOf(ctx: WorkflowContext, repo: SyncRepo, sampleId: string, review: HubReview): Conflict | null {
  const signed = ctx.store.outbox.latestForSample(sampleId);
  if (signed && signed.revision > review.baseRevision) return { why: 'signed_since', signedRevision: signed.revision };
  // A later review of the same revision was made on top of the one refused here: it cannot stand alone.
  if (repo.conflictOnBase(sampleId, review.baseRevision)) return { why: 'earlier_review_not_applied' };
  const cells: CellConflict[] = [];
  const named = new Set<string>();
  for (const ch of review.changes) {
    const why = named.has(ch.cellId) ? 'named_twice' : changeConflict(ctx, sampleId, ch);
    named.add(ch.cellId);
    if (why) cells.push({ cellId: ch.cellId, why });
  }
  return cells.length ? { why: 'cells_changed', cells } : null;
}

const isCellClass = (t: unknown): t is CellClass => typeof t === 'string' && (CELL_CLASSES as readonly string[]).includes(t);

/** A box inside a field of this size, at least MIN_CELL_SIDE each way, as the kiosk's own addCell requires. */
function boxFits(box: unknown, width: number, height: number): box is BoxTuple {
  if (!Array.isArray(box) || box.length !== 4 || !box.every((v) => typeof v === 'number' && Number.isFinite(v))) return false;
  const [x1, y1, x2, y2] = box as number[];
  return x1 >= 0 && y1 >= 0 && x2 <= width && y2 <= height && x2 - x1 >= MIN_CELL_SIDE && y2 - y1 >= MIN_CELL_SIDE;
}

/** Why one change cannot apply to the sample as the box holds it, or null. */
function changeConflict(ctx: WorkflowContext, sampleId: string, ch: ReviewChange): CellConflict['why'] | null {
  // A kind of change from a newer hub that this box does not know: refused, never guessed at.
  const op: unknown = ch.op;
  if (op !== undefined && op !== 'delete' && op !== 'add') return 'unknown_type';
  if (ch.op === 'add') {
    const field = ctx.store.fields.get(ch.fieldId);
    // A field left out of the count (not analysed, or set aside) takes no cell, as at the kiosk.
    if (!field || field.deletedAt || field.sampleId !== sampleId || field.status !== 'analysed') return 'field_gone';
    // Any row, deleted or not: the reviewer's id must name a new cell.
    if (ctx.store.cells.get(ch.cellId)) return 'cell_exists';
    if (!isCellClass(ch.to)) return 'unknown_type';
    return boxFits(ch.box, field.width, field.height) ? null : 'bad_box';
  }
  const cell = liveCell(ctx, ch.cellId);
  if (!cell || cell.sampleId !== sampleId) return 'cell_gone';
  if (ch.op !== 'delete' && !isCellClass(ch.to)) return 'unknown_type';
  return cell.type !== ch.from ? 'changed_at_box' : null;
}

/** A change as the audit entry and the nurse's notice name it: a removal's "to" and an addition's "from" in words. */
function reviewedCell(ch: ReviewChange): ReviewedCell {
  if (ch.op === 'add') return { cellId: ch.cellId, fieldId: ch.fieldId, from: ADDED, to: ch.to, op: 'add' };
  if (ch.op === 'delete') return { cellId: ch.cellId, from: ch.from, to: REMOVED, op: 'delete' };
  return { cellId: ch.cellId, from: ch.from, to: ch.to };
}

/** The reviewer's changes as a nurse finds them: "field 2: neutrophil -> eosinophil; field 1: added -> monocyte". */
function proposedText(ctx: WorkflowContext, review: HubReview): string {
  const where = (ch: ReviewChange) => {
    const fieldId = ch.op === 'add' ? ch.fieldId : liveCell(ctx, ch.cellId)?.fieldId;
    const field = fieldId && ctx.store.fields.get(fieldId);
    return field && field.sampleId === review.sampleId ? `field ${field.seq}` : ch.op === 'add' ? 'a field no longer here' : 'a cell no longer here';
  };
  return review.changes
    .map(reviewedCell)
    .map((c, i) => `${where(review.changes[i])}: ${c.from} -> ${c.to}`)
    .join('; ');
}

type Applied = ReviewedCell & { fieldId: string };
/** What one branch decided, inside the review's transaction. */
type Taken = ReviewOutcome & { conflict?: Conflict };

const reviewDetail = (review: HubReview, taken: Pick<HubReviewDetail, 'outcome' | 'applied' | 'proposed' | 'conflict'>): HubReviewDetail => ({
  reviewId: review.id,
  hubSeq: review.seq,
  reviewer: review.reviewer.name,
  baseRevision: review.baseRevision,
  comment: review.comment,
  ...taken,
});
const byLine = (review: HubReview) => `review by ${review.reviewer.name} at the hub`;
const commentTail = (review: HubReview) => (review.comment ? `; comment: ${review.comment}` : '');

/** Agreement without a change: a note in the audit log, the sample as it is (signed or not). */
function takeNote(ctx: WorkflowContext, repo: SyncRepo, sample: Sample, review: HubReview, at: string): Taken {
  ctx.store.audit.append({
    at,
    sampleId: sample.id,
    revision: sample.revision,
    userId: null,
    action: HUB_REVIEW,
    target: null,
    detail: reviewDetail(review, { outcome: 'applied', applied: [] }),
    reason: `${byLine(review)}: no change${commentTail(review)}`.slice(0, 500),
  });
  repo.recordReview({ reviewId: review.id, hubSeq: review.seq, sampleId: sample.id, appliedRevision: sample.revision, outcome: 'applied', detail: { reviewer: review.reviewer.name, applied: 0 }, at });
  return { outcome: 'applied', revision: sample.revision, applied: 0, skipped: 0 };
}

/** Nothing of the review applies: the sample goes back to review, with the proposal in the audit entry. */
function refuse(ctx: WorkflowContext, repo: SyncRepo, sample: Sample, review: HubReview, conflict: Conflict, at: string): Taken {
  const { sample: after } = applyChangeInTransaction(
    ctx,
    sample.id,
    { userId: null, reason: `${byLine(review)} not applied (${conflictText(conflict)}); proposed: ${proposedText(ctx, review)}${commentTail(review)}`.slice(0, 500) },
    { action: HUB_REVIEW, detail: reviewDetail(review, { outcome: 'conflict', conflict, proposed: review.changes.map(reviewedCell) }) },
    () => undefined,
  );
  repo.recordReview({
    reviewId: review.id,
    hubSeq: review.seq,
    sampleId: sample.id,
    appliedRevision: after.revision,
    outcome: 'conflict',
    detail: { reviewer: review.reviewer.name, baseRevision: review.baseRevision, conflict },
    at,
  });
  return { outcome: 'conflict', revision: after.revision, applied: 0, skipped: review.changes.length, conflict };
}

/**
 * Every change applies: a new revision, each retyped or added cell recording its reviewer, each
 * duplicate soft-deleted as the kiosk deletes; a synced sample stays synced.
 */
function applyAll(ctx: WorkflowContext, repo: SyncRepo, sample: Sample, review: HubReview, at: string, applied: Applied[]): Taken {
  const { sample: after } = applyChangeInTransaction(
    ctx,
    sample.id,
    { userId: null, reason: `${byLine(review)}${review.comment ? `: ${review.comment}` : ''}`.slice(0, 500) },
    { action: HUB_REVIEW, detail: reviewDetail(review, { outcome: 'applied', applied }), ...(sample.status === 'synced' ? { status: 'synced' as const } : {}) },
    () => {
      for (const ch of review.changes) {
        if (ch.op === 'add') {
          addReviewedCell(ctx, sample.id, ch, at, review.reviewer.name);
          applied.push({ ...reviewedCell(ch), fieldId: ch.fieldId });
          continue;
        }
        const cell = getCell(ctx, ch.cellId);
        if (ch.op === 'delete') ctx.store.cells.softDelete(cell.id, null, at);
        else setCellType(ctx, cell, ch.to as CellClass, null, at, review.reviewer.name);
        applied.push({ ...reviewedCell(ch), fieldId: cell.fieldId });
      }
    },
  );
  repo.recordReview({
    reviewId: review.id,
    hubSeq: review.seq,
    sampleId: sample.id,
    appliedRevision: after.revision,
    outcome: 'applied',
    detail: { reviewer: review.reviewer.name, applied: applied.length },
    at,
  });
  return { outcome: 'applied', revision: after.revision, applied: applied.length, skipped: 0 };
}

/** A missed cell the reviewer drew: a person's cell (source added), looked at, naming its reviewer. */
function addReviewedCell(ctx: WorkflowContext, sampleId: string, ch: Extract<ReviewChange, { op: 'add' }>, at: string, reviewer: string): void {
  const type = ch.to as CellClass;
  insertPersonsCell(ctx, { id: ch.cellId, fieldId: ch.fieldId, sampleId, box: ch.box, type }, null, at);
  ctx.store.cells.setType(ch.cellId, type, 'added', null, at, reviewer);
  ctx.store.cells.markReviewed(ch.cellId, null, at);
}

export function applyReview(ctx: WorkflowContext, repo: SyncRepo, review: HubReview, afterCommit: { cursorKey: string; cursorValue: string }): ReviewOutcome {
  // A review of revision n proves the hub holds n, even if its answer to our upload was lost.
  const base = ctx.store.outbox.forRevision(review.sampleId, review.baseRevision);
  if (base && !base.deliveredAt) {
    repo.release(base.id);
    markDelivered(ctx, review.sampleId, review.baseRevision);
  }
  const at = ctx.now().toISOString();
  const applied: Applied[] = [];
  const result = ctx.store.transaction((): Taken => {
    repo.setState(afterCommit.cursorKey, afterCommit.cursorValue, at);
    if (repo.reviewApplied(review.id)) return { outcome: 'already_applied', revision: null, applied: 0, skipped: 0 };
    const sample = ctx.store.samples.get(review.sampleId);
    if (!sample) {
      repo.recordReview({ reviewId: review.id, hubSeq: review.seq, sampleId: null, appliedRevision: null, outcome: 'unknown_sample', detail: { sampleId: review.sampleId }, at });
      return { outcome: 'unknown_sample', revision: null, applied: 0, skipped: 0 };
    }
    if (review.changes.length === 0) return takeNote(ctx, repo, sample, review, at);
    const conflict = conflictOf(ctx, repo, sample.id, review);
    return conflict ? refuse(ctx, repo, sample, review, conflict, at) : applyAll(ctx, repo, sample, review, at, applied);
  });
  if (result.outcome === 'applied' || result.outcome === 'conflict') publishTaken(ctx, review, result, applied);
  const { conflict: _, ...outcome } = result;
  return outcome;
}

function publishTaken(ctx: WorkflowContext, review: HubReview, result: Taken, applied: Applied[]): void {
  const change = { add: 'added', delete: 'deleted' } as const;
  for (const a of applied) ctx.events.publish({ type: 'cell.changed', sampleId: review.sampleId, fieldId: a.fieldId, cellId: a.cellId, change: a.op ? change[a.op] : 'reclassified' });
  publishSampleChanged(ctx, ctx.store.samples.get(review.sampleId)!);
  const what = result.applied === 0 ? 'no cell changed' : appliedText(applied);
  const message = result.conflict
    ? `${byLine(review)} not applied (${conflictText(result.conflict)}): nothing changed, the sample is back to review. Proposed: ${proposedText(ctx, review)}. Check these cells and sign again`
    : `reviewed by ${review.reviewer.name} at the hub: ${what}`;
  ctx.events.publish({ type: 'sync.changed', sampleId: review.sampleId, state: 'reviewed', revision: result.revision, message });
}

const cellsText = (n: number) => `${n} ${n === 1 ? 'cell' : 'cells'}`;

/** "2 cells reclassified, 1 cell removed as a duplicate, 1 cell added". */
function appliedText(applied: Applied[]): string {
  const count = (op: ReviewedCell['op']) => applied.filter((a) => a.op === op).length;
  const [retyped, removed, added] = [count(undefined), count('delete'), count('add')];
  const parts = [retyped && `${cellsText(retyped)} reclassified`, removed && `${cellsText(removed)} removed as ${removed === 1 ? 'a duplicate' : 'duplicates'}`, added && `${cellsText(added)} added`];
  return parts.filter(Boolean).join(', ');
}

/** Why a review was refused, in words (the nurse's message, and the reason the hub shows its reviewer). */
export function conflictText(c: Conflict): string {
  if (c.why === 'signed_since') return `the sample was signed again here (revision ${c.signedRevision}) after the revision it reviewed`;
  if (c.why === 'earlier_review_not_applied') return 'it builds on an earlier review of the same revision that could not be applied here';
  return `${c.cells.length} of its cells changed here since`;
}
