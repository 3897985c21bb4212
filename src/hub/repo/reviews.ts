/**
 * Reviews made at the hub, numbered per clinic. The number comes from the clinic's row, bumped in
 * the review's own transaction: the row lock makes the numbers commit in order, so a box that
 * has read up to N never misses a review numbered N or less that commits later.
 */
import { randomUUID } from 'node:crypto';
import type { HubReview, ReviewChange } from '../../contracts/hub-protocol.ts';
import type { HubKysely } from '../db/connect.ts';

/** The hub's names for the protocol's shapes. */
export type Review = HubReview;
export type CellChange = ReviewChange;

export type ReviewOutcome = { kind: 'created'; review: HubReview } | { kind: 'stale'; latest: number } | { kind: 'not_found' };

export interface NewReview {
  sampleId: string;
  /** The base the reviewer saw: the sample's revision and the last review of the sample signed before. */
  baseRevision: number;
  reviewsSeen: number;
  reviewer: { id: string; name: string };
  changes: ReviewChange[];
  comment: string | null;
  /** The review of this sample it amends (its seq). */
  amends?: number | null;
}

type ReviewRowShape = {
  seq: number;
  id: string;
  sample_id: string;
  base_revision: number;
  reviewer_id: string;
  reviewer_name: string;
  changes: string;
  comment: string | null;
  signed_at: string;
  amends: number | null;
};

const toReview = (r: ReviewRowShape): Review => ({
  seq: Number(r.seq),
  id: r.id,
  sampleId: r.sample_id,
  baseRevision: Number(r.base_revision),
  reviewer: { id: r.reviewer_id, name: r.reviewer_name },
  changes: JSON.parse(r.changes) as CellChange[],
  comment: r.comment,
  signedAt: r.signed_at,
  amends: r.amends === null ? null : Number(r.amends),
});

/** Thrown inside the transaction to roll back the review number it took. */
class StaleBase extends Error {
  constructor(readonly latest: number) {
    super('stale review base');
  }
}

/**
 * Signs a review on the base its reviewer saw; refused (stale) when the box sent a newer revision or
 * another review of the sample was signed meanwhile. The base is checked after the clinic's row is
 * locked, so two reviewers signing at once cannot both pass it.
 */
export async function createReview(db: HubKysely, clinicScope: string | null, n: NewReview, now: string): Promise<ReviewOutcome> {
  try {
    return await db.transaction().execute(async (trx) => {
      let q = trx.selectFrom('samples').select(['clinic_id']).where('id', '=', n.sampleId);
      if (clinicScope) q = q.where('clinic_id', '=', clinicScope);
      const sample = await q.executeTakeFirst();
      if (!sample) return { kind: 'not_found' as const };
      const { review_seq } = await trx
        .updateTable('clinics')
        .set((eb) => ({ review_seq: eb('review_seq', '+', 1) }))
        .where('id', '=', sample.clinic_id)
        .returning('review_seq')
        .executeTakeFirstOrThrow();
      const { revision } = await trx.selectFrom('samples').select('revision').where('id', '=', n.sampleId).executeTakeFirstOrThrow();
      const { last } = await trx
        .selectFrom('reviews')
        .select((eb) => eb.fn.max('seq').as('last'))
        .where('sample_id', '=', n.sampleId)
        .executeTakeFirstOrThrow();
      if (Number(revision) !== n.baseRevision || Number(last ?? 0) !== n.reviewsSeen) throw new StaleBase(Number(revision));
      const row: ReviewRowShape & { clinic_id: string } = {
        clinic_id: sample.clinic_id,
        seq: Number(review_seq),
        id: randomUUID(),
        sample_id: n.sampleId,
        base_revision: n.baseRevision,
        reviewer_id: n.reviewer.id,
        reviewer_name: n.reviewer.name,
        changes: JSON.stringify(n.changes),
        comment: n.comment,
        signed_at: now,
        amends: n.amends ?? null,
      };
      await trx.insertInto('reviews').values(row).execute();
      return { kind: 'created' as const, review: toReview(row) };
    });
  } catch (err) {
    if (err instanceof StaleBase) return { kind: 'stale', latest: err.latest };
    throw err;
  }
}

/** The last review number of the sample (0 when it has none): the review part of a reviewer's base. */
export const lastReviewSeq = (reviews: Review[]): number => reviews.reduce((m, r) => Math.max(m, r.seq), 0);

/** The clinic's reviews numbered after `after`, in order. */
export async function reviewsSince(db: HubKysely, clinicId: string, after: number, limit: number): Promise<Review[]> {
  const rows = await db.selectFrom('reviews').selectAll().where('clinic_id', '=', clinicId).where('seq', '>', after).orderBy('seq').limit(limit).execute();
  return rows.map(toReview);
}

export async function reviewsOfSample(db: HubKysely, sampleId: string): Promise<Review[]> {
  const rows = await db.selectFrom('reviews').selectAll().where('sample_id', '=', sampleId).orderBy('seq').execute();
  return rows.map(toReview);
}
