/** Issue 25 item 2: a signed review is amended with a reason, or its changes set back; the box receives the amendment as a review. */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, ENGINES, formHeaders, putImage, reviewerHeaders, reviewForm, testHub, type TestHub } from './helpers.ts';
import { image, report } from './fixtures.ts';

describe.each(ENGINES)('amending a signed review (%s)', (engine) => {
  let hub: TestHub;
  let ada: { cookie: string };
  let sample: ReturnType<typeof report>;
  const cells = [randomUUID(), randomUUID(), randomUUID()];
  beforeAll(async () => {
    hub = await testHub(engine);
    const img = image();
    await putImage(hub, img);
    sample = report({ images: [img.sha256], cells });
    await hub.app.inject({ method: 'PUT', url: `/api/v1/samples/${sample.sample.id}/revisions/3`, headers: bearer(hub.tokens.c1), payload: { images: [img.sha256], payload: sample } });
    ada = await reviewerHeaders(hub);
  });
  afterAll(async () => hub?.close());

  const path = () => `/review/samples/${sample.sample.id}`;
  const page = async (query = '') => {
    const res = await hub.app.inject({ method: 'GET', url: `${path()}${query}`, headers: ada });
    expect(res.statusCode).toBe(200);
    return res.body;
  };
  const sign = (form: Record<string, string>) =>
    hub.app.inject({ method: 'POST', url: `${path()}/reviews`, headers: { ...ada, ...formHeaders }, payload: new URLSearchParams({ password: hub.reviewer.password, ...form }).toString() });
  const pulled = async () =>
    (await hub.app.inject({ method: 'GET', url: '/api/v1/reviews?after=0', headers: bearer(hub.tokens.c1) })).json().reviews as {
      seq: number;
      changes: { cellId: string; from: string; to: string }[];
      comment: string | null;
      amends: number | null;
    }[];

  it('amends with a reason: a new review on top, which names the one it amends, and the box gets it', async () => {
    expect((await sign({ ...reviewForm(await page()), [`cell.${cells[0]}`]: 'eosinophil', [`cell.${cells[1]}`]: 'monocyte', comment: 'eos' })).statusCode).toBe(303);
    const [first] = await pulled();
    const amending = await page(`?amend=${first.seq}`);
    expect(amending).toContain(`data-amending="${first.seq}"`);
    expect(amending).toContain('Reason for the amendment (required)');
    const form = reviewForm(amending);
    expect(form.amends).toBe(String(first.seq));
    // No reason: nothing signed, the choices kept, still amending.
    const noReason = await sign({ ...form, [`cell.${cells[1]}`]: 'lymphocyte' });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.body).toContain('Not signed: an amendment needs its reason.');
    const kept = reviewForm(noReason.body);
    expect(kept).toMatchObject({ amends: String(first.seq), [`cell.${cells[1]}`]: 'lymphocyte' });
    expect(await pulled()).toHaveLength(1);
    expect((await sign({ ...kept, comment: 'cell 2 is a lymphocyte after all' })).statusCode).toBe(303);
    const [, second] = await pulled();
    expect(second).toMatchObject({ amends: first.seq, comment: 'cell 2 is a lymphocyte after all', changes: [{ cellId: cells[1], from: 'monocyte', to: 'lymphocyte' }] });
    const after = await page();
    expect(after).toMatch(/<em>amends the review of [0-9-]+ [0-9:]+ UTC by Dr Ada:<\/em> cell 2 is a lymphocyte after all/);
    const print = await hub.app.inject({ method: 'GET', url: `${path()}/print`, headers: ada });
    expect(print.body).toMatch(/Amends the review of [^;]+ by Dr Ada; reason: cell 2 is a lymphocyte after all/);
  });

  it('offers an earlier review’s changes set back, where the cells still hold them', async () => {
    const [first] = await pulled();
    // Cell 1 still eosinophil from the first review; cell 2 was amended since, so it is left as it is.
    const undo = reviewForm(await page(`?amend=${first.seq}&undo=1`));
    expect(undo[`cell.${cells[0]}`]).toBe('neutrophil');
    expect(undo[`cell.${cells[1]}`]).toBe('lymphocyte');
    expect((await sign({ ...undo, comment: 'withdrawn: wrong sample' })).statusCode).toBe(303);
    const last = (await pulled()).at(-1)!;
    expect(last).toMatchObject({ amends: first.seq, changes: [{ cellId: cells[0], from: 'eosinophil', to: 'neutrophil' }] });
  });

  it('refuses to amend a review of another sample, or one the box has replaced', async () => {
    expect((await hub.app.inject({ method: 'GET', url: `${path()}?amend=999`, headers: ada })).statusCode).toBe(404);
    const form = reviewForm(await page());
    expect((await sign({ ...form, amends: '999', comment: 'x' })).statusCode).toBe(400);
    const [first] = await pulled();
    const newer = { ...sample, sample: { ...sample.sample, revision: 4 } };
    await hub.app.inject({
      method: 'PUT',
      url: `${path().replace('/review', '/api/v1')}/revisions/4`,
      headers: bearer(hub.tokens.c1),
      payload: { images: [sample.fields[0].image.sha256], payload: newer },
    });
    expect((await hub.app.inject({ method: 'GET', url: `${path()}?amend=${first.seq}`, headers: ada })).statusCode).toBe(404);
    expect(await page()).not.toContain('?amend=');
  });
});
