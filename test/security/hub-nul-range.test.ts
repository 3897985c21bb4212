/** Issue 21, finding 8: NUL characters and out-of-range numbers are a 400 at the hub (PostgreSQL gave 500), never stored. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, countRows, ENGINES, reviewerHeaders, signInAt, testHub, type TestHub, putImage } from '../hub/helpers.ts';
import { image, report } from '../hub/fixtures.ts';

describe.each(ENGINES)('hub: NUL and range checks (%s)', (engine) => {
  let hub: TestHub;
  let sample: ReturnType<typeof report>;
  beforeAll(async () => {
    hub = await testHub(engine);
    const img = image();
    await putImage(hub, img);
    sample = report({ images: [img.sha256] });
    expect(
      (await hub.app.inject({ method: 'PUT', url: `/api/v1/samples/${sample.sample.id}/revisions/3`, headers: bearer(hub.tokens.c1), payload: { images: [img.sha256], payload: sample } })).statusCode,
    ).toBe(200);
  });
  afterAll(async () => hub?.close());

  const expect400 = (res: { statusCode: number; json(): unknown }, error = 'nul_character') => {
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error, message: expect.stringMatching(/./) });
  };

  it('refuses a NUL in a sample reference, a patient id or any key of a report', async () => {
    for (const mutate of [
      (r: ReturnType<typeof report>) => (r.sample.reference = 'S-\u00001'),
      (r: ReturnType<typeof report>) => (r.sample.patientId = 'P\u0000'),
      (r: ReturnType<typeof report>) => Object.assign(r, { ['odd\u0000key']: 1 }),
    ]) {
      const r = report();
      mutate(r);
      const res = await hub.app.inject({ method: 'PUT', url: `/api/v1/samples/${r.sample.id}/revisions/3`, headers: bearer(hub.tokens.c1), payload: { images: [], payload: r } });
      expect400(res);
      expect(res.json().message).toMatch(/NUL/);
    }
    expect(await countRows(hub.db, 'revisions')).toBe(1);
  });

  it('refuses a NUL in a review comment and in a reviewer login', async () => {
    const res = await hub.app.inject({
      method: 'POST',
      url: `/review/samples/${sample.sample.id}/reviews`,
      headers: { ...(await reviewerHeaders(hub)), origin: 'http://localhost', host: 'localhost', 'content-type': 'application/x-www-form-urlencoded' },
      payload: `revision=3&reviewsSeen=0&password=${encodeURIComponent(hub.reviewer.password)}&comment=${encodeURIComponent('ok\u0000')}`,
    });
    expect400(res);
    expect(await countRows(hub.db, 'reviews')).toBe(0);
    const login = await signInAt(hub.app, 'ad\u0000a', hub.reviewer.password);
    expect400(login);
    expect(login.cookies).toEqual([]);
  });

  it('refuses numbers beyond the database integer range', async () => {
    expect400(await hub.app.inject({ method: 'GET', url: `/api/v1/reviews?after=${2 ** 31}`, headers: bearer(hub.tokens.c1) }), 'invalid_request');
    expect400(await hub.app.inject({ method: 'GET', url: '/api/v1/reviews?after=1e300', headers: bearer(hub.tokens.c1) }), 'invalid_request');
    // Found by the fuzzer: 1e309 is Infinity, which got past minimum and maximum.
    for (const q of ['after=1e309', 'limit=1e309', 'limit=-1e309']) {
      expect400(await hub.app.inject({ method: 'GET', url: `/api/v1/reviews?${q}`, headers: bearer(hub.tokens.c1) }), 'invalid_request');
    }
    expect400(await hub.app.inject({ method: 'GET', url: '/review?page=1e309', headers: await reviewerHeaders(hub) }), 'invalid_request');
    const inf = report();
    expect400(
      await hub.app.inject({
        method: 'PUT',
        url: `/api/v1/samples/${inf.sample.id}/revisions/3`,
        headers: { ...bearer(hub.tokens.c1), 'content-type': 'application/json' },
        payload: JSON.stringify({ images: [], payload: inf }).replace('"counted":2', '"counted":1e400'),
      }),
      'invalid_request',
    );
    const big = report();
    (big.differential as { counted: number }).counted = 2 ** 40;
    expect400(await hub.app.inject({ method: 'PUT', url: `/api/v1/samples/${big.sample.id}/revisions/3`, headers: bearer(hub.tokens.c1), payload: { images: [], payload: big } }), 'invalid_request');
    const img = image(100);
    expect400(
      await hub.app.inject({
        method: 'PUT',
        url: `/api/v1/images/${img.sha256}?start=${2 ** 33}&total=${2 ** 34}&encoding=identity`,
        headers: { ...bearer(hub.tokens.c1), 'content-type': 'application/octet-stream' },
        payload: img.bytes,
      }),
      'invalid_request',
    );
  });
});
