/**
 * A review signed at the hub becomes a new revision of the sample at the box, in one transaction
 * with its record in sync_reviews (so it is applied exactly once) and the cursor. Each change
 * applies only to a cell that still has the type the reviewer saw; the others are listed as
 * skipped in the audit entry. A synced sample stays synced (the hub has the review); any other
 * sample goes back to review and needs signing again, like any correction. The review also
 * acknowledges the revision it was made on, whose upload answer the box may have missed.
 */
import { CELL_CLASSES, type CellClass } from '../../contracts/vocabulary.ts';
import type { Cell } from '../store/types.ts';
import { applyChangeInTransaction, publishSampleChanged } from '../workflow/changes.ts';
import { getCell, setCellType } from '../workflow/cells.ts';
import type { WorkflowContext } from '../workflow/context.ts';
import { markDelivered } from '../workflow/signoff.ts';
import type { HubReview } from './hub-api.ts';
import type { SyncRepo } from './repo.ts';

export interface ReviewOutcome {
  outcome: 'applied' | 'unknown_sample' | 'already_applied';
  revision: number | null;
  applied: number;
  skipped: number;
}

type Skip = { cellId: string; why: 'cell_gone' | 'changed_at_box' | 'unknown_type' };

function liveCell(ctx: WorkflowContext, id: string): Cell | undefined {
  try {
    return getCell(ctx, id);
  } catch {
    return undefined;
  }
}

export function applyReview(ctx: WorkflowContext, repo: SyncRepo, review: HubReview, afterCommit: { cursorKey: string; cursorValue: string }): ReviewOutcome {
  // A review of revision n proves the hub holds n, even if its answer to our upload was lost.
  const base = ctx.store.outbox.forRevision(review.sampleId, review.baseRevision);
  if (base && !base.deliveredAt) {
    repo.release(base.id);
    markDelivered(ctx, review.sampleId, review.baseRevision);
  }
  const at = ctx.now().toISOString();
  const applied: { cellId: string; fieldId: string; from: string; to: string }[] = [];
  const result = ctx.store.transaction((): ReviewOutcome => {
    repo.setState(afterCommit.cursorKey, afterCommit.cursorValue, at);
    if (repo.reviewApplied(review.id)) return { outcome: 'already_applied', revision: null, applied: 0, skipped: 0 };
    const sample = ctx.store.samples.get(review.sampleId);
    if (!sample) {
      repo.recordReview({ reviewId: review.id, hubSeq: review.seq, sampleId: null, appliedRevision: null, outcome: 'unknown_sample', detail: { sampleId: review.sampleId }, at });
      return { outcome: 'unknown_sample', revision: null, applied: 0, skipped: 0 };
    }
    const skipped: Skip[] = [];
    const { sample: after } = applyChangeInTransaction(
      ctx,
      sample.id,
      { userId: null, reason: `review by ${review.reviewer.name} at the hub${review.comment ? `: ${review.comment}` : ''}`.slice(0, 500) },
      {
        action: 'hub.review',
        detail: { reviewId: review.id, hubSeq: review.seq, reviewer: review.reviewer.name, baseRevision: review.baseRevision, comment: review.comment, applied, skipped },
        ...(sample.status === 'synced' ? { status: 'synced' as const } : {}),
      },
      () => {
        for (const ch of review.changes) {
          const cell = liveCell(ctx, ch.cellId);
          if (!cell || cell.sampleId !== sample.id) skipped.push({ cellId: ch.cellId, why: 'cell_gone' });
          else if (!(CELL_CLASSES as readonly string[]).includes(ch.to)) skipped.push({ cellId: ch.cellId, why: 'unknown_type' });
          else if (cell.type !== ch.from) skipped.push({ cellId: ch.cellId, why: 'changed_at_box' });
          else {
            const to = ch.to as CellClass;
            setCellType(ctx, cell, to, null, at);
            applied.push({ cellId: cell.id, fieldId: cell.fieldId, from: ch.from, to });
          }
        }
      },
    );
    repo.recordReview({
      reviewId: review.id,
      hubSeq: review.seq,
      sampleId: sample.id,
      appliedRevision: after.revision,
      outcome: 'applied',
      detail: { reviewer: review.reviewer.name, applied: applied.length, skipped: skipped.length },
      at,
    });
    return { outcome: 'applied', revision: after.revision, applied: applied.length, skipped: skipped.length };
  });

  if (result.outcome === 'applied') {
    for (const a of applied) ctx.events.publish({ type: 'cell.changed', sampleId: review.sampleId, fieldId: a.fieldId, cellId: a.cellId, change: 'reclassified' });
    const sample = ctx.store.samples.get(review.sampleId)!;
    publishSampleChanged(ctx, sample);
    const what = result.applied === 0 ? 'no cell changed' : `${result.applied} ${result.applied === 1 ? 'cell' : 'cells'} reclassified`;
    const skippedText = result.skipped ? `; ${result.skipped} not applied (changed at the box since)` : '';
    ctx.events.publish({
      type: 'sync.changed',
      sampleId: review.sampleId,
      state: 'reviewed',
      revision: result.revision,
      message: `reviewed by ${review.reviewer.name} at the hub: ${what}${skippedText}`,
    });
  }
  return result;
}
