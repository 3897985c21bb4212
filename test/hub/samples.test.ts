import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, countRows, ENGINES, testHub, type TestHub, putImage } from './helpers.ts';
import { image, report } from './fixtures.ts';

describe.each(ENGINES)('hub sample revisions (%s)', (engine) => {
  let hub: TestHub;
  beforeAll(async () => {
    hub = await testHub(engine);
  });
  afterAll(async () => hub?.close());

  const upsert = (token: string, payload: ReturnType<typeof report>, images = payload.fields.map((f) => f.image.sha256)) =>
    hub.app.inject({ method: 'PUT', url: `/api/v1/samples/${payload.sample.id}/revisions/${payload.sample.revision}`, headers: bearer(token), payload: { images, payload } });
  const stored = async (sampleId: string) => {
    const { getSample } = await import('../../src/hub/repo/samples.ts');
    return getSample(hub.db.db, sampleId, null);
  };

  it('accepts a revision only once its images are at the hub', async () => {
    const img = image();
    const r = report({ images: [img.sha256] });
    const early = await upsert(hub.tokens.c1, r);
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({ error: 'images_missing', missing: [img.sha256] });
    expect((await putImage(hub, img, hub.tokens.c1)).statusCode).toBe(200);
    const ok = await upsert(hub.tokens.c1, r);
    expect(ok.statusCode).toBe(200);
    expect(ok.json()).toEqual({ status: 'created', latestRevision: 3 });
    expect((await stored(r.sample.id))!.payload).toEqual(r);
  });

  it('is idempotent on sample id and revision, and never lets an older revision replace a newer one', async () => {
    const img = image();
    await putImage(hub, img, hub.tokens.c1);
    const id = randomUUID();
    const r5 = report({ sampleId: id, revision: 5, images: [img.sha256] });
    const r3 = report({ sampleId: id, revision: 3, images: [img.sha256] });
    const before = await countRows(hub.db, 'revisions');
    expect((await upsert(hub.tokens.c1, r5)).json()).toEqual({ status: 'created', latestRevision: 5 });
    expect((await upsert(hub.tokens.c1, r5)).json()).toEqual({ status: 'duplicate', latestRevision: 5 });
    expect((await upsert(hub.tokens.c1, r3)).json()).toEqual({ status: 'superseded', latestRevision: 5 });
    expect((await upsert(hub.tokens.c1, r3)).json()).toEqual({ status: 'duplicate', latestRevision: 5 });
    expect((await stored(id))!.revision).toBe(5);
    expect((await stored(id))!.payload).toEqual(r5);
    expect(await countRows(hub.db, 'revisions')).toBe(before + 2);
  });

  it('stores one row when the same revision arrives many times at once', async () => {
    const img = image();
    await putImage(hub, img, hub.tokens.c1);
    const r = report({ images: [img.sha256] });
    const before = await countRows(hub.db, 'revisions');
    const answers = await Promise.all(Array.from({ length: 12 }, () => upsert(hub.tokens.c1, r)));
    expect(answers.map((a) => a.statusCode)).toEqual(Array(12).fill(200));
    expect(answers.filter((a) => a.json().status === 'created')).toHaveLength(1);
    expect(await countRows(hub.db, 'revisions')).toBe(before + 1);
  });

  it('refuses a different payload under a revision it already holds', async () => {
    const r = report({ images: [] });
    expect((await upsert(hub.tokens.c1, r)).statusCode).toBe(200);
    const changed = { ...r, differential: { ...r.differential, counted: 99 } };
    const res = await upsert(hub.tokens.c1, changed);
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toBe('payload_conflict');
  });

  it('keeps a sample to the clinic that sent it', async () => {
    const r = report({ images: [] });
    expect((await upsert(hub.tokens.c1, r)).statusCode).toBe(200);
    const other = await upsert(hub.tokens.c2, { ...r, sample: { ...r.sample, revision: 9 } });
    expect(other.statusCode).toBe(409);
    expect(other.json().error).toBe('not_your_sample');
    expect((await stored(r.sample.id))!.revision).toBe(3);
    // Images of clinic c1 do not count for c2.
    const img = image();
    await putImage(hub, img, hub.tokens.c1);
    const r2 = report({ images: [img.sha256] });
    expect((await upsert(hub.tokens.c2, r2)).json().error).toBe('images_missing');
  });

  it('validates the body', async () => {
    const r = report({ images: [] });
    const wrongAddress = await hub.app.inject({ method: 'PUT', url: `/api/v1/samples/${randomUUID()}/revisions/3`, headers: bearer(hub.tokens.c1), payload: { images: [], payload: r } });
    expect(wrongAddress.statusCode).toBe(422);
    const badHash = await hub.app.inject({ method: 'PUT', url: `/api/v1/samples/${r.sample.id}/revisions/3`, headers: bearer(hub.tokens.c1), payload: { images: ['../x'], payload: r } });
    expect(badHash.statusCode).toBe(400);
    const notReport = await hub.app.inject({ method: 'PUT', url: `/api/v1/samples/${r.sample.id}/revisions/3`, headers: bearer(hub.tokens.c1), payload: { images: [], payload: { kind: 'x' } } });
    expect(notReport.statusCode).toBe(400);
  });
});
