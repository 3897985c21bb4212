/**
 * The sample page's "Box" column: what became of each review at the sample's box. A newer revision
 * from the box says it all ("of an earlier revision"); otherwise the box's own report (applied,
 * conflict, not its sample); a box too old to report shows whether its cursor passed the review.
 */
import type { HubKysely } from '../db/connect.ts';
import { reviewCursorOf } from '../repo/devices.ts';
import { outcomesOfReviews, type StoredReviewOutcome } from '../repo/review-outcomes.ts';
import type { Review } from '../repo/reviews.ts';
import { html, type Html } from './html.ts';

export interface BoxView {
  /** The highest review number the sample's box has asked past. */
  cursor: number;
  outcomes: Map<string, StoredReviewOutcome>;
}

export async function boxView(db: HubKysely, deviceId: string, reviews: Review[]): Promise<BoxView> {
  return {
    cursor: await reviewCursorOf(db, deviceId),
    outcomes: await outcomesOfReviews(
      db,
      reviews.map((r) => r.id),
    ),
  };
}

export function reviewBoxCell(r: Review, sampleRevision: number, box: BoxView): Html {
  if (r.baseRevision < sampleRevision) return html`<td data-box="earlier">of an earlier revision: the box signed revision ${sampleRevision} since</td>`;
  const reported = box.outcomes.get(r.id);
  if (reported?.outcome === 'applied') return html`<td data-box="applied">applied at the box</td>`;
  if (reported?.outcome === 'conflict') return html`<td data-box="conflict" title="${reported.reason ?? ''}">conflict: not applied; waiting for the box to sign again</td>`;
  if (reported?.outcome === 'unknown_sample') return html`<td data-box="unknown_sample">the box does not have this sample</td>`;
  return box.cursor >= r.seq ? html`<td data-box="reached">reached the box</td>` : html`<td data-box="waiting">waiting for the box</td>`;
}
