/**
 * "Being reviewed by": who has a sample's page open. Advisory only, never a refusal (the stale
 * check of createReview keeps reviews safe): a reviewer's hold is renewed each time they open the
 * page, lapses LOCK_MINUTES after the last opening, and goes when they sign a review of the sample.
 */
import type { HubKysely } from '../db/connect.ts';

export const LOCK_MINUTES = 15;

export interface LockHolder {
  sampleId: string;
  reviewerId: string;
  reviewerName: string;
  openedAt: string;
}

const cutoff = (now: Date) => new Date(now.getTime() - LOCK_MINUTES * 60_000).toISOString();

/** Records that this reviewer opened the sample now, and clears holds that have lapsed. */
export async function holdSample(db: HubKysely, sampleId: string, reviewer: { id: string; name: string }, now: Date): Promise<void> {
  const at = now.toISOString();
  await db
    .insertInto('review_locks')
    .values({ sample_id: sampleId, reviewer_id: reviewer.id, reviewer_name: reviewer.name, opened_at: at })
    .onConflict((oc) => oc.columns(['sample_id', 'reviewer_id']).doUpdateSet({ reviewer_name: reviewer.name, opened_at: at }))
    .execute();
  await db.deleteFrom('review_locks').where('opened_at', '<', cutoff(now)).execute();
}

/** The reviewer signed a review of the sample: their hold on it ends. */
export async function releaseSample(db: HubKysely, sampleId: string, reviewerId: string): Promise<void> {
  await db.deleteFrom('review_locks').where('sample_id', '=', sampleId).where('reviewer_id', '=', reviewerId).execute();
}

/** The reviewer signed out: they hold no sample any more. */
export async function releaseAllOf(db: HubKysely, reviewerId: string): Promise<void> {
  await db.deleteFrom('review_locks').where('reviewer_id', '=', reviewerId).execute();
}

/** The live holds of other reviewers on these samples, the most recent opening first. */
export async function holdersOf(db: HubKysely, sampleIds: string[], exceptReviewerId: string, now: Date): Promise<LockHolder[]> {
  if (sampleIds.length === 0) return [];
  const rows = await db
    .selectFrom('review_locks')
    .select(['sample_id', 'reviewer_id', 'reviewer_name', 'opened_at'])
    .where('sample_id', 'in', sampleIds)
    .where('reviewer_id', '!=', exceptReviewerId)
    .where('opened_at', '>=', cutoff(now))
    .orderBy('opened_at', 'desc')
    .orderBy('reviewer_name')
    .execute();
  return rows.map((r) => ({ sampleId: r.sample_id, reviewerId: r.reviewer_id, reviewerName: r.reviewer_name, openedAt: r.opened_at }));
}
