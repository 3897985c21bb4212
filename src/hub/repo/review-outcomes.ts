/**
 * What became of each review at the box, as the box reports it. One row per review. A report is
 * taken only for a review of the device's own clinic; "the box does not have this sample" only
 * from the device that sent the sample (in a clinic with several boxes, the others skip it and say
 * so, which tells the reviewer nothing). Reports are idempotent: a review keeps its first outcome,
 * except that an applied or conflict outcome replaces an unknown sample (the sample's box spoke).
 */
import type { ReviewOutcomeKind, ReviewOutcomeReport } from '../../contracts/hub-protocol.ts';
import type { HubKysely } from '../db/connect.ts';
import type { Device } from './devices.ts';

export interface StoredReviewOutcome {
  outcome: ReviewOutcomeKind;
  reason: string | null;
  at: string;
}

export async function recordReviewOutcomes(db: HubKysely, device: Device, reports: ReviewOutcomeReport[], now: string): Promise<{ recorded: number; ignored: number }> {
  if (reports.length === 0) return { recorded: 0, ignored: 0 };
  const ids = [...new Set(reports.map((r) => r.reviewId))];
  return db.transaction().execute(async (trx) => {
    const known = await trx
      .selectFrom('reviews')
      .leftJoin('samples', 'samples.id', 'reviews.sample_id')
      .select(['reviews.id', 'samples.device_id'])
      .where('reviews.clinic_id', '=', device.clinicId)
      .where('reviews.id', 'in', ids)
      .execute();
    const sampleDevice = new Map(known.map((k) => [k.id, k.device_id]));
    let recorded = 0;
    for (const r of reports) {
      if (!sampleDevice.has(r.reviewId) || (r.outcome === 'unknown_sample' && sampleDevice.get(r.reviewId) !== device.id)) continue;
      await trx
        .insertInto('review_outcomes')
        .values({ review_id: r.reviewId, clinic_id: device.clinicId, device_id: device.id, outcome: r.outcome, reason: r.reason ?? null, at: r.at, received_at: now })
        .onConflict((oc) =>
          oc
            .column('review_id')
            .doUpdateSet((eb) => ({
              outcome: eb.ref('excluded.outcome'),
              reason: eb.ref('excluded.reason'),
              at: eb.ref('excluded.at'),
              device_id: eb.ref('excluded.device_id'),
              received_at: eb.ref('excluded.received_at'),
            }))
            .where('review_outcomes.outcome', '=', 'unknown_sample')
            .where('excluded.outcome', '!=', 'unknown_sample'),
        )
        .execute();
      recorded++;
    }
    return { recorded, ignored: reports.length - recorded };
  });
}

/** The reported outcomes of these reviews, by review id (a review the box has not reported is absent). */
export async function outcomesOfReviews(db: HubKysely, reviewIds: string[]): Promise<Map<string, StoredReviewOutcome>> {
  if (reviewIds.length === 0) return new Map();
  const rows = await db.selectFrom('review_outcomes').select(['review_id', 'outcome', 'reason', 'at']).where('review_id', 'in', reviewIds).execute();
  return new Map(rows.map((r) => [r.review_id, { outcome: r.outcome, reason: r.reason, at: r.at }]));
}
