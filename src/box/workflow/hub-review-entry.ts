/**
 * The audit entry of a review taken in from the hub (action `hub.review`): written by
 * src/box/sync/apply-review.ts, read by the sample views and the report.
 */
import type { HubReviewNote } from '../../contracts/api/samples.ts';
import type { AuditEntry } from '../store/types.ts';

export const HUB_REVIEW = 'hub.review';

/** The words in place of a type: a cell the review added had none before, a duplicate it removed has none after. */
export const ADDED = 'added';
export const REMOVED = 'removed (duplicate)';

/** A cell a review changed (with its field) or proposed to change; `op`: added or removed rather than retyped. */
export interface ReviewedCell {
  cellId: string;
  fieldId?: string;
  from: string;
  to: string;
  op?: 'add' | 'delete';
}

/** A type, not an interface, so that it is an audit entry's detail (a plain record). */
export type HubReviewDetail = {
  reviewId: string;
  hubSeq: number;
  reviewer: string;
  baseRevision: number;
  comment: string | null;
  /** Entries from before refusals existed have none: they were applied. */
  outcome?: 'applied' | 'conflict';
  applied?: ReviewedCell[];
  proposed?: ReviewedCell[];
  conflict?: { why: NonNullable<HubReviewNote['why']> };
};

/** The entry's review, or null for an entry of another action. */
export function hubReviewOf(e: AuditEntry): HubReviewDetail | null {
  return e.action === HUB_REVIEW ? (e.detail as unknown as HubReviewDetail) : null;
}
