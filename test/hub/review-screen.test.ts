/** Issue 25 item 2: the reviewer's gallery of cell crops grouped by type, the crop route, the worklist's status, without a browser. */
import { randomUUID } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { provisionReviewer } from '../../src/hub/repo/reviewers.ts';
import { CROP_PX } from '../../src/hub/web/crops.ts';
import { bearer, ENGINES, reviewerHeaders, reviewForm, testHub, type TestHub } from './helpers.ts';
import { syncBigSample, type BigSample } from './review-screen-fixtures.ts';

describe.each(ENGINES)('reviewer gallery (%s)', (engine) => {
  let hub: TestHub;
  let big: BigSample;
  beforeAll(async () => {
    hub = await testHub(engine);
    big = await syncBigSample(hub);
    session = await reviewerHeaders(hub);
  });
  afterAll(async () => hub?.close());

  let session: { cookie: string };
  const ada = () => session;
  const get = (url: string, headers: Record<string, string> = ada()) => hub.app.inject({ method: 'GET', url, headers });
  const samplePage = async () => (await get(`/review/samples/${big.sampleId}`)).body;
  const post = (form: Record<string, string>) =>
    hub.app.inject({
      method: 'POST',
      url: `/review/samples/${big.sampleId}/reviews`,
      headers: { ...ada(), origin: 'http://localhost:80', host: 'localhost:80', 'content-type': 'application/x-www-form-urlencoded' },
      payload: new URLSearchParams({ password: hub.reviewer.password, ...form }).toString(),
    });
  /** The section of the gallery for one type, or '' when the page has none. */
  const group = (body: string, type: string) => new RegExp(`<section class="group" data-group="${type}">[\\s\\S]*?</section>`).exec(body)?.[0] ?? '';

  it('serves a cell crop as a JPEG with the cell at least 150 px, to a signed-in reviewer of the clinic only', async () => {
    const url = `/review/cells/${big.sampleId}/${big.cellIds[7]}?revision=3`;
    expect((await hub.app.inject({ method: 'GET', url })).statusCode).toBe(401);
    const res = await get(url);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('image/jpeg');
    expect(res.headers['cache-control']).toBe('private, max-age=31536000, immutable');
    const meta = await sharp(res.rawPayload).metadata();
    expect(meta.format).toBe('jpeg');
    // The cell's own size in it is measured in test/hub/crops.test.ts.
    expect([meta.width, meta.height]).toEqual([CROP_PX, CROP_PX]);
    // Without a revision: the current one's, not cached for ever.
    const current = await get(`/review/cells/${big.sampleId}/${big.cellIds[7]}`);
    expect(current.statusCode).toBe(200);
    expect(current.headers['cache-control']).toBe('private, no-cache');
    expect(current.rawPayload.equals(res.rawPayload)).toBe(true);

    const { password } = await provisionReviewer(hub.db.db, { login: 'cleo', name: 'Dr Cleo', clinicId: 'c2' }, new Date().toISOString());
    expect((await get(url, await reviewerHeaders(hub, 'cleo', password))).statusCode).toBe(404);
    expect((await get(`/review/cells/${big.sampleId}/${randomUUID()}`)).statusCode).toBe(404);
    expect((await get(`/review/cells/${randomUUID()}/${big.cellIds[0]}`)).statusCode).toBe(404);
    expect((await get(`/review/cells/${big.sampleId}/${big.cellIds[0]}?revision=9`)).statusCode).toBe(404);
    expect((await get(`/review/cells/${big.sampleId}/not-a-cell`)).statusCode).toBe(400);
  });

  it('keeps a 100-cell page to a few screens: crops only, each field photo on demand, no inline script', async () => {
    const res = await get(`/review/samples/${big.sampleId}`);
    const body = res.body;
    expect(body.length).toBeLessThan(160_000);
    const outsideDetails = body.replace(/<details[\s\S]*?<\/details>/g, '');
    expect(outsideDetails).not.toContain('/review/images/');
    expect([...outsideDetails.matchAll(/<img /g)]).toHaveLength(100);
    expect([...body.matchAll(/<details class="photo">/g)]).toHaveLength(4);
    expect(body).not.toMatch(/<details[^>]* open/);
    expect([...body.matchAll(/<script\b[^>]*>/g)].map((m) => m[0])).toEqual(['<script src="/review/assets/review-keys.js" defer>']);
    expect(String(res.headers['content-security-policy'])).toMatch(/script-src 'self';/);
    const js = await get('/review/assets/review-keys.js');
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/^text\/javascript/);
    expect((await hub.app.inject({ method: 'GET', url: '/review/assets/review-keys.js' })).statusCode).toBe(401);
    expect((await get('/review/assets/review-keys.js', { ...ada(), 'if-none-match': String(js.headers.etag) })).statusCode).toBe(304);
  });

  it('groups the tiles by the type after the reviews, shows the ensemble and the flag, and a no-JS form posts a change', async () => {
    let body = await samplePage();
    expect([...group(body, 'neutrophil').matchAll(/class="tile[ "]/g)]).toHaveLength(60);
    expect([...group(body, 'band').matchAll(/class="tile[ "]/g)]).toHaveLength(1);
    expect(group(body, 'eosinophil')).not.toContain(big.cellIds[0]);
    expect(body).toContain(`data-cell="${big.cellIds[0]}" data-n="1" data-from="neutrophil"`);
    expect(body).toMatch(/<span class="auto"[^>]*>Neutrophils 0\.55<\/span>/);
    expect(body).toContain('<span class="flag"');
    // Posted as a browser without script posts it: every field as shown, one type changed.
    const form = reviewForm(body);
    expect(Object.keys(form).filter((k) => k.startsWith('cell.'))).toHaveLength(100);
    form[`cell.${big.cellIds[0]}`] = 'eosinophil';
    const res = await post(form);
    expect(res.statusCode).toBe(303);
    const pulled = (await hub.app.inject({ method: 'GET', url: '/api/v1/reviews?after=0', headers: bearer(hub.tokens.c1) })).json();
    expect(pulled.reviews.at(-1).changes).toEqual([{ cellId: big.cellIds[0], from: 'neutrophil', to: 'eosinophil' }]);
    // Now cell 1 is an eosinophil: in that group, unchanged (the review is signed).
    body = await samplePage();
    expect(group(body, 'eosinophil')).toContain(`data-cell="${big.cellIds[0]}" data-n="1" data-from="eosinophil"`);
    expect([...group(body, 'neutrophil').matchAll(/class="tile[ "]/g)]).toHaveLength(59);
    expect(body).not.toMatch(/class="tile[^"]* changed/);
  });

  it('says on the worklist whether a sample is not reviewed, reviewed and by whom, or reviewed on an earlier revision', async () => {
    const other = await syncBigSample(hub, ['lymphocyte', 'monocyte']);
    let list = (await get('/review?status=all')).body;
    const status = (id: string) => new RegExp(`href="/review/samples/${id}"[\\s\\S]*?<td data-status="[^"]+">([^<]*)</td>`).exec(list)?.[1];
    expect(list).toContain('<th>Status</th>');
    expect(status(other.sampleId)).toBe('not reviewed');
    expect(status(big.sampleId)).toBe('reviewed by Dr Ada');
    // The box signs revision 4 after the review of revision 3.
    const newer = { ...big.payload, sample: { ...big.payload.sample, revision: 4 } };
    const put = await hub.app.inject({
      method: 'PUT',
      url: `/api/v1/samples/${big.sampleId}/revisions/4`,
      headers: bearer(hub.tokens.c1),
      payload: { images: big.payload.fields.map((f) => f.image.sha256), payload: newer },
    });
    expect(put.json().status).toBe('created');
    list = (await get('/review?status=all')).body;
    expect(status(big.sampleId)).toBe('of an earlier revision (3, by Dr Ada)');
  });
});
