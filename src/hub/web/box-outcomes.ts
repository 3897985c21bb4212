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
import type { Locale } from './i18n/locale.ts';

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

export function reviewBoxCell(loc: Locale, r: Review, sampleRevision: number, box: BoxView): Html {
  if (r.baseRevision < sampleRevision) return html`<td data-box="earlier">${loc.t('box.earlier', { revision: sampleRevision })}</td>`;
  const reported = box.outcomes.get(r.id);
  if (reported?.outcome === 'applied') return html`<td data-box="applied">${loc.t('box.applied')}</td>`;
  if (reported?.outcome === 'conflict') return html`<td data-box="conflict" title="${reported.reason ?? ''}">${loc.t('box.conflict')}</td>`;
  if (reported?.outcome === 'unknown_sample') return html`<td data-box="unknown_sample">${loc.t('box.unknown_sample')}</td>`;
  return box.cursor >= r.seq ? html`<td data-box="reached">${loc.t('box.reached')}</td>` : html`<td data-box="waiting">${loc.t('box.waiting')}</td>`;
}
