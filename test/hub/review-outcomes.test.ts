/**
 * POST /api/v1/reviews/outcomes: the box tells the hub what became of each review, and the reviewer
 * pages show it (the sample's Reviews table and the worklist's status).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionDevice } from '../../src/hub/repo/devices.ts';
import { createReview } from '../../src/hub/repo/reviews.ts';
import { bearer, ENGINES, putImage, reviewerHeaders, testHub, type TestHub } from './helpers.ts';
import { image, report } from './fixtures.ts';

describe.each(ENGINES)('review outcomes reported by the box (%s)', (engine) => {
  let hub: TestHub;
  let img: ReturnType<typeof image>;
  beforeAll(async () => {
    hub = await testHub(engine);
    img = image();
    expect((await putImage(hub, img)).statusCode).toBe(200);
  });
  afterAll(async () => hub?.close());

  const putRevision = async (sample: ReturnType<typeof report>, revision: number) => {
    const payload = { ...sample, sample: { ...sample.sample, revision } };
    const res = await hub.app.inject({ method: 'PUT', url: `/api/v1/samples/${sample.sample.id}/revisions/${revision}`, headers: bearer(hub.tokens.c1), payload: { images: [img.sha256], payload } });
    expect(res.statusCode).toBe(200);
  };
  /** A synced sample of clinic c1 at revision 3 with one review of it. */
  const reviewedSample = async () => {
    const sample = report({ images: [img.sha256], reference: `S-${randomUUID().slice(0, 6)}` });
    await putRevision(sample, 3);
    const [cell] = sample.fields[0].cells;
    const made = await createReview(
      hub.db.db,
      null,
      {
        sampleId: sample.sample.id,
        baseRevision: 3,
        reviewsSeen: 0,
        reviewer: { id: randomUUID(), name: 'Dr Ada' },
        changes: [{ cellId: cell.id, from: 'neutrophil', to: 'monocyte' }],
        comment: null,
      },
      new Date().toISOString(),
    );
    if (made.kind !== 'created') throw new Error(`review not created: ${made.kind}`);
    return { sample, review: made.review };
  };
  const report_ = (token: string, outcomes: unknown[]) => hub.app.inject({ method: 'POST', url: '/api/v1/reviews/outcomes', headers: bearer(token), payload: { outcomes } });
  const at = '2026-03-01T10:00:00.000Z';
  const boxCell = async (sampleId: string) => {
    const page = await hub.app.inject({ method: 'GET', url: `/review/samples/${sampleId}`, headers: await reviewerHeaders(hub) });
    expect(page.statusCode).toBe(200);
    return /<td data-box="([^"]+)"[^>]*>([^<]*)<\/td>/.exec(page.body)!.slice(1);
  };
  const listStatus = async (sampleId: string) => {
    const list = await hub.app.inject({ method: 'GET', url: '/review?status=all', headers: await reviewerHeaders(hub) });
    expect(list.statusCode).toBe(200);
    return new RegExp(`href="/review/samples/${sampleId}"[\\s\\S]*?<td data-status="([^"]+)">([^<]*)</td>`).exec(list.body)!.slice(1);
  };
  const storedOutcomes = (reviewId: string) => hub.db.db.selectFrom('review_outcomes').selectAll().where('review_id', '=', reviewId).execute();

  it('shows a conflict on the sample page and the worklist until the box signs again, then the earlier-revision text', async () => {
    const { sample, review } = await reviewedSample();
    expect(await boxCell(sample.sample.id)).toEqual(['waiting', 'waiting for the box']);
    const reason = 'the sample was signed again here (revision 4) after the revision it reviewed';
    const res = await report_(hub.tokens.c1, [{ reviewId: review.id, outcome: 'conflict', at, reason }]);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ recorded: 1, ignored: 0 });
    // The same report again (its answer was lost): one row, the same outcome.
    expect((await report_(hub.tokens.c1, [{ reviewId: review.id, outcome: 'conflict', at, reason }])).json()).toEqual({ recorded: 1, ignored: 0 });
    expect(await storedOutcomes(review.id)).toMatchObject([{ outcome: 'conflict', reason, at, clinic_id: 'c1' }]);

    // The box's cursor passed the review too: the report, not the cursor, decides what the page says.
    await hub.app.inject({ method: 'GET', url: `/api/v1/reviews?after=${review.seq}`, headers: bearer(hub.tokens.c1) });
    const page = await hub.app.inject({ method: 'GET', url: `/review/samples/${sample.sample.id}`, headers: await reviewerHeaders(hub) });
    expect(page.body).toContain(`title="${reason}">conflict: not applied; waiting for the box to sign again</td>`);
    expect(page.body).not.toContain('reached the box');
    expect(await listStatus(sample.sample.id)).toEqual(['conflict', 'conflict: waiting for the box']);

    await putRevision(sample, 4);
    expect(await boxCell(sample.sample.id)).toEqual(['earlier', 'of an earlier revision: the box signed revision 4 since']);
    expect(await listStatus(sample.sample.id)).toEqual(['earlier', 'of an earlier revision (3, by Dr Ada)']);
  });

  it('shows a review applied at the box', async () => {
    const { sample, review } = await reviewedSample();
    expect((await report_(hub.tokens.c1, [{ reviewId: review.id, outcome: 'applied', at }])).json()).toEqual({ recorded: 1, ignored: 0 });
    expect(await boxCell(sample.sample.id)).toEqual(['applied', 'applied at the box']);
    expect(await listStatus(sample.sample.id)).toEqual(['reviewed', 'reviewed by Dr Ada']);
  });

  it('takes "not my sample" only from the box that sent the sample, and lets that box’s applied replace it', async () => {
    const { sample, review } = await reviewedSample();
    const other = (await provisionDevice(hub.db.db, 'c1', 'box 3', new Date().toISOString())).token;
    // Another box of the clinic skips the review: that tells the reviewer nothing.
    expect((await report_(other, [{ reviewId: review.id, outcome: 'unknown_sample', at }])).json()).toEqual({ recorded: 0, ignored: 1 });
    expect(await storedOutcomes(review.id)).toEqual([]);
    expect((await report_(hub.tokens.c1, [{ reviewId: review.id, outcome: 'unknown_sample', at }])).json()).toEqual({ recorded: 1, ignored: 0 });
    expect(await boxCell(sample.sample.id)).toEqual(['unknown_sample', 'the box does not have this sample']);
    expect((await report_(hub.tokens.c1, [{ reviewId: review.id, outcome: 'applied', at }])).json()).toEqual({ recorded: 1, ignored: 0 });
    expect(await boxCell(sample.sample.id)).toEqual(['applied', 'applied at the box']);
    // A known outcome is never replaced by "not my sample".
    await report_(hub.tokens.c1, [{ reviewId: review.id, outcome: 'unknown_sample', at }]);
    expect(await storedOutcomes(review.id)).toMatchObject([{ outcome: 'applied' }]);
  });

  it('ignores reports on another clinic’s review and on review ids it does not know', async () => {
    const { review } = await reviewedSample();
    const res = await report_(hub.tokens.c2, [
      { reviewId: review.id, outcome: 'conflict', at },
      { reviewId: randomUUID(), outcome: 'applied', at },
    ]);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ recorded: 0, ignored: 2 });
    expect(await storedOutcomes(review.id)).toEqual([]);
    expect((await report_(hub.tokens.c1, [])).json()).toEqual({ recorded: 0, ignored: 0 });
  });

  it('refuses malformed reports and requests without a device token', async () => {
    const { review } = await reviewedSample();
    const ok = { reviewId: review.id, outcome: 'applied', at };
    const bad = [
      [{ ...ok, outcome: 'lost' }],
      [{ ...ok, reviewId: 'not-an-id' }],
      [{ ...ok, reason: 'x'.repeat(501) }],
      [{ ...ok, at: '' }],
      [{ ...ok, extra: 1 }],
      Array.from({ length: 201 }, () => ok),
    ];
    for (const outcomes of bad) {
      const res = await report_(hub.tokens.c1, outcomes);
      expect(res.statusCode, JSON.stringify(outcomes).slice(0, 80)).toBe(400);
      expect(res.json().error).toBe('invalid_request');
    }
    expect((await hub.app.inject({ method: 'POST', url: '/api/v1/reviews/outcomes', payload: { outcomes: [ok] } })).statusCode).toBe(401);
    expect(await storedOutcomes(review.id)).toEqual([]);
  });
});
