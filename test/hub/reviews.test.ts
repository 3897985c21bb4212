import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionReviewer } from '../../src/hub/repo/reviewers.ts';
import { bearer, ENGINES, reviewerHeaders, reviewForm, signInAt, testHub, type TestHub, putImage } from './helpers.ts';
import { image, report } from './fixtures.ts';

describe.each(ENGINES)('hub reviews and reviewer pages (%s)', (engine) => {
  let hub: TestHub;
  let sample: ReturnType<typeof report>;
  let img: ReturnType<typeof image>;
  beforeAll(async () => {
    hub = await testHub(engine);
    img = image();
    await putImage(hub, img);
    sample = report({ images: [img.sha256], reference: 'S-<b>42</b>' });
    const res = await hub.app.inject({ method: 'PUT', url: `/api/v1/samples/${sample.sample.id}/revisions/3`, headers: bearer(hub.tokens.c1), payload: { images: [img.sha256], payload: sample } });
    expect(res.statusCode).toBe(200);
    session = await reviewerHeaders(hub);
  });
  afterAll(async () => hub?.close());

  let session: { cookie: string };
  const reviewer = () => session;
  const sign = (fields: Record<string, string>, headers: Record<string, string> = { origin: 'http://localhost:80', host: 'localhost:80' }) =>
    hub.app.inject({
      method: 'POST',
      url: `/review/samples/${sample.sample.id}/reviews`,
      headers: { ...reviewer(), ...headers, 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ password: hub.reviewer.password, ...fields }).toString(),
    });
  const pull = (token: string, after = 0) => hub.app.inject({ method: 'GET', url: `/api/v1/reviews?after=${after}`, headers: bearer(token) });

  it('asks reviewers to sign in', async () => {
    const res = await hub.app.inject({ method: 'GET', url: '/review' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe('/review/login?next=%2Freview');
    const wrong = await signInAt(hub.app, 'ada', 'nope');
    expect(wrong.statusCode).toBe(401);
    expect(wrong.cookies).toEqual([]);
  });

  it('lists synced samples and shows one with its cells, image and differential, escaped', async () => {
    const list = await hub.app.inject({ method: 'GET', url: '/review', headers: reviewer() });
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('S-&lt;b&gt;42&lt;/b&gt;');
    expect(list.body).not.toContain('<b>42</b>');
    const page = await hub.app.inject({ method: 'GET', url: `/review/samples/${sample.sample.id}`, headers: reviewer() });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain(`/review/images/${img.sha256}`);
    for (const c of sample.fields[0].cells) expect(page.body).toContain(`name="cell.${c.id}"`);
    expect(page.body).toMatch(/Neutrophils<\/td><td>2<\/td><td>100/);
    const bytes = await hub.app.inject({ method: 'GET', url: `/review/images/${img.sha256}`, headers: reviewer() });
    expect(bytes.statusCode).toBe(200);
    expect(bytes.rawPayload.equals(img.bytes)).toBe(true);
  });

  it('refuses a cross-site form post', async () => {
    const [a] = sample.fields[0].cells;
    expect((await sign({ revision: '3', reviewsSeen: '0', [`cell.${a.id}`]: 'monocyte' }, { origin: 'https://evil.example', host: 'localhost:80' })).statusCode).toBe(403);
    expect((await sign({ revision: '3', reviewsSeen: '0', [`cell.${a.id}`]: 'monocyte' }, { host: 'localhost:80' })).statusCode).toBe(403);
    expect((await pull(hub.tokens.c1)).json().reviews).toEqual([]);
  });

  it('turns a signed review into changes the clinic’s boxes pull after a cursor', async () => {
    const [a, b] = sample.fields[0].cells;
    const res = await sign({ revision: '3', reviewsSeen: '0', [`cell.${a.id}`]: 'monocyte', [`cell.${b.id}`]: 'neutrophil', comment: 'left shift?' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toContain('notice=signed');
    const first = (await pull(hub.tokens.c1)).json();
    expect(first.reviews).toHaveLength(1);
    expect(first.reviews[0]).toMatchObject({
      seq: 1,
      sampleId: sample.sample.id,
      baseRevision: 3,
      reviewer: { name: 'Dr Ada' },
      comment: 'left shift?',
      changes: [{ cellId: a.id, from: 'neutrophil', to: 'monocyte' }],
    });
    expect(first.cursor).toBe(1);
    // A second review, on a page shown after the first, counts from the first one's types.
    await sign({ revision: '3', reviewsSeen: '1', [`cell.${a.id}`]: 'monocyte', [`cell.${b.id}`]: 'lymphocyte' });
    const next = (await pull(hub.tokens.c1, first.cursor)).json();
    expect(next.reviews.map((r: { seq: number }) => r.seq)).toEqual([2]);
    expect(next.reviews[0].changes).toEqual([{ cellId: b.id, from: 'neutrophil', to: 'lymphocyte' }]);
    // Another clinic's box sees none of it.
    expect((await pull(hub.tokens.c2)).json().reviews).toEqual([]);
    // The box confirmed up to 2 by asking after 2: the page says the review reached it.
    await pull(hub.tokens.c1, 2);
    const page = await hub.app.inject({ method: 'GET', url: `/review/samples/${sample.sample.id}`, headers: reviewer() });
    expect(page.body).toContain('reached the box');
    expect(page.body).not.toContain('waiting for the box');
  });

  it('refuses a review of a revision the box has replaced meanwhile', async () => {
    const newer = { ...sample, sample: { ...sample.sample, revision: 4 } };
    const put = await hub.app.inject({ method: 'PUT', url: `/api/v1/samples/${sample.sample.id}/revisions/4`, headers: bearer(hub.tokens.c1), payload: { images: [img.sha256], payload: newer } });
    expect(put.json().status).toBe('created');
    const [a] = sample.fields[0].cells;
    const res = await sign({ revision: '3', reviewsSeen: '2', [`cell.${a.id}`]: 'basophil', comment: 'baso?' });
    expect(res.statusCode).toBe(409);
    expect(res.body).toContain('Not signed: the sample changed while you were reviewing');
    // The reviewer's change and comment are kept on the current revision, ready to sign again.
    expect(res.body).toContain('name="revision" value="4"');
    expect(res.body).toMatch(new RegExp(`name="cell\\.${a.id}">(?:(?!</select>).)*<option value="basophil" selected>`, 's'));
    expect(res.body).toContain('>baso?</textarea>');
    expect((await pull(hub.tokens.c1, 2)).json().reviews).toEqual([]);
  });

  it('shows a clinic’s reviewer only that clinic’s samples', async () => {
    const { provisionReviewer } = await import('../../src/hub/repo/reviewers.ts');
    const { password } = await provisionReviewer(hub.db.db, { login: 'bob', name: 'Dr Bob', clinicId: 'c2' }, new Date().toISOString());
    const bob = await reviewerHeaders(hub, 'bob', password);
    const list = await hub.app.inject({ method: 'GET', url: '/review', headers: bob });
    expect(list.statusCode).toBe(200);
    expect(list.body).not.toContain(sample.sample.id);
    expect((await hub.app.inject({ method: 'GET', url: `/review/samples/${sample.sample.id}`, headers: bob })).statusCode).toBe(404);
    expect((await hub.app.inject({ method: 'GET', url: `/review/images/${img.sha256}`, headers: bob })).statusCode).toBe(404);
    const post = await hub.app.inject({
      method: 'POST',
      url: `/review/samples/${sample.sample.id}/reviews`,
      headers: { ...bob, origin: 'http://localhost', 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'revision=4&reviewsSeen=0',
    });
    expect(post.statusCode).toBe(404);
  });

  it('validates the form', async () => {
    expect((await sign({ revision: '3', reviewsSeen: '0', 'cell.not-a-uuid': 'monocyte' })).statusCode).toBe(400);
    expect((await sign({ revision: '4', reviewsSeen: '0', [`cell.${sample.fields[0].cells[0].id}`]: 'alien' })).statusCode).toBe(400);
    expect((await sign({ revision: '2', reviewsSeen: '0' })).statusCode).toBe(400);
  });
});

describe.each(ENGINES)('two reviewers on one sample (%s)', (engine) => {
  let hub: TestHub;
  let sample: ReturnType<typeof report>;
  type Who = { headers: { cookie: string }; password: string };
  let ada: Who;
  let ben: Who;
  const cells = [randomUUID(), randomUUID(), randomUUID()];
  beforeAll(async () => {
    hub = await testHub(engine);
    const img = image();
    await putImage(hub, img);
    sample = report({ images: [img.sha256], cells });
    await hub.app.inject({ method: 'PUT', url: `/api/v1/samples/${sample.sample.id}/revisions/3`, headers: bearer(hub.tokens.c1), payload: { images: [img.sha256], payload: sample } });
    const { password } = await provisionReviewer(hub.db.db, { login: 'ben', name: 'Dr Ben', clinicId: 'c1' }, new Date().toISOString());
    ben = { headers: await reviewerHeaders(hub, 'ben', password), password };
    ada = { headers: await reviewerHeaders(hub), password: hub.reviewer.password };
  });
  afterAll(async () => hub?.close());

  const page = async (who: Who) => (await hub.app.inject({ method: 'GET', url: `/review/samples/${sample.sample.id}`, headers: who.headers })).body;
  const sign = (who: Who, form: Record<string, string>) =>
    hub.app.inject({
      method: 'POST',
      url: `/review/samples/${sample.sample.id}/reviews`,
      headers: { ...who.headers, origin: 'http://localhost:80', host: 'localhost:80', 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ password: who.password, ...form }).toString(),
    });
  const pulled = async () =>
    (await hub.app.inject({ method: 'GET', url: '/api/v1/reviews?after=0', headers: bearer(hub.tokens.c1) })).json().reviews as { reviewer: { name: string }; changes: unknown[] }[];

  it('refuses the second review signed on the same base, keeps its changes and shows what changed, then signs it on the new base', async () => {
    const adaForm = reviewForm(await page(ada));
    const benForm = reviewForm(await page(ben));
    expect(benForm).toEqual(adaForm);
    expect(await sign(ada, { ...adaForm, [`cell.${cells[0]}`]: 'eosinophil' })).toMatchObject({ statusCode: 303 });
    // Ben's page still shows cell 1 as neutrophil; he changes only cell 3.
    const stale = await sign(ben, { ...benForm, [`cell.${cells[2]}`]: 'monocyte', comment: 'mono' });
    expect(stale.statusCode).toBe(409);
    expect(stale.body).toMatch(/data-meanwhile="[^"]+">cell 1: Neutrophils → Eosinophils, by Dr Ada</);
    expect(stale.body).toMatch(/data-mine="[^"]+">cell 3: Neutrophils → Monocytes</);
    expect((await pulled()).map((r) => r.reviewer.name)).toEqual(['Dr Ada']);
    // One click: the form as it came back signs Ben's change alone, on top of Ada's.
    const again = reviewForm(stale.body);
    expect(again[`cell.${cells[0]}`]).toBe('eosinophil');
    expect(again[`cell.${cells[2]}`]).toBe('monocyte');
    expect(await sign(ben, { ...again, comment: 'mono' })).toMatchObject({ statusCode: 303 });
    const reviews = await pulled();
    expect(reviews.map((r) => r.reviewer.name)).toEqual(['Dr Ada', 'Dr Ben']);
    expect(reviews[1].changes).toEqual([{ cellId: cells[2], from: 'neutrophil', to: 'monocyte' }]);
    expect(reviewForm(await page(ada))).toMatchObject({ [`cell.${cells[0]}`]: 'eosinophil', [`cell.${cells[1]}`]: 'neutrophil', [`cell.${cells[2]}`]: 'monocyte' });
  });

  it('signs one of two reviews posted at the same moment on the same base', async () => {
    const form = reviewForm(await page(ada));
    const before = (await pulled()).length;
    const [x, y] = await Promise.all([sign(ada, { ...form, [`cell.${cells[1]}`]: 'lymphocyte' }), sign(ben, { ...form, [`cell.${cells[1]}`]: 'basophil' })]);
    expect([x.statusCode, y.statusCode].sort()).toEqual([303, 409]);
    expect((await pulled()).length).toBe(before + 1);
  });

  it('stores a form sent twice (a double tap, or back then sign) once, and says it was signed', async () => {
    const form = { ...reviewForm(await page(ada)), [`cell.${cells[0]}`]: 'basophil', comment: 'agree' };
    const before = (await pulled()).length;
    expect((await sign(ada, form)).statusCode).toBe(303);
    const twice = await sign(ada, form);
    expect(twice.statusCode).toBe(303);
    expect(twice.headers.location).toContain('notice=signed');
    expect((await pulled()).length).toBe(before + 1);
  });

  it('takes a form from before the base was sent as stale, and keeps its changes', async () => {
    const { reviewsSeen: _, ...old } = reviewForm(await page(ada));
    const before = (await pulled()).length;
    const res = await sign(ada, { ...old, [`cell.${cells[1]}`]: 'monocyte' });
    expect(res.statusCode).toBe(409);
    expect(reviewForm(res.body)[`cell.${cells[1]}`]).toBe('monocyte');
    expect((await pulled()).length).toBe(before);
  });
});

describe.each(ENGINES)('a class this hub does not know (%s)', (engine) => {
  let hub: TestHub;
  afterAll(async () => hub?.close());

  it('is shown but not offered, so signing cannot turn it into the first choice', async () => {
    hub = await testHub(engine);
    const img = image();
    await putImage(hub, img);
    const sample = report({ images: [img.sha256] });
    const [odd, plain] = sample.fields[0].cells;
    odd.type = 'promyelocyte';
    await hub.app.inject({ method: 'PUT', url: `/api/v1/samples/${sample.sample.id}/revisions/3`, headers: bearer(hub.tokens.c1), payload: { images: [img.sha256], payload: sample } });
    const who = await reviewerHeaders(hub);
    const page = (await hub.app.inject({ method: 'GET', url: `/review/samples/${sample.sample.id}`, headers: who })).body;
    expect(page).toMatch(new RegExp(`<select name="cell\\.${odd.id}" disabled`));
    const form = reviewForm(page);
    expect(form[`cell.${odd.id}`]).toBeUndefined();
    const res = await hub.app.inject({
      method: 'POST',
      url: `/review/samples/${sample.sample.id}/reviews`,
      headers: { ...who, origin: 'http://localhost:80', host: 'localhost:80', 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ ...form, password: hub.reviewer.password, [`cell.${odd.id}`]: 'neutrophil', [`cell.${plain.id}`]: 'monocyte' }).toString(),
    });
    expect(res.statusCode).toBe(303);
    const pulled = (await hub.app.inject({ method: 'GET', url: '/api/v1/reviews?after=0', headers: bearer(hub.tokens.c1) })).json();
    expect(pulled.reviews[0].changes).toEqual([{ cellId: plain.id, from: 'neutrophil', to: 'monocyte' }]);
  });
});
