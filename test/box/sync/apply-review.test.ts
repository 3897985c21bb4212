/** Applying a hub review at the box, below the HTTP layer. */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { reclassifyCell } from '../../../src/box/workflow/cells.ts';
import { markDelivered } from '../../../src/box/workflow/signoff.ts';
import { applyReview } from '../../../src/box/sync/apply-review.ts';
import { buildReport } from '../../../src/box/workflow/report.ts';
import { renderReportHtml } from '../../../src/box/workflow/report-html.ts';
import Fastify from 'fastify';
import { sampleDetailSchema } from '../../../src/box/server/schemas/common.ts';
import { sampleDetail, sampleSummary } from '../../../src/box/workflow/views.ts';
import type { HubReview } from '../../../src/box/sync/hub-api.ts';
import { SyncRepo } from '../../../src/box/sync/repo.ts';
import { signReviewed, tempContext, type TestContext } from '../../helpers/store.ts';
import { signedTwoCellSample } from './signed-sample.ts';

let t: TestContext | null = null;
afterEach(() => {
  t?.close();
  t = null;
});

async function signed() {
  t = tempContext();
  const { ctx } = t;
  const { sample, cells, sup } = await signedTwoCellSample(ctx);
  return { ctx, repo: new SyncRepo(ctx.store.db), sample, cells, sup };
}

const review = (sampleId: string, baseRevision: number, changes: HubReview['changes'], seq = 1): HubReview => ({
  seq,
  id: randomUUID(),
  sampleId,
  baseRevision,
  reviewer: { id: randomUUID(), name: 'Dr Remote' },
  changes,
  comment: null,
  signedAt: new Date().toISOString(),
});
const cursor = { cursorKey: 'review_cursor', cursorValue: '{"deviceId":"d","seq":1}' };

describe('applying a hub review at the box', () => {
  it('makes a new revision of a synced sample that stays synced, once', async () => {
    const { ctx, repo, sample, cells } = await signed();
    markDelivered(ctx, sample.id, sample.revision);
    const r = review(sample.id, sample.revision, [{ cellId: cells[0].id, from: cells[0].type, to: 'basophil' }]);
    expect(applyReview(ctx, repo, r, cursor)).toEqual({ outcome: 'applied', revision: sample.revision + 1, applied: 1, skipped: 0 });
    const after = ctx.store.samples.get(sample.id)!;
    expect(after).toMatchObject({ status: 'synced', revision: sample.revision + 1, syncedRevision: sample.revision });
    expect(ctx.store.cells.get(cells[0].id)).toMatchObject({ type: 'basophil', source: 'corrected', changedBy: null, changedByReviewer: 'Dr Remote' });
    expect(ctx.store.audit.forSample(sample.id).filter((e) => e.action === 'hub.review')).toHaveLength(1);
    expect(repo.getState('review_cursor')).toBe(cursor.cursorValue);
    // The same review again (a cursor lost): recognised, nothing changes.
    expect(applyReview(ctx, repo, r, cursor).outcome).toBe('already_applied');
    expect(ctx.store.samples.get(sample.id)!.revision).toBe(sample.revision + 1);
    expect(t!.events.filter((e) => e.type === 'sync.changed' && e.state === 'reviewed')).toHaveLength(1);
  });

  it('applies a reviewer’s class beyond the five (band, NRBC) as a person’s correction; a class it does not know applies nothing', async () => {
    const { ctx, repo, sample, cells } = await signed();
    markDelivered(ctx, sample.id, sample.revision);
    const first = review(sample.id, sample.revision, [
      { cellId: cells[0].id, from: cells[0].type, to: 'band' },
      { cellId: cells[1].id, from: cells[1].type, to: 'nrbc' },
    ]);
    expect(applyReview(ctx, repo, first, cursor)).toMatchObject({ outcome: 'applied', applied: 2 });
    expect(ctx.store.cells.get(cells[0].id)).toMatchObject({ type: 'band', source: 'corrected' });
    // NRBC is not a leukocyte of the count: one cell left counted.
    expect(ctx.store.cells.tally(sample.id).counted).toBe(1);
    const unknown = review(
      sample.id,
      sample.revision,
      [
        { cellId: cells[0].id, from: 'band', to: 'neutrophil' },
        { cellId: cells[1].id, from: 'nrbc', to: 'promyelocyte' },
      ],
      2,
    );
    expect(applyReview(ctx, repo, unknown, cursor)).toMatchObject({ outcome: 'conflict', applied: 0, skipped: 2 });
    expect(ctx.store.cells.get(cells[0].id)!.type).toBe('band');
    expect(ctx.store.cells.get(cells[1].id)!.type).toBe('nrbc');
  });

  it('takes a review of the signed revision as proof the hub holds it, though its answer was lost', async () => {
    const { ctx, repo, sample, cells } = await signed();
    expect(ctx.store.outbox.forRevision(sample.id, sample.revision)!.deliveredAt).toBeNull();
    applyReview(ctx, repo, review(sample.id, sample.revision, [{ cellId: cells[1].id, from: cells[1].type, to: 'monocyte' }]), cursor);
    expect(ctx.store.outbox.forRevision(sample.id, sample.revision)!.deliveredAt).not.toBeNull();
    expect(ctx.store.samples.get(sample.id)).toMatchObject({ status: 'synced', revision: sample.revision + 1 });
  });

  it('applies nothing of a review whose cells changed at the box since, and sends the sample back to review', async () => {
    const { ctx, repo, sample, cells, sup } = await signed();
    markDelivered(ctx, sample.id, sample.revision);
    reclassifyCell(ctx, cells[0].id, 'eosinophil', { userId: sup, reason: 'looked again' });
    const r = review(sample.id, sample.revision, [
      { cellId: cells[0].id, from: cells[0].type, to: 'basophil' },
      { cellId: cells[1].id, from: cells[1].type, to: 'monocyte' },
      { cellId: randomUUID(), from: 'neutrophil', to: 'monocyte' },
    ]);
    expect(applyReview(ctx, repo, r, cursor)).toMatchObject({ outcome: 'conflict', applied: 0, skipped: 3 });
    expect(ctx.store.cells.get(cells[0].id)!.type).toBe('eosinophil');
    expect(ctx.store.cells.get(cells[1].id)!.type).toBe(cells[1].type);
    expect(ctx.store.samples.get(sample.id)!.status).toBe('review');
    const entry = ctx.store.audit.forSample(sample.id).find((e) => e.action === 'hub.review')!;
    expect(entry.detail).toMatchObject({
      outcome: 'conflict',
      conflict: {
        why: 'cells_changed',
        cells: [
          { cellId: cells[0].id, why: 'changed_at_box' },
          { cellId: r.changes[2].cellId, why: 'cell_gone' },
        ],
      },
      proposed: r.changes,
    });
    expect(entry.reason).toBe(
      `review by Dr Remote at the hub not applied (2 of its cells changed here since); proposed: field 1: ${cells[0].type} -> basophil; field 1: ${cells[1].type} -> monocyte; a cell no longer here: neutrophil -> monocyte`,
    );
    expect(applyReview(ctx, repo, r, cursor).outcome).toBe('already_applied');
  });

  it('applies nothing of a review that crosses a re-sign made while offline, and sends the sample back to review', async () => {
    const { ctx, repo, sample, cells, sup } = await signed();
    markDelivered(ctx, sample.id, sample.revision);
    // Offline: cell 1 reclassified, the sample signed again; the hub reviewed the old revision meanwhile.
    reclassifyCell(ctx, cells[0].id, 'lymphocyte', { userId: sup, reason: 'looked again' });
    const resigned = await signReviewed(ctx, sample.id, { userId: sup, pin: '2468' });
    const r = review(sample.id, sample.revision, [
      { cellId: cells[0].id, from: cells[0].type, to: 'monocyte' },
      { cellId: cells[1].id, from: cells[1].type, to: 'eosinophil' },
    ]);
    expect(applyReview(ctx, repo, r, cursor)).toMatchObject({ outcome: 'conflict', applied: 0, skipped: 2 });
    // Not half-applied: cell 2 keeps the box's type, so the box still holds what it signed and sends.
    expect(ctx.store.cells.get(cells[0].id)!.type).toBe('lymphocyte');
    expect(ctx.store.cells.get(cells[1].id)!.type).toBe(cells[1].type);
    expect(ctx.store.samples.get(sample.id)!.status).toBe('review');
    expect(ctx.store.outbox.latestForSample(sample.id)!.revision).toBe(resigned.revision);
    const entry = ctx.store.audit.forSample(sample.id).find((e) => e.action === 'hub.review')!;
    expect(entry.detail).toMatchObject({ outcome: 'conflict', conflict: { why: 'signed_since', signedRevision: resigned.revision } });
    const message = t!.events.find((e) => e.type === 'sync.changed' && e.state === 'reviewed') as { message: string };
    expect(message.message).toContain('not applied (the sample was signed again here');
    expect(message.message).toContain(`back to review. Proposed: field 1: ${cells[0].type} -> monocyte; field 1: ${cells[1].type} -> eosinophil.`);
    expect(repo.appliedReviewCount()).toBe(0);
    expect(sampleSummary(ctx, ctx.store.samples.get(sample.id)!).hubReview).toMatchObject({ outcome: 'conflict', why: 'signed_since' });
    // Looked at and signed again: the refused review no longer asks for a look.
    await signReviewed(ctx, sample.id, { userId: sup, pin: '2468' });
    expect(sampleSummary(ctx, ctx.store.samples.get(sample.id)!).hubReview).toBeNull();
  });

  it('records a review of a sample the box does not have, and moves on', async () => {
    const { ctx, repo } = await signed();
    expect(applyReview(ctx, repo, review(randomUUID(), 3, []), cursor).outcome).toBe('unknown_sample');
    expect(repo.getState('review_cursor')).toBe(cursor.cursorValue);
  });

  it('refuses a review made on top of one it refused, though its own cells still match', async () => {
    const { ctx, repo, sample, cells, sup } = await signed();
    markDelivered(ctx, sample.id, sample.revision);
    reclassifyCell(ctx, cells[0].id, 'eosinophil', { userId: sup, reason: 'looked again' });
    expect(applyReview(ctx, repo, review(sample.id, sample.revision, [{ cellId: cells[0].id, from: cells[0].type, to: 'basophil' }], 1), cursor).outcome).toBe('conflict');
    const later = review(sample.id, sample.revision, [{ cellId: cells[1].id, from: cells[1].type, to: 'monocyte' }], 2);
    expect(applyReview(ctx, repo, later, cursor)).toMatchObject({ outcome: 'conflict', applied: 0 });
    expect(ctx.store.cells.get(cells[1].id)!.type).toBe(cells[1].type);
    const entry = ctx.store.audit.forSample(sample.id).filter((e) => e.action === 'hub.review')[1];
    expect(entry.detail).toMatchObject({ outcome: 'conflict', conflict: { why: 'earlier_review_not_applied' } });
  });

  it('keeps a signed sample signed when a review without changes arrives, even of an older revision', async () => {
    const { ctx, repo, sample, cells, sup } = await signed();
    markDelivered(ctx, sample.id, sample.revision);
    reclassifyCell(ctx, cells[0].id, 'lymphocyte', { userId: sup, reason: 'looked again' });
    const resigned = await signReviewed(ctx, sample.id, { userId: sup, pin: '2468' });
    const agree = { ...review(sample.id, sample.revision, []), comment: 'agree' };
    expect(applyReview(ctx, repo, agree, cursor)).toMatchObject({ outcome: 'applied', revision: resigned.revision, applied: 0 });
    expect(ctx.store.samples.get(sample.id)).toMatchObject({ status: resigned.status, revision: resigned.revision });
    expect(ctx.store.audit.forSample(sample.id).find((e) => e.action === 'hub.review')!.reason).toBe('review by Dr Remote at the hub: no change; comment: agree');
  });

  it('tells the nurse who reviewed and what changed: the sample, the cell and the report', async () => {
    const { ctx, repo, sample, cells, sup } = await signed();
    markDelivered(ctx, sample.id, sample.revision);
    expect(sampleSummary(ctx, ctx.store.samples.get(sample.id)!).hubReview).toBeNull();
    applyReview(ctx, repo, review(sample.id, sample.revision, [{ cellId: cells[0].id, from: cells[0].type, to: 'eosinophil' }]), cursor);
    const after = sampleSummary(ctx, ctx.store.samples.get(sample.id)!);
    expect(after.hubReview).toEqual({ reviewer: 'Dr Remote', at: expect.any(String), outcome: 'applied', why: null, cells: [{ field: 1, from: cells[0].type, to: 'eosinophil' }] });
    const report = buildReport(ctx, ctx.store.samples.get(sample.id)!);
    expect(report.people.reviewedAtHub).toEqual([{ name: 'Dr Remote', at: expect.any(String), changes: [{ field: 1, from: cells[0].type, to: 'eosinophil' }] }]);
    expect(report.fields[0].cells.find((c) => c.id === cells[0].id)!.changedByReviewer).toBe('Dr Remote');
    const page = renderReportHtml(report);
    expect(page).toContain('AMENDED after review at the hub by Dr Remote');
    expect(report.amendments.find((a) => a.action === 'hub.review')!.by).toEqual({ id: 'hub', name: 'Dr Remote' });
    expect(report.amendments.find((a) => a.action === 'hub.review')!.hubReview).toMatchObject({
      reviewer: 'Dr Remote',
      outcome: 'applied',
      cells: [{ field: 1, from: cells[0].type, to: 'eosinophil' }],
    });
    expect(page).toMatch(/<dt>Reviewed at the hub<\/dt><dd>Dr Remote, [^<]*: field 1: neutrophil &rarr; eosinophil<\/dd>/);
    // A review the box refuses shows as such, with what it proposed; the cell keeps no reviewer of it.
    reclassifyCell(ctx, cells[1].id, 'basophil', { userId: sup, reason: 'looked again' });
    applyReview(ctx, repo, review(sample.id, sample.revision, [{ cellId: cells[1].id, from: cells[1].type, to: 'monocyte' }], 2), cursor);
    const refused = sampleSummary(ctx, ctx.store.samples.get(sample.id)!).hubReview!;
    expect(refused).toMatchObject({ outcome: 'conflict', why: 'cells_changed', cells: [{ field: 1, from: cells[1].type, to: 'monocyte' }] });
    expect(ctx.store.cells.get(cells[1].id)!.changedByReviewer).toBeNull();
    expect(buildReport(ctx, ctx.store.samples.get(sample.id)!).people.reviewedAtHub).toHaveLength(1);
  });

  it('sends what the nurse sees: the reply schema keeps every key the sample builder makes', async () => {
    const { ctx, repo, sample, cells } = await signed();
    markDelivered(ctx, sample.id, sample.revision);
    applyReview(ctx, repo, review(sample.id, sample.revision, [{ cellId: cells[0].id, from: cells[0].type, to: 'eosinophil' }]), cursor);
    const built = sampleDetail(ctx, ctx.store.samples.get(sample.id)!);
    const app = Fastify();
    app.get('/s', { schema: { response: { 200: sampleDetailSchema } } }, async () => built);
    const sent = (await app.inject({ url: '/s' })).json();
    await app.close();
    const keys = (o: object) => Object.keys(o).sort();
    expect(keys(sent)).toEqual(keys(built));
    expect(keys(sent.fields[0].cells[0])).toEqual(keys(built.fields[0].cells[0]));
    expect(sent.hubReview).toEqual(built.hubReview);
    expect(sent.fields[0].cells.map((c: { changedByReviewer: string | null }) => c.changedByReviewer)).toContain('Dr Remote');
  });
});
