import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../../helpers/app.ts';
import { asUser } from '../../helpers/session.ts';
import { analysed, createSample, createUsers, fieldJpeg, NURSE_PIN, SHORT_REASON, SUPERVISOR_PIN, upload } from '../../helpers/workflow.ts';

/** The nurse's and supervisor's day through the HTTP API, on the constant-output fixture models. */
describe('sample workflow API', () => {
  let app: FastifyInstance;
  let users: { supervisor: string; nurse: string };
  // Acts as a user signed in by createUsers (their own session cookie).
  const as = (user: string) => asUser(app, user);
  beforeAll(async () => {
    app = await testApp();
    users = await createUsers(app);
  });
  afterAll(() => app.close());

  it('creates, lists and filters samples', async () => {
    const id = await createSample(app, { reference: 'LIST-1', patientId: 'MRN-1', collectedAt: '2026-03-01T07:30:00Z' }, users.nurse);
    await createSample(app, { reference: 'OTHER-2' });
    const all = (await app.inject({ url: '/api/samples' })).json();
    expect(all.total).toBeGreaterThanOrEqual(2);
    const one = (await app.inject({ url: '/api/samples?reference=LIST&status=draft' })).json();
    expect(one.items.map((s: { id: string }) => s.id)).toEqual([id]);
    expect(one.items[0]).toMatchObject({ reference: 'LIST-1', patientId: 'MRN-1', status: 'draft', revision: 1, createdBy: users.nurse, sync: { state: 'unsigned' } });
    // % and _ are literal in the reference filter.
    expect((await app.inject({ url: '/api/samples?reference=%25' })).json().items).toEqual([]);
  });

  it('takes fields to analysis, shows cells and the differential, and signs off after review', async () => {
    const id = await createSample(app, { reference: 'FLOW-1', patientId: 'MRN-2' }, users.nurse);
    for (let i = 0; i < 2; i++) {
      const res = await upload(app, id, await fieldJpeg(10 + i), { capturedAt: '2026-03-01T08:00:00Z' }, users.nurse);
      expect(res.statusCode).toBe(202);
      expect(res.json()).toMatchObject({ sampleId: id, seq: i + 1, status: 'queued', image: { width: 640, height: 480, format: 'jpeg' }, uploadedBy: users.nurse });
    }
    const sample = await analysed(app, id);
    expect(sample).toMatchObject({ status: 'review', fieldCount: 2, counted: 4, reviewPending: 4 });
    expect(sample.fields.map((f: { status: string }) => f.status)).toEqual(['analysed', 'analysed']);
    const [first, second] = sample.fields[0].cells;
    // Fixture models: a split neutrophil/eosinophil vote and a low-agreement monocyte, both flagged.
    expect(first).toMatchObject({ type: 'neutrophil', flagged: true, reviewed: false, source: 'automatic', votes: { neutrophil: 1, eosinophil: 1 } });
    expect(second).toMatchObject({ type: 'monocyte', flagged: true });
    expect(sample.differential).toMatchObject({ counted: 4, target: 100, targetReached: false, review: { flagged: 4, pending: 4 } });
    expect(sample.differential.flags[0]).toBe('review these 4 cells: the analysis is unsure of them');

    const sign = () => app.inject({ method: 'POST', url: `/api/samples/${id}/sign`, payload: { auth: { userId: users.supervisor, pin: SUPERVISOR_PIN }, shortReason: SHORT_REASON } });
    let res = await sign();
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({ error: 'review_pending', message: expect.stringMatching(/^4 cells flagged for review have not been looked at/) });

    // Reclassify one, delete one, confirm two; add a missed cell.
    const cells = sample.fields.flatMap((f: { cells: { id: string }[] }) => f.cells);
    res = await app.inject({ method: 'PATCH', url: `/api/cells/${cells[0].id}`, payload: { type: 'eosinophil' }, headers: as(users.nurse) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ type: 'eosinophil', autoType: 'neutrophil', source: 'corrected', reviewed: true, changedBy: users.nurse });
    res = await app.inject({ method: 'DELETE', url: `/api/cells/${cells[1].id}`, headers: as(users.nurse) });
    expect(res.statusCode).toBe(204);
    expect((await app.inject({ url: `/api/cells/${cells[1].id}` })).statusCode).toBe(404);
    for (const c of cells.slice(2)) {
      res = await app.inject({ method: 'POST', url: `/api/cells/${c.id}/review`, headers: as(users.nurse) });
      expect(res.json()).toMatchObject({ reviewed: true, reviewedBy: users.nurse });
    }
    res = await app.inject({ method: 'POST', url: `/api/fields/${sample.fields[1].id}/cells`, payload: { box: [300, 200, 360, 262], type: 'lymphocyte' }, headers: as(users.nurse) });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ type: 'lymphocyte', source: 'added', flagged: false, box: [300, 200, 360, 262] });
    res = await app.inject({ method: 'PATCH', url: `/api/samples/${id}`, payload: { wbcCount: 8 }, headers: as(users.nurse) });
    expect(res.json()).toMatchObject({ wbcCount: 8 });

    const diff = (await app.inject({ url: `/api/samples/${id}/differential` })).json();
    expect(diff.counted).toBe(4);
    expect(Object.fromEntries(diff.rows.map((r: { type: string; count: number }) => [r.type, r.count]))).toEqual({
      neutrophil: 1,
      eosinophil: 1,
      basophil: 0,
      lymphocyte: 1,
      monocyte: 1,
      band: 0,
      immature_granulocyte: 0,
      blast: 0,
      reactive_lymphocyte: 0,
      unclassified: 0,
    });
    expect(diff.rows[0]).toMatchObject({ percent: 25, absolute: 2 });

    res = await sign();
    expect(res.statusCode).toBe(200);
    const signed = res.json();
    expect(signed).toMatchObject({ status: 'signed', signedBy: users.supervisor, sync: { state: 'queued', revision: signed.revision } });

    // A correction after sign-off needs a reason, and then needs signing again.
    res = await app.inject({ method: 'PATCH', url: `/api/cells/${cells[2].id}`, payload: { type: 'basophil' }, headers: as(users.supervisor) });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toBe('reason_required');
    res = await app.inject({ method: 'PATCH', url: `/api/cells/${cells[2].id}`, payload: { type: 'basophil', reason: 'dark granules over the nucleus' }, headers: as(users.supervisor) });
    expect(res.statusCode).toBe(200);
    const amended = (await app.inject({ url: `/api/samples/${id}` })).json();
    expect(amended).toMatchObject({ status: 'review', amended: true, revision: signed.revision + 1, signedRevision: signed.revision });
    expect((await sign()).json()).toMatchObject({ status: 'signed', revision: signed.revision + 2, amended: false });

    const audit = (await app.inject({ url: `/api/samples/${id}/audit` })).json();
    expect(audit.map((a: { revision: number }) => a.revision)).toEqual(audit.map((_: unknown, i: number) => i + 1));
    expect(audit.filter((a: { reason: string | null }) => a.reason).map((a: { action: string }) => a.action)).toEqual(['sample.signed', 'cell.reclassified', 'sample.signed']);
    expect(audit.find((a: { reason: string | null }) => a.reason === 'dark granules over the nucleus')).toMatchObject({ action: 'cell.reclassified', userId: users.supervisor });
  });

  it('signs only when every counted cell was seen, none is unidentified, and the target is reached or a reason written', async () => {
    const id = await createSample(app, { reference: 'SEEN-1' }, users.nurse);
    await upload(app, id, await fieldJpeg(61), {}, users.nurse);
    const sample = await analysed(app, id);
    const [a, b] = sample.fields[0].cells as { id: string }[];
    const sign = (shortReason?: string) =>
      app.inject({ method: 'POST', url: `/api/samples/${id}/sign`, payload: { auth: { userId: users.supervisor, pin: SUPERVISOR_PIN }, ...(shortReason === undefined ? {} : { shortReason }) } });

    await app.inject({ method: 'POST', url: `/api/cells/${a!.id}/review`, headers: as(users.nurse) });
    await app.inject({ method: 'POST', url: `/api/cells/${b!.id}/review`, headers: as(users.nurse) });
    await app.inject({ method: 'POST', url: `/api/fields/${sample.fields[0].id}/cells`, payload: { box: [10, 10, 70, 70], type: 'unclassified' }, headers: as(users.nurse) });
    const other = await createSample(app, { reference: 'SEEN-2' }, users.nurse);
    await upload(app, other, await fieldJpeg(62), {}, users.nurse);
    const otherCells = (await analysed(app, other)).fields[0].cells as { id: string }[];
    let res = await sign();
    expect(res.json().error).toBe('unidentified_cells');

    // A page of the review gallery: a cell of another sample is refused, nothing is marked.
    res = await app.inject({ method: 'POST', url: `/api/samples/${id}/cells/seen`, payload: { cellIds: [otherCells[0]!.id] }, headers: as(users.nurse) });
    expect(res.statusCode).toBe(404);
    res = await app.inject({ method: 'POST', url: `/api/samples/${id}/cells/seen`, payload: { cellIds: [] } });
    expect(res.statusCode).toBe(400);
    res = await app.inject({ method: 'POST', url: `/api/samples/${other}/cells/seen`, payload: { cellIds: otherCells.map((c) => c.id) }, headers: as(users.nurse) });
    expect(res.json()).toEqual({ seen: 2 });
    const detail = (await app.inject({ url: `/api/samples/${other}` })).json();
    expect(detail.differential.review).toMatchObject({ unseen: 0, pending: 0 });
    expect(detail.fields[0].cells.every((c: { reviewedBy: string }) => c.reviewedBy === users.nurse)).toBe(true);
    // Seen again: nothing new, no new revision.
    res = await app.inject({ method: 'POST', url: `/api/samples/${other}/cells/seen`, payload: { cellIds: otherCells.map((c) => c.id) }, headers: as(users.nurse) });
    expect(res.json()).toEqual({ seen: 0 });
    const audit = (await app.inject({ url: `/api/samples/${other}/audit` })).json() as { action: string; detail: { cellIds?: string[] } }[];
    expect(audit.filter((e) => e.action === 'cells.seen').map((e) => e.detail.cellIds)).toEqual([otherCells.map((c) => c.id)]);

    // Cells opened one by one, and cells a person added, are seen too.
    const unseenSample = await createSample(app, { reference: 'SEEN-3' }, users.nurse);
    await upload(app, unseenSample, await fieldJpeg(63), {}, users.nurse);
    const u = (await analysed(app, unseenSample)).fields[0].cells as { id: string }[];
    for (const c of u) await app.inject({ method: 'POST', url: `/api/cells/${c.id}/review` });
    await app.inject({ method: 'POST', url: `/api/fields/${(await analysed(app, unseenSample)).fields[0].id}/cells`, payload: { box: [10, 10, 70, 70], type: 'lymphocyte' } });
    expect(
      (await app.inject({ method: 'POST', url: `/api/samples/${unseenSample}/sign`, payload: { auth: { userId: users.supervisor, pin: SUPERVISOR_PIN }, shortReason: SHORT_REASON } })).statusCode,
    ).toBe(200);

    // The unidentified cell typed: now the short count needs the supervisor's reason, printed on the report.
    const unidentified = (await app.inject({ url: `/api/samples/${id}` })).json().fields[0].cells.find((c: { type: string }) => c.type === 'unclassified');
    await app.inject({ method: 'PATCH', url: `/api/cells/${unidentified.id}`, payload: { type: 'monocyte' }, headers: as(users.nurse) });
    res = await sign();
    expect(res.json()).toEqual({ error: 'target_not_reached', message: expect.stringMatching(/^3 of 100 leukocytes counted/) });
    expect((await sign('  ok ')).json().error).toBe('target_not_reached');
    expect((await sign('anaemic sample, too few cells on the slide')).statusCode).toBe(200);
    const report = (await app.inject({ url: `/api/samples/${id}/report` })).json();
    expect(report.people.signedBy.shortReason).toBe('anaemic sample, too few cells on the slide');
    expect(report.amendments).toEqual([]);
    expect((await app.inject({ url: `/api/samples/${id}/report.html` })).body).toContain('Signed with 3 of 100 cells counted. Reason: anaemic sample, too few cells on the slide');
  });

  it('serves the report as JSON and printable HTML', async () => {
    const id = await createSample(app, { reference: 'REP-1', patientId: 'MRN-3' }, users.nurse);
    await upload(app, id, await fieldJpeg(30));
    await analysed(app, id);
    const json = (await app.inject({ url: `/api/samples/${id}/report` })).json();
    expect(json).toMatchObject({ kind: 'leukodiff.report', sample: { reference: 'REP-1', patientId: 'MRN-3' }, analysis: { models: [{ id: 'fixed-a' }, { id: 'fixed-b' }] } });
    expect(json.disclaimer).toMatch(/confirmed by a qualified professional/);
    const html = await app.inject({ url: `/api/samples/${id}/report.html` });
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(html.headers['content-security-policy']).toContain("default-src 'none'");
    expect(html.body).toContain('REP-1');
    expect(html.body).toContain('PRELIMINARY');
  });

  it('removes a field and retries only failed ones', async () => {
    const id = await createSample(app, { reference: 'DEL-1' });
    const f = (await upload(app, id, await fieldJpeg(40))).json();
    await analysed(app, id);
    expect((await app.inject({ method: 'POST', url: `/api/fields/${f.id}/retry` })).json().error).toBe('not_failed');
    expect((await app.inject({ method: 'DELETE', url: `/api/fields/${f.id}` })).statusCode).toBe(204);
    const s = (await app.inject({ url: `/api/samples/${id}` })).json();
    expect(s).toMatchObject({ fieldCount: 0, counted: 0, status: 'draft' });
    expect((await app.inject({ url: `/api/fields/${f.id}` })).statusCode).toBe(404);
    // The same photo can be taken again once its field is gone.
    expect((await upload(app, id, await fieldJpeg(40))).statusCode).toBe(202);
  });

  it('refuses an upload of a photo already in the sample, and a damaged photo', async () => {
    const id = await createSample(app, { reference: 'DUP-1' });
    const jpeg = await fieldJpeg(50);
    expect((await upload(app, id, jpeg)).statusCode).toBe(202);
    const dup = await upload(app, id, jpeg);
    expect(dup.statusCode).toBe(409);
    expect(dup.json()).toMatchObject({ error: 'duplicate_field' });
    const cut = await upload(app, id, jpeg.subarray(0, jpeg.length - 200));
    expect(cut.statusCode).toBe(422);
    expect(cut.json()).toMatchObject({ error: 'truncated_image' });
    const text = await upload(app, id, Buffer.from('just some notes, not a photo\n'.repeat(4)));
    expect(text.statusCode).toBe(400);
    expect(text.json().error).toBe('not_an_image');
  });

  it('lets a user check their PIN for the kiosk user switch', async () => {
    expect((await app.inject({ method: 'POST', url: `/api/users/${users.nurse}/verify-pin`, payload: { pin: NURSE_PIN } })).json()).toMatchObject({ id: users.nurse, role: 'nurse' });
    expect((await app.inject({ method: 'POST', url: `/api/users/${users.nurse}/verify-pin`, payload: { pin: '0000' } })).statusCode).toBe(403);
  });
});
