import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CELL_CLASS_NAMES } from '../../../src/core/analysis/typing.ts';
import { CELL_TYPES } from '../../../src/contracts/vocabulary.ts';
import { completeAnalysis, startAnalysis, storedClass, type DetectedCell } from '../../../src/box/workflow/analysis-results.ts';
import { addCell, deleteCell, markCellsSeen, reclassifyCell, reviewCell } from '../../../src/box/workflow/cells.ts';
import { WorkflowError } from '../../../src/box/workflow/errors.ts';
import { deleteField, queueField } from '../../../src/box/workflow/fields.ts';
import { createSample, editSample } from '../../../src/box/workflow/samples.ts';
import { markDelivered, signSample } from '../../../src/box/workflow/signoff.ts';
import { sampleDetail } from '../../../src/box/workflow/views.ts';
import { addUser, signReviewed, tempContext, type TestContext } from '../../helpers/store.ts';

const sha = (n: number) => n.toString(16).padStart(64, '0');
const cell = (type: number, review = false, x = 10): DetectedCell => ({
  box: [x, 10, x + 40, 50],
  type,
  confidence: 0.9,
  votes: [0, 0, 0, 0, 0].map((_, i) => (i === type ? 2 : 0)),
  agreement: 1,
  support: 2,
  review,
});
const outcome = (cells: DetectedCell[]) => ({
  cells,
  quality: { metrics: {}, warnings: [] },
  analysis: { fusion: 'paper', backend: 'onnxruntime', models: [{ id: 'm', sha256: sha(9) }], totalMs: 5 },
});

async function refusal(p: unknown): Promise<WorkflowError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof WorkflowError) return err;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('sample workflow (store level)', () => {
  let t: TestContext;
  let nurse: string;
  let supervisor: string;
  beforeEach(async () => {
    t = tempContext();
    nurse = await addUser(t.ctx, 'Amina', 'nurse', '1111');
    supervisor = await addUser(t.ctx, 'Okafor', 'supervisor', '2222');
  });
  afterEach(() => t.close());

  /** A sample with one analysed field holding the given cells. */
  function analysedSample(cells: DetectedCell[], n = 1) {
    const { sample } = createSample(t.ctx, { reference: `S-${n}`, patientId: 'P-77' }, { userId: nurse });
    const field = queueField(t.ctx, sample.id, { sha256: sha(n), format: 'jpeg', width: 640, height: 480, bytes: 100 }, null, { userId: nurse }, () => 1);
    startAnalysis(t.ctx, t.ctx.store.fields.get(field.id)!);
    expect(completeAnalysis(t.ctx, field.id, outcome(cells))).toBe(true);
    return { sampleId: sample.id, fieldId: field.id };
  }

  it("keeps a class the store has no type for as unclassified, flagged, with the machine's class", () => {
    const ig = { ...cell(0, true), cellClass: 'immature_granulocyte' };
    const nl = { ...cell(3, true, 100), cellClass: 'not_leukocyte' };
    const ly = { ...cell(0, false, 200), cellClass: 'lymphocyte' };
    const { fieldId } = analysedSample([ig, nl, ly]);
    const stored = t.ctx.store.cells.listByField(fieldId).map((c) => [c.type, c.autoType, c.flagged]);
    expect(stored).toEqual([
      ['unclassified', 'immature_granulocyte', true],
      ['not_leukocyte', 'not_leukocyte', true],
      ['lymphocyte', 'lymphocyte', false],
    ]);
    const ery = analysedSample([{ ...cell(0, true), cellClass: 'erythroblast' }], 2);
    expect(t.ctx.store.cells.listByField(ery.fieldId).map((c) => [c.type, c.autoType, c.flagged])).toEqual([['nrbc', 'erythroblast', true]]);
  });

  it('bumps the revision and appends an audit entry on every change', () => {
    const { sampleId, fieldId } = analysedSample([cell(0), cell(3, true, 100)]);
    const cells = t.ctx.store.cells.listByField(fieldId);
    reclassifyCell(t.ctx, cells[0].id, 'monocyte', { userId: nurse });
    reviewCell(t.ctx, cells[1].id, { userId: nurse });
    editSample(t.ctx, sampleId, { wbcCount: 6.5 }, { userId: nurse });
    const s = t.ctx.store.samples.get(sampleId)!;
    const audit = t.ctx.store.audit.forSample(sampleId);
    expect(audit.map((a) => a.action)).toEqual(['sample.created', 'field.added', 'field.analysed', 'cell.reclassified', 'cell.reviewed', 'sample.edited']);
    expect(audit.map((a) => a.revision)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(s.revision).toBe(6);
    expect(audit[3]).toMatchObject({ userId: nurse, target: `cell:${cells[0].id}`, detail: { from: 'neutrophil', to: 'monocyte' } });
    // The patient identifier is never written into the audit trail.
    expect(JSON.stringify(audit)).not.toContain('P-77');
    // Reviewing a cell already looked at is no change.
    reviewCell(t.ctx, cells[1].id, { userId: nurse });
    expect(t.ctx.store.samples.get(sampleId)!.revision).toBe(6);
  });

  it('derives the status from the fields: draft, analysing, review', () => {
    const { sample } = createSample(t.ctx, { reference: 'S-9' }, { userId: nurse });
    expect(sample.status).toBe('draft');
    const f = queueField(t.ctx, sample.id, { sha256: sha(5), format: 'jpeg', width: 640, height: 480, bytes: 1 }, null, { userId: nurse }, () => 1);
    expect(t.ctx.store.samples.get(sample.id)!.status).toBe('analysing');
    startAnalysis(t.ctx, f);
    completeAnalysis(t.ctx, f.id, outcome([cell(0)]));
    expect(t.ctx.store.samples.get(sample.id)!.status).toBe('review');
    deleteField(t.ctx, f.id, { userId: nurse });
    expect(t.ctx.store.samples.get(sample.id)!.status).toBe('draft');
  });

  it('makes a retried create idempotent by client id, and refuses the same id with other details', () => {
    const id = '3f2a7c1e-9b4d-4e8a-a1c2-5d6e7f8a9b0c';
    const a = createSample(t.ctx, { id, reference: 'S-1' }, { userId: nurse });
    const b = createSample(t.ctx, { id, reference: 'S-1' }, { userId: nurse });
    expect([a.created, b.created]).toEqual([true, false]);
    expect(() => createSample(t.ctx, { id, reference: 'S-2' }, { userId: nurse })).toThrow(/exists with other details/);
  });

  it('refuses to queue the same image twice in one sample (its cells would count twice)', () => {
    const { sampleId } = analysedSample([cell(0)]);
    expect(() => queueField(t.ctx, sampleId, { sha256: sha(1), format: 'jpeg', width: 640, height: 480, bytes: 100 }, null, { userId: nurse }, () => 1)).toThrow(
      expect.objectContaining({ code: 'duplicate_field', statusCode: 409 }),
    );
  });

  it('refuses sign-off while flagged cells are unreviewed, saying how many; then signs and writes one outbox row', async () => {
    const { sampleId, fieldId } = analysedSample([cell(0, true), cell(1, true, 100), cell(3, false, 200)]);
    const e = await refusal(signSample(t.ctx, sampleId, { userId: supervisor, pin: '2222' }));
    expect(e).toMatchObject({ code: 'review_pending', statusCode: 409 });
    expect(e.message).toMatch(/^2 cells flagged for review have not been looked at/);
    expect(t.ctx.store.outbox.pendingCount()).toBe(0);

    const [a, b] = t.ctx.store.cells.listByField(fieldId);
    reviewCell(t.ctx, a.id, { userId: nurse });
    expect((await refusal(signSample(t.ctx, sampleId, { userId: supervisor, pin: '2222' }))).message).toMatch(/^1 cell flagged for review has not/);
    reclassifyCell(t.ctx, b.id, 'basophil', { userId: nurse });

    // A nurse cannot sign; a wrong PIN cannot sign.
    expect(await refusal(signSample(t.ctx, sampleId, { userId: nurse, pin: '1111' }))).toMatchObject({ code: 'supervisor_required', statusCode: 403 });
    expect(await refusal(signSample(t.ctx, sampleId, { userId: supervisor, pin: '9999' }))).toMatchObject({ code: 'wrong_pin', statusCode: 403 });

    const signed = await signReviewed(t.ctx, sampleId, { userId: supervisor, pin: '2222' });
    expect(signed).toMatchObject({ status: 'signed', signedBy: supervisor, signedRevision: signed.revision });
    const rows = t.ctx.store.outbox.due(t.ctx.now().toISOString());
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ sampleId, revision: signed.revision, images: [sha(1)] });
    const payload = rows[0].payload as { sample: { revision: number; status: string }; fields: { cells: unknown[] }[]; people: { signedBy: { name: string } } };
    expect(payload.sample).toMatchObject({ revision: signed.revision, status: 'signed' });
    expect(payload.fields[0].cells).toHaveLength(3);
    expect(payload.people.signedBy.name).toBe('Okafor');
    expect(await refusal(signSample(t.ctx, sampleId, { userId: supervisor, pin: '2222' }))).toMatchObject({ code: 'already_signed' });
  });

  it('refuses sign-off while a counted cell was never shown to a person; seen cells and not-leukocytes pass', async () => {
    const { sampleId, fieldId } = analysedSample([cell(0), cell(3, false, 100), cell(4, false, 200)]);
    const [a, b, c] = t.ctx.store.cells.listByField(fieldId);
    reclassifyCell(t.ctx, c!.id, 'not_leukocyte', { userId: nurse });
    markCellsSeen(t.ctx, sampleId, [a!.id], { userId: nurse });
    const e = await refusal(signSample(t.ctx, sampleId, { userId: supervisor, pin: '2222' }, { shortReason: 'few cells' }));
    expect(e).toMatchObject({ code: 'cells_unseen', statusCode: 409 });
    expect(e.message).toMatch(/^1 counted cell has not been seen by anyone/);
    markCellsSeen(t.ctx, sampleId, [b!.id], { userId: nurse });
    expect(await signSample(t.ctx, sampleId, { userId: supervisor, pin: '2222' }, { shortReason: 'few cells' })).toMatchObject({ status: 'signed' });
  });

  it('refuses sign-off while a field is in analysis, and with nothing analysed', async () => {
    const { sample } = createSample(t.ctx, { reference: 'S-5' }, { userId: nurse });
    expect(await refusal(signSample(t.ctx, sample.id, { userId: supervisor, pin: '2222' }))).toMatchObject({ code: 'nothing_to_sign' });
    queueField(t.ctx, sample.id, { sha256: sha(7), format: 'jpeg', width: 640, height: 480, bytes: 1 }, null, { userId: nurse }, () => 1);
    expect(await refusal(signSample(t.ctx, sample.id, { userId: supervisor, pin: '2222' }))).toMatchObject({ code: 'analysis_pending' });
  });

  it('accepts a correction after sign-off only with a reason; it makes a new revision that must be signed again', async () => {
    const { sampleId, fieldId } = analysedSample([cell(0), cell(3, false, 100)]);
    const first = await signReviewed(t.ctx, sampleId, { userId: supervisor, pin: '2222' });
    const [a] = t.ctx.store.cells.listByField(fieldId);
    expect(() => reclassifyCell(t.ctx, a.id, 'eosinophil', { userId: nurse })).toThrow(expect.objectContaining({ code: 'reason_required', statusCode: 409 }));
    expect(() => deleteCell(t.ctx, a.id, { userId: nurse })).toThrow(expect.objectContaining({ code: 'reason_required' }));
    expect(() => addCell(t.ctx, fieldId, [300, 300, 340, 340], 'lymphocyte', { userId: nurse })).toThrow(expect.objectContaining({ code: 'reason_required' }));
    expect(t.ctx.store.samples.get(sampleId)!.revision).toBe(first.revision);

    reclassifyCell(t.ctx, a.id, 'eosinophil', { userId: supervisor, reason: 'eosinophilic granules seen on review' });
    const amended = t.ctx.store.samples.get(sampleId)!;
    expect(amended).toMatchObject({ status: 'review', revision: first.revision + 1, signedRevision: first.revision });
    expect(sampleDetail(t.ctx, amended).amended).toBe(true);
    expect(t.ctx.store.audit.forSample(sampleId).at(-1)).toMatchObject({ action: 'cell.reclassified', reason: 'eosinophilic granules seen on review' });

    const second = await signReviewed(t.ctx, sampleId, { userId: supervisor, pin: '2222' });
    expect(second.revision).toBe(first.revision + 2);
    expect(t.ctx.store.outbox.due(t.ctx.now().toISOString()).map((r) => r.revision)).toEqual([first.revision, second.revision]);
  });

  it('marks a delivered revision synced without bumping the revision; an older delivery does not', async () => {
    const { sampleId } = analysedSample([cell(0)]);
    const signed = await signReviewed(t.ctx, sampleId, { userId: supervisor, pin: '2222' });
    const [row] = t.ctx.store.outbox.due(t.ctx.now().toISOString());
    t.ctx.store.outbox.markFailed(row.id, 'hub unreachable', '2026-03-01T09:00:00.000Z');
    expect(sampleDetail(t.ctx, t.ctx.store.samples.get(sampleId)!).sync).toMatchObject({ state: 'retrying', attempts: 1, lastError: 'hub unreachable' });
    expect(t.ctx.store.outbox.due(t.ctx.now().toISOString())).toEqual([]);
    markDelivered(t.ctx, sampleId, signed.revision);
    expect(t.ctx.store.samples.get(sampleId)).toMatchObject({ status: 'synced', revision: signed.revision, syncedRevision: signed.revision });
    expect(t.ctx.store.outbox.pendingCount()).toBe(0);
    expect(sampleDetail(t.ctx, t.ctx.store.samples.get(sampleId)!).sync.state).toBe('synced');
    expect(t.events.filter((e) => e.type === 'sync.changed').map((e) => (e as { state: string }).state)).toEqual(['queued', 'synced']);

    // Amended after delivery, and the old revision delivered again (at-least-once): still to be signed.
    editSample(t.ctx, sampleId, { wbcCount: 4.2 }, { userId: supervisor, reason: 'WBC count from the analyser arrived' });
    markDelivered(t.ctx, sampleId, signed.revision);
    expect(t.ctx.store.samples.get(sampleId)).toMatchObject({ status: 'review', revision: signed.revision + 1 });
  });

  it('adds a missed cell only inside the image and of a useful size; deleting a cell removes it from the differential', () => {
    const { sampleId, fieldId } = analysedSample([cell(0), cell(3, false, 100)]);
    expect(() => addCell(t.ctx, fieldId, [600, 400, 700, 470], 'monocyte', { userId: nurse })).toThrow(expect.objectContaining({ code: 'box_outside_image' }));
    expect(() => addCell(t.ctx, fieldId, [10, 10, 12, 40], 'monocyte', { userId: nurse })).toThrow(expect.objectContaining({ code: 'box_too_small' }));
    const added = addCell(t.ctx, fieldId, [300, 200, 360, 260], 'monocyte', { userId: nurse });
    expect(added).toMatchObject({ source: 'added', autoType: null, changedBy: nurse, type: 'monocyte' });
    deleteCell(t.ctx, t.ctx.store.cells.listByField(fieldId)[0].id, { userId: nurse });
    const d = sampleDetail(t.ctx, t.ctx.store.samples.get(sampleId)!).differential;
    expect(d.counted).toBe(2);
    expect(d.rows.find((r) => r.type === 'neutrophil')!.count).toBe(0);
    expect(d.rows.find((r) => r.type === 'monocyte')!.count).toBe(1);
  });

  it('records who corrected a cell and whether it is back to what the detectors said', () => {
    const { fieldId } = analysedSample([cell(0, true)]);
    const [c] = t.ctx.store.cells.listByField(fieldId);
    expect(reclassifyCell(t.ctx, c.id, 'lymphocyte', { userId: nurse })).toMatchObject({ type: 'lymphocyte', source: 'corrected', changedBy: nurse, reviewedBy: nurse });
    expect(reclassifyCell(t.ctx, c.id, 'neutrophil', { userId: nurse })).toMatchObject({ type: 'neutrophil', source: 'automatic' });
  });

  it('leaves the classes beyond the five to a person: typed, they count as seen, NRBC outside the count', async () => {
    const ig = { ...cell(0, true), cellClass: 'immature_granulocyte' };
    const nrbc = { ...cell(3, true, 100), cellClass: 'erythroblast' };
    const { sampleId, fieldId } = analysedSample([ig, nrbc, cell(0, false, 200)]);
    const [a, b] = t.ctx.store.cells.listByField(fieldId);
    // The machine's immature granulocyte waits for a person's type; its erythroblast is an NRBC.
    expect([a!.type, b!.type]).toEqual(['unclassified', 'nrbc']);
    for (const machine of CELL_CLASS_NAMES) expect([...CELL_TYPES, 'not_leukocyte', 'unclassified', 'nrbc']).toContain(storedClass(machine));
    expect(() => storedClass('blast')).toThrow(/unknown class 'blast'/);
    const [, , n] = t.ctx.store.cells.listByField(fieldId);
    markCellsSeen(t.ctx, sampleId, [a!.id, b!.id, n!.id], { userId: nurse });
    expect((await refusal(signSample(t.ctx, sampleId, { userId: supervisor, pin: '2222' }, { shortReason: 'a test of three cells' }))).code).toBe('unidentified_cells');
    expect(reclassifyCell(t.ctx, a!.id, 'immature_granulocyte', { userId: nurse })).toMatchObject({ type: 'immature_granulocyte', source: 'corrected', changedBy: nurse });
    // Seen as it is, the machine's NRBC stays on the report.
    expect(t.ctx.store.cells.tally(sampleId)).toMatchObject({ counted: 2, unidentified: 0, reviewPending: 0 });
    const d = sampleDetail(t.ctx, t.ctx.store.samples.get(sampleId)!).differential;
    expect(d.attention).toEqual([
      { type: 'immature_granulocyte', count: 1 },
      { type: 'nrbc', count: 1 },
    ]);
    expect((await signSample(t.ctx, sampleId, { userId: supervisor, pin: '2222' }, { shortReason: 'a test of three cells' })).status).toBe('signed');
  });

  it('publishes an event for each change after it is committed', () => {
    const { fieldId } = analysedSample([cell(0)]);
    const [c] = t.ctx.store.cells.listByField(fieldId);
    t.events.length = 0;
    deleteCell(t.ctx, c.id, { userId: nurse });
    expect(t.events.map((e) => e.type)).toEqual(['sample.changed', 'cell.changed']);
    expect(t.events[1]).toMatchObject({ cellId: c.id, change: 'deleted' });
  });
});
