/** A hub review that removes a duplicate and adds a missed cell, applied at the box (issue 25 item 2). */
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { reclassifyCell } from '../../../src/box/workflow/cells.ts';
import { markDelivered } from '../../../src/box/workflow/signoff.ts';
import { applyReview } from '../../../src/box/sync/apply-review.ts';
import { buildReport } from '../../../src/box/workflow/report.ts';
import { sampleDetail } from '../../../src/box/workflow/views.ts';
import { sampleSummarySchema } from '../../../src/box/server/schemas/common.ts';
import Fastify from 'fastify';
import type { HubReview } from '../../../src/box/sync/hub-api.ts';
import { SyncRepo } from '../../../src/box/sync/repo.ts';
import { applyReview as applyReviewBeforeCellEdits } from './fixtures/apply-review-before-cell-edits.ts';
import { tempContext, type TestContext } from '../../helpers/store.ts';
import { signedTwoCellSample } from './signed-sample.ts';

let t: TestContext | null = null;
afterEach(() => {
  t?.close();
  t = null;
});

/** A signed, delivered sample: one 100x100 field with a neutrophil and a lymphocyte. */
async function signed() {
  t = tempContext();
  const { ctx } = t;
  const { sample, cells, fieldId, sup } = await signedTwoCellSample(ctx);
  markDelivered(ctx, sample.id, sample.revision);
  return { ctx, repo: new SyncRepo(ctx.store.db), sample, cells, fieldId, sup };
}

const review = (sampleId: string, baseRevision: number, changes: HubReview['changes'], seq = 1): HubReview => ({
  seq,
  id: randomUUID(),
  sampleId,
  baseRevision,
  reviewer: { id: randomUUID(), name: 'Dr Remote' },
  changes,
  comment: 'one duplicate, one missed',
  signedAt: new Date().toISOString(),
});
const cursor = { cursorKey: 'review_cursor', cursorValue: '{"deviceId":"d","seq":1}' };
const BOX: [number, number, number, number] = [50, 50, 66, 66];

describe('a hub review that removes and adds cells, at the box', () => {
  it('applies a removal and an addition whole: the new revision and its report lose the duplicate and have the added cell', async () => {
    const { ctx, repo, sample, cells, fieldId } = await signed();
    const [neutrophil, lymphocyte] = cells;
    const added = randomUUID();
    const r = review(sample.id, sample.revision, [
      { op: 'delete', cellId: lymphocyte.id, from: 'lymphocyte', to: null },
      { op: 'add', cellId: added, fieldId, box: BOX, from: null, to: 'monocyte' },
      { cellId: neutrophil.id, from: 'neutrophil', to: 'eosinophil' },
    ]);
    expect(applyReview(ctx, repo, r, cursor)).toEqual({ outcome: 'applied', revision: sample.revision + 1, applied: 3, skipped: 0 });
    expect(ctx.store.samples.get(sample.id)).toMatchObject({ status: 'synced', revision: sample.revision + 1 });
    expect(ctx.store.cells.get(lymphocyte.id)!.deletedAt).not.toBeNull();
    expect(ctx.store.cells.get(added)).toMatchObject({ fieldId, sampleId: sample.id, box: BOX, type: 'monocyte', autoType: null, source: 'added', changedByReviewer: 'Dr Remote' });
    expect(ctx.store.cells.get(added)!.reviewedAt).not.toBeNull();

    const report = buildReport(ctx, ctx.store.samples.get(sample.id)!);
    const reported = report.fields.flatMap((f) => f.cells);
    expect(reported.map((c) => c.id).sort()).toEqual([neutrophil.id, added].sort());
    expect(reported.find((c) => c.id === added)).toMatchObject({ type: 'monocyte', source: 'added', changedByReviewer: 'Dr Remote', box: BOX });
    expect(Object.fromEntries(report.differential.rows.filter((row) => row.count > 0).map((row) => [row.type, row.count]))).toEqual({ eosinophil: 1, monocyte: 1 });

    // The nurse's notice names all three; the removal and the addition carry their kind, for the kiosk to word.
    const note = sampleDetail(ctx, ctx.store.samples.get(sample.id)!).hubReview!;
    // As the API sends it (its response schema drops what it does not list), the kind of change is there for the kiosk.
    const api = Fastify().get('/', { schema: { response: { 200: sampleSummarySchema } } }, async () => sampleDetail(ctx, ctx.store.samples.get(sample.id)!));
    const sent = (await api.inject({ method: 'GET', url: '/' })).json() as { hubReview: typeof note };
    await api.close();
    expect(sent.hubReview.cells).toEqual(note.cells);
    expect(note).toMatchObject({ outcome: 'applied', reviewer: 'Dr Remote' });
    expect(note.cells).toEqual(
      expect.arrayContaining([
        { field: 1, from: 'lymphocyte', to: 'removed (duplicate)', op: 'delete' },
        { field: 1, from: 'added', to: 'monocyte', op: 'add' },
        { field: 1, from: 'neutrophil', to: 'eosinophil' },
      ]),
    );
    const events = t!.events;
    expect(events.filter((e) => e.type === 'cell.changed').map((e) => (e as { change: string }).change)).toEqual(expect.arrayContaining(['deleted', 'added', 'reclassified']));
    const message = events.find((e) => e.type === 'sync.changed' && e.state === 'reviewed') as { message: string };
    expect(message.message).toBe('reviewed by Dr Remote at the hub: 1 cell reclassified, 1 cell removed as a duplicate, 1 cell added');
  });

  it('refuses the whole review when the duplicate changed at the box since: the addition is not applied either', async () => {
    const { ctx, repo, sample, cells, fieldId, sup } = await signed();
    reclassifyCell(ctx, cells[1].id, 'monocyte', { userId: sup, reason: 'looked again' });
    const added = randomUUID();
    const r = review(sample.id, sample.revision, [
      { op: 'delete', cellId: cells[1].id, from: 'lymphocyte', to: null },
      { op: 'add', cellId: added, fieldId, box: BOX, from: null, to: 'monocyte' },
    ]);
    const before = ctx.store.cells.listBySample(sample.id).length;
    expect(applyReview(ctx, repo, r, cursor)).toMatchObject({ outcome: 'conflict', applied: 0, skipped: 2 });
    expect(ctx.store.cells.get(cells[1].id)).toMatchObject({ type: 'monocyte', deletedAt: null });
    expect(ctx.store.cells.get(added)).toBeUndefined();
    expect(ctx.store.cells.listBySample(sample.id)).toHaveLength(before);
    expect(ctx.store.samples.get(sample.id)!.status).not.toBe('synced');
    const entry = ctx.store.audit
      .forSample(sample.id)
      .filter((e) => e.action === 'hub.review')
      .at(-1)!;
    expect(entry.detail).toMatchObject({ outcome: 'conflict', conflict: { why: 'cells_changed', cells: [{ cellId: cells[1].id, why: 'changed_at_box' }] } });
    expect(entry.reason).toContain('field 1: lymphocyte -> removed (duplicate); field 1: added -> monocyte');
  });

  it.each([
    ['a field the box does not have', (f: string) => ({ fieldId: randomUUID(), box: BOX, f }), 'field_gone'],
    ['a box outside the photo', (f: string) => ({ fieldId: f, box: [90, 90, 120, 120] as [number, number, number, number] }), 'bad_box'],
    ['a box too small', (f: string) => ({ fieldId: f, box: [10, 10, 12, 12] as [number, number, number, number] }), 'bad_box'],
  ])('refuses an addition on %s, with the removal beside it', async (_what, where, why) => {
    const { ctx, repo, sample, cells, fieldId } = await signed();
    const { fieldId: onField, box } = where(fieldId);
    const r = review(sample.id, sample.revision, [
      { op: 'delete', cellId: cells[0].id, from: 'neutrophil', to: null },
      { op: 'add', cellId: randomUUID(), fieldId: onField, box, from: null, to: 'basophil' },
    ]);
    expect(applyReview(ctx, repo, r, cursor)).toMatchObject({ outcome: 'conflict', applied: 0 });
    expect(ctx.store.cells.get(cells[0].id)!.deletedAt).toBeNull();
    expect(ctx.store.cells.listBySample(sample.id)).toHaveLength(2);
    const entry = ctx.store.audit
      .forSample(sample.id)
      .filter((e) => e.action === 'hub.review')
      .at(-1)!;
    expect(entry.detail).toMatchObject({ conflict: { cells: [{ why }] } });
  });

  it('refuses an addition on a field left out of the count (its analysis failed), as the kiosk does', async () => {
    const { ctx, repo, sample, fieldId } = await signed();
    ctx.store.db.prepare(`UPDATE fields SET status = 'failed' WHERE id = ?`).run(fieldId);
    const r = review(sample.id, sample.revision, [{ op: 'add', cellId: randomUUID(), fieldId, box: BOX, from: null, to: 'basophil' }]);
    expect(applyReview(ctx, repo, r, cursor)).toMatchObject({ outcome: 'conflict', applied: 0 });
    expect(ctx.store.cells.listBySample(sample.id)).toHaveLength(2);
  });

  it('refuses an addition whose id names a cell the box holds, even a deleted one', async () => {
    const { ctx, repo, sample, cells, fieldId } = await signed();
    ctx.store.cells.softDelete(cells[0].id, null, new Date().toISOString());
    const r = review(sample.id, sample.revision, [{ op: 'add', cellId: cells[0].id, fieldId, box: BOX, from: null, to: 'basophil' }]);
    expect(applyReview(ctx, repo, r, cursor)).toMatchObject({ outcome: 'conflict', applied: 0 });
    expect(ctx.store.cells.get(cells[0].id)).toMatchObject({ type: 'neutrophil' });
    expect(ctx.store.cells.get(cells[0].id)!.deletedAt).not.toBeNull();
  });

  it('refuses a review naming one cell twice, and a kind of change it does not know', async () => {
    const { ctx, repo, sample, cells } = await signed();
    const twice = review(sample.id, sample.revision, [
      { cellId: cells[0].id, from: 'neutrophil', to: 'eosinophil' },
      { op: 'delete', cellId: cells[0].id, from: 'neutrophil', to: null },
    ]);
    expect(applyReview(ctx, repo, twice, cursor)).toMatchObject({ outcome: 'conflict', applied: 0 });
    expect(ctx.store.cells.get(cells[0].id)).toMatchObject({ type: 'neutrophil', deletedAt: null });
    const unknownKind = review(sample.id, sample.revision, [{ op: 'merge', cellId: cells[1].id, from: 'lymphocyte', to: 'lymphocyte' } as unknown as HubReview['changes'][number]], 2);
    const refused = applyReview(ctx, repo, unknownKind, { ...cursor, cursorValue: '{"deviceId":"d","seq":2}' });
    expect(refused).toMatchObject({ outcome: 'conflict', applied: 0 });
  });

  it('a box from before removals and additions refuses each as a conflict, whole, without throwing', async () => {
    const { ctx, repo, sample, cells, fieldId } = await signed();
    const old = (r: HubReview, seq: number) =>
      applyReviewBeforeCellEdits(ctx, repo, r as unknown as Parameters<typeof applyReviewBeforeCellEdits>[2], { ...cursor, cursorValue: `{"deviceId":"d","seq":${seq}}` });
    // A retype beside each, which that box would otherwise apply.
    const removal = review(sample.id, sample.revision, [
      { cellId: cells[0].id, from: 'neutrophil', to: 'eosinophil' },
      { op: 'delete', cellId: cells[1].id, from: 'lymphocyte', to: null },
    ]);
    expect(old(removal, 1)).toMatchObject({ outcome: 'conflict', applied: 0, skipped: 2 });
    const addition = review(
      sample.id,
      sample.revision,
      [
        { cellId: cells[0].id, from: 'neutrophil', to: 'eosinophil' },
        { op: 'add', cellId: randomUUID(), fieldId, box: BOX, from: null, to: 'monocyte' },
      ],
      2,
    );
    expect(old(addition, 2)).toMatchObject({ outcome: 'conflict', applied: 0, skipped: 2 });
    expect(ctx.store.cells.listBySample(sample.id).map((c) => c.type)).toEqual(['neutrophil', 'lymphocyte']);
  });
});
