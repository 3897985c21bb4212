/**
 * Issue 25 item 2: a reviewer removes a duplicate (the same leukocyte counted twice) and adds a cell
 * the analysis missed. The form posts them, the hub checks them, stores them as review changes the
 * box can apply (GET /api/v1/reviews), and counts them on the sample page, its crops and its print view.
 */
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Report } from '../../src/contracts/api/report.ts';
import type { HubReview } from '../../src/contracts/hub-protocol.ts';
import { UUID } from '../../src/contracts/uuid.ts';
import { verifiedFields } from '../../src/hub/export/verified.ts';
import { reviewsOfSample } from '../../src/hub/repo/reviews.ts';
import { CROP_PX } from '../../src/hub/web/crops.ts';
import { cellNumbers, effectiveTypes, reviewedCells, tally, typicalCellSide, type ReportField, type ReportPayload } from '../../src/hub/web/model.ts';
import { bearer, ENGINES, formHeaders, reviewerHeaders, reviewForm, testHub, type TestHub } from './helpers.ts';
import { syncBigSample, type BigSample } from './review-screen-fixtures.ts';

const review = (baseRevision: number, changes: HubReview['changes'], seq = 1): HubReview => ({
  seq,
  id: randomUUID(),
  sampleId: 's',
  baseRevision,
  reviewer: { id: 'r', name: 'Dr Ada' },
  changes,
  comment: null,
  signedAt: '2026-03-01T10:00:00.000Z',
});

describe('the reviewed cells (model)', () => {
  const field = (id: string, cells: [string, string][], scale?: number): ReportField => ({
    id,
    seq: 1,
    image: { sha256: 'x', width: 200, height: 100 },
    ...(scale === undefined ? {} : { scale: { umPerPixel: scale } }),
    cells: cells.map(([cellId, type], k) => ({ id: cellId, box: [k * 10, 0, k * 10 + 20 + k, 20 + k] as [number, number, number, number], type, autoType: type, confidence: 0.9, flagged: false })),
  });
  const payload: ReportPayload = {
    sample: { id: 's', reference: 'R', revision: 2 },
    fields: [
      field('f1', [
        ['a', 'neutrophil'],
        ['b', 'neutrophil'],
        ['c', 'lymphocyte'],
      ]),
    ],
  };

  it('drops a removed duplicate and counts an added cell, only for reviews of the revision shown', () => {
    const reviews = [
      review(2, [
        { op: 'delete', cellId: 'b', from: 'neutrophil', to: null },
        { op: 'add', cellId: 'n1', fieldId: 'f1', box: [100, 10, 120, 30], from: null, to: 'monocyte' },
      ]),
      // Of an older revision: ignored. On a field this revision lacks: ignored.
      review(1, [{ op: 'delete', cellId: 'a', from: 'neutrophil', to: null }], 2),
      review(2, [{ op: 'add', cellId: 'n2', fieldId: 'gone', box: [0, 0, 10, 10], from: null, to: 'basophil' }], 3),
      // A later review retypes the added cell.
      review(2, [{ cellId: 'n1', from: 'monocyte', to: 'eosinophil' }], 4),
    ];
    const { types, added } = reviewedCells(payload, reviews);
    expect([...types]).toEqual([
      ['a', 'neutrophil'],
      ['c', 'lymphocyte'],
      ['n1', 'eosinophil'],
    ]);
    expect(added.map((c) => [c.id, c.fieldId, c.by])).toEqual([['n1', 'f1', 'Dr Ada']]);
    expect(effectiveTypes(payload, reviews)).toEqual(types);
    const rows = Object.fromEntries(tally(types.values()).rows.map((r) => [r.type, r.count]));
    expect(rows).toMatchObject({ neutrophil: 1, lymphocyte: 1, eosinophil: 1 });
    // Numbers stay as they were; added cells come after the box's.
    expect([...cellNumbers(payload, added)]).toEqual([
      ['a', 1],
      ['b', 2],
      ['c', 3],
      ['n1', 4],
    ]);
  });

  it('sizes a new cell as a leukocyte at the field’s scale, else as the median of its cells, else of the sample', () => {
    const scaled = field('f', [['a', 'neutrophil']], 0.1);
    expect(typicalCellSide(scaled, [scaled])).toBe(120);
    const plain = field('g', [
      ['a', 'neutrophil'],
      ['b', 'neutrophil'],
      ['c', 'neutrophil'],
    ]);
    // Sides 20, 21, 22: the median is 21.
    expect(typicalCellSide(plain, [plain])).toBe(21);
    const empty = field('h', []);
    expect(typicalCellSide(empty, [empty, plain])).toBe(21);
    expect(typicalCellSide(empty, [empty])).toBe(10);
  });

  it('exports the added cell as verified at the hub, and leaves the removed duplicate out without counting it', () => {
    const cell = (id: string, type: string, box: number[]) => ({ id, fieldId: 'f1', box, type, autoType: type, confidence: 0.9, flagged: false, reviewed: true, source: 'automatic' });
    const report = {
      sample: { id: 's', revision: 2, signedRevision: 2 },
      people: { signedBy: { name: 'Sup' } },
      fields: [{ id: 'f1', seq: 1, image: { sha256: 'x', width: 200, height: 100 }, cells: [cell('a', 'neutrophil', [0, 0, 20, 20]), cell('b', 'neutrophil', [20, 0, 40, 20])] }],
    } as unknown as Report;
    const reviews = [
      review(2, [
        { op: 'delete', cellId: 'b', from: 'neutrophil', to: null },
        { op: 'add', cellId: 'n1', fieldId: 'f1', box: [100, 10, 120, 30], from: null, to: 'monocyte' },
      ]),
    ];
    const [f] = verifiedFields(report, reviews);
    expect(f.unverified).toBe(0);
    expect(f.cells.map((c) => [c.cell.id, c.type, c.verifiedBy])).toEqual([
      ['a', 'neutrophil', 'box'],
      ['n1', 'monocyte', 'hub_review'],
    ]);
    expect(f.cells[1].cell).toMatchObject({ box: [100, 10, 120, 30], source: 'added', autoType: null, changedByReviewer: 'Dr Ada' });
  });
});

describe.each(ENGINES)('removing a duplicate and adding a missed cell at the hub (%s)', (engine) => {
  let hub: TestHub;
  let session: { cookie: string };
  beforeAll(async () => {
    hub = await testHub(engine);
    session = await reviewerHeaders(hub);
  });
  afterAll(async () => hub?.close());

  const get = (url: string) => hub.app.inject({ method: 'GET', url, headers: session });
  const post = (sampleId: string, form: Record<string, string>) =>
    hub.app.inject({
      method: 'POST',
      url: `/review/samples/${sampleId}/reviews`,
      headers: { ...session, ...formHeaders },
      payload: new URLSearchParams({ password: hub.reviewer.password, ...form }).toString(),
    });
  /** The sample page's form as shown, with cell 2 marked a duplicate and one missed cell on field 2. */
  async function editedForm(big: BigSample, extra: Record<string, string> = {}) {
    const form = reviewForm((await get(`/review/samples/${big.sampleId}`)).body);
    form[`cell.${big.cellIds[1]}`] = 'remove';
    return { ...form, 'add.0.field': big.payload.fields[1].id, 'add.0.box': '300,200,370,266', 'add.0.type': 'lymphocyte', ...extra };
  }
  const withReviews = (body: string) => /<caption>With the reviews so far<\/caption>[\s\S]*?<\/table>/.exec(body)![0];
  const countIn = (table: string, title: string) => Number(new RegExp(`<td>${title}</td><td>(\\d+)</td>`).exec(table)?.[1] ?? 0);

  it('offers the removal in each cell’s choice and its key in the legend, and the photo for a tap', async () => {
    const big = await syncBigSample(hub);
    const body = (await get(`/review/samples/${big.sampleId}`)).body;
    expect(body).toContain('<option value="remove">Duplicate: remove from the count</option>');
    expect(body).toMatch(/<span data-key="d" data-type="remove"><kbd>D<\/kbd>/);
    const f = big.payload.fields[0];
    // The demo fields carry no scale: a new box is the median side of the field's cells (70 x 66: 70).
    expect(body).toContain(`data-field="${f.id}" data-seq="1" data-width="${f.image.width}" data-height="${f.image.height}" data-cell-side="70"`);
    expect(body).toContain('<template id="added-cell-template">');
  });

  it('signs a removal and an addition: the box receives both, and the page, the crop and the print view count them', async () => {
    const big = await syncBigSample(hub);
    const before = withReviews((await get(`/review/samples/${big.sampleId}`)).body);
    const res = await post(big.sampleId, await editedForm(big));
    expect(res.statusCode).toBe(303);
    const pulled = (await hub.app.inject({ method: 'GET', url: '/api/v1/reviews?after=0&limit=200', headers: bearer(hub.tokens.c1) })).json();
    const mine = pulled.reviews.find((r: HubReview) => r.sampleId === big.sampleId);
    expect(mine.changes).toEqual([
      { op: 'delete', cellId: big.cellIds[1], from: 'neutrophil', to: null },
      { op: 'add', cellId: expect.stringMatching(new RegExp(UUID)), fieldId: big.payload.fields[1].id, box: [300, 200, 370, 266], from: null, to: 'lymphocyte' },
    ]);
    const addedId = mine.changes[1].cellId as string;
    expect(big.cellIds).not.toContain(addedId);

    const body = (await get(`/review/samples/${big.sampleId}`)).body;
    const after = withReviews(body);
    expect(countIn(after, 'Neutrophils')).toBe(countIn(before, 'Neutrophils') - 1);
    expect(countIn(after, 'Lymphocytes')).toBe(countIn(before, 'Lymphocytes') + 1);
    expect(body).not.toContain(`data-cell="${big.cellIds[1]}"`);
    expect(body).toContain(`data-cell="${addedId}" data-n="101" data-from="lymphocyte"`);
    expect(body).toContain('added at the hub by Dr Ada');
    expect(body).toMatch(/<div class="box added" style="[^"]*"><span>101<\/span><\/div>/);

    const crop = await get(`/review/cells/${big.sampleId}/${addedId}?revision=3`);
    expect(crop.statusCode).toBe(200);
    expect((await sharp(crop.rawPayload).metadata()).width).toBe(CROP_PX);

    const print = (await get(`/review/samples/${big.sampleId}/print`)).body;
    expect(print).toMatch(/cell 2<\/td><td>Neutrophils → removed \(duplicate\)/);
    expect(print).toMatch(/cell 101<\/td><td>added → Lymphocytes/);

    // The next review sees the added cell like any other, and may remove it again.
    const again = reviewForm(body);
    expect(again[`cell.${addedId}`]).toBe('lymphocyte');
    again[`cell.${addedId}`] = 'remove';
    expect((await post(big.sampleId, again)).statusCode).toBe(303);
    const reviews = await reviewsOfSample(hub.db.db, big.sampleId);
    expect(reviews.at(-1)!.changes).toEqual([{ op: 'delete', cellId: addedId, from: 'lymphocyte', to: null }]);
    expect(countIn(withReviews((await get(`/review/samples/${big.sampleId}`)).body), 'Lymphocytes')).toBe(countIn(before, 'Lymphocytes'));
  });

  it('stores a form posted twice once, under the same added cell id', async () => {
    const big = await syncBigSample(hub);
    const form = await editedForm(big);
    expect((await post(big.sampleId, form)).statusCode).toBe(303);
    const second = await post(big.sampleId, form);
    expect(second.statusCode).toBe(303);
    expect(second.headers.location).toContain('notice=signed');
    expect(await reviewsOfSample(hub.db.db, big.sampleId)).toHaveLength(1);
  });

  it('sets an amended review’s added cell back by offering its removal', async () => {
    const big = await syncBigSample(hub);
    expect((await post(big.sampleId, await editedForm(big))).statusCode).toBe(303);
    const [signed] = await reviewsOfSample(hub.db.db, big.sampleId);
    const addedId = signed.changes[1].cellId;
    const body = (await get(`/review/samples/${big.sampleId}?amend=${signed.seq}&undo=1`)).body;
    expect(body).toMatch(new RegExp(`<select name="cell\\.${addedId}">[\\s\\S]*?<option value="remove" selected>`));
    const form = { ...reviewForm(body), comment: 'not a leukocyte after all' };
    expect((await post(big.sampleId, form)).statusCode).toBe(303);
    const reviews = await reviewsOfSample(hub.db.db, big.sampleId);
    expect(reviews.at(-1)).toMatchObject({ amends: signed.seq, changes: [{ op: 'delete', cellId: addedId, from: 'lymphocyte', to: null }] });
  });

  it.each([
    ['a field of no revision of this sample', { 'add.0.field': randomUUID() }, 'unknown_field'],
    ['a box past the photo', { 'add.0.box': '600,440,680,500' }, 'box_outside_image'],
    ['a box too small', { 'add.0.box': '10,10,12,12' }, 'box_outside_image'],
    ['no type', { 'add.0.type': undefined }, 'incomplete_added_cell'],
  ])('refuses an added cell on %s, signing nothing', async (_what, change, code) => {
    const big = await syncBigSample(hub);
    const form: Record<string, string> = await editedForm(big);
    for (const [k, v] of Object.entries(change))
      if (v === undefined) delete form[k];
      else form[k] = v;
    const res = await post(big.sampleId, form);
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain(code);
    expect(await reviewsOfSample(hub.db.db, big.sampleId)).toHaveLength(0);
  });

  it('refuses a box that is not four whole numbers, and more than 50 added cells', async () => {
    const big = await syncBigSample(hub);
    expect((await post(big.sampleId, await editedForm(big, { 'add.0.box': '1,2,3' }))).statusCode).toBe(400);
    const many: Record<string, string> = {};
    for (let k = 0; k < 51; k++) Object.assign(many, { [`add.${k}.field`]: big.payload.fields[0].id, [`add.${k}.box`]: `${k * 5},0,${k * 5 + 40},40`, [`add.${k}.type`]: 'neutrophil' });
    const res = await post(big.sampleId, await editedForm(big, many));
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('too_many_added_cells');
    expect(await reviewsOfSample(hub.db.db, big.sampleId)).toHaveLength(0);
  });

  it('keeps the removal and the added cell on the page when the password is wrong', async () => {
    const big = await syncBigSample(hub);
    const res = await post(big.sampleId, { ...(await editedForm(big)), password: 'wrong' });
    expect(res.statusCode).toBe(401);
    expect(res.body).toContain(`<select name="cell.${big.cellIds[1]}">`);
    expect(res.body).toMatch(new RegExp(`<select name="cell\\.${big.cellIds[1]}">[\\s\\S]*?<option value="remove" selected>`));
    expect(res.body).toContain(`name="add.0.field" data-part="field" value="${big.payload.fields[1].id}"`);
    expect(res.body).toContain('name="add.0.box" data-part="box" value="300,200,370,266"');
    expect(res.body).toMatch(/<select name="add\.0\.type" data-part="type" required>[\s\S]*?<option value="lymphocyte" selected>/);
    expect(res.body).toMatch(/<div class="box added pending" data-added-box="0" style="[^"]+">/);
    expect(await reviewsOfSample(hub.db.db, big.sampleId)).toHaveLength(0);
  });
});
