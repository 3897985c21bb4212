/**
 * The worklist's Status column: not reviewed, reviewed by whom, reviewed on an earlier revision
 * than the one the box signed since, or refused at the box as a conflict (the box reported a
 * review of the current revision it could not apply; it will sign the sample again). One query for
 * the listed page's reviewed samples (their last review each, by the reviews' (sample_id, seq)
 * index), none when no listed sample has a review.
 */
import type { HubKysely } from '../db/connect.ts';
import type { SampleRow } from '../repo/samples.ts';

export type ReviewStatus =
  { kind: 'none' } | { kind: 'reviewed'; by: string; reviews: number } | { kind: 'earlier'; by: string; baseRevision: number } | { kind: 'conflict'; by: string; baseRevision: number };

export async function reviewStatuses(db: HubKysely, items: SampleRow[]): Promise<Map<string, ReviewStatus>> {
  const out = new Map<string, ReviewStatus>();
  const reviewed = items.filter((s) => s.reviews > 0);
  for (const s of items) if (s.reviews === 0) out.set(s.id, { kind: 'none' });
  if (reviewed.length === 0) return out;
  const last = await db
    .selectFrom('reviews as r')
    .select(['r.sample_id', 'r.base_revision', 'r.reviewer_name'])
    .select((eb) =>
      eb
        .exists(
          eb
            .selectFrom('reviews as c')
            .innerJoin('review_outcomes as o', 'o.review_id', 'c.id')
            .select('c.id')
            .whereRef('c.sample_id', '=', 'r.sample_id')
            .whereRef('c.base_revision', '=', 'r.base_revision')
            .where('o.outcome', '=', 'conflict'),
        )
        .as('conflicted'),
    )
    .where(
      'r.sample_id',
      'in',
      reviewed.map((s) => s.id),
    )
    .where((eb) =>
      eb(
        'r.seq',
        '=',
        eb
          .selectFrom('reviews as l')
          .select((e) => e.fn.max('l.seq').as('m'))
          .whereRef('l.sample_id', '=', 'r.sample_id'),
      ),
    )
    .execute();
  const byId = new Map(last.map((r) => [r.sample_id, r]));
  for (const s of reviewed) {
    const r = byId.get(s.id);
    if (!r) out.set(s.id, { kind: 'none' });
    else if (Number(r.base_revision) < s.revision) out.set(s.id, { kind: 'earlier', by: r.reviewer_name, baseRevision: Number(r.base_revision) });
    else if (Number(r.conflicted)) out.set(s.id, { kind: 'conflict', by: r.reviewer_name, baseRevision: Number(r.base_revision) });
    else out.set(s.id, { kind: 'reviewed', by: r.reviewer_name, reviews: s.reviews });
  }
  return out;
}
