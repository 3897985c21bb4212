import type { FastifyInstance, InjectOptions } from 'fastify';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CALIBRATION_KEY } from '../../../src/box/workflow/calibration.ts';
import { Store } from '../../../src/box/store/store.ts';
import { testApp } from '../../helpers/app.ts';
import { asUser } from '../../helpers/session.ts';
import { analysed, createSample, createUsers, fieldJpeg, seeAllCells, SHORT_REASON, SUPERVISOR_PIN, upload } from '../../helpers/workflow.ts';

/** A field with quality warnings, from a kiosk that asks: the daemon remembers that Retake or Keep is unanswered. */
describe('the photo-quality question', () => {
  let app: FastifyInstance;
  let users: { supervisor: string; nurse: string };
  beforeAll(async () => {
    app = await testApp();
    users = await createUsers(app);
  });
  afterAll(() => app.close());

  /** A grey photo: the fixture models find their two cells, the quality check warns it has no colour. */
  const greyField = () =>
    sharp({ create: { width: 640, height: 480, channels: 3, background: { r: 140, g: 140, b: 140 } } })
      .png()
      .toBuffer();
  /** What the kiosk sends: it asks its nurse Retake or Keep. */
  const ASK = { askQuality: 'true' };
  const sample = async (id: string) => (await app.inject({ url: `/api/samples/${id}` })).json();
  const sign = (id: string) => app.inject({ method: 'POST', url: `/api/samples/${id}/sign`, payload: { auth: { userId: users.supervisor, pin: SUPERVISOR_PIN }, shortReason: SHORT_REASON } });

  it('leaves a warned field out of the count until it is kept, and refuses sign-off meanwhile', async () => {
    const id = await createSample(app, undefined, users.nurse);
    // Uploaded by an API client that asks nobody: it counts at once, warnings or not.
    expect((await upload(app, id, await fieldJpeg(3), {}, users.nurse)).statusCode).toBe(202);
    const grey = await upload(app, id, await greyField(), ASK, users.nurse);
    expect(grey.statusCode).toBe(202);
    const greyId = grey.json().id as string;
    let s = await analysed(app, id);
    const [unasked, warned] = s.fields;
    expect(unasked.quality.warnings.length).toBeGreaterThan(0);
    expect(unasked.awaitingDecision).toBe(false);
    expect(warned.quality.warnings.length).toBeGreaterThan(0);
    expect(warned).toMatchObject({ id: greyId, awaitingDecision: true });
    expect(warned.cells).toHaveLength(2);
    // Only the first field's two cells count, in the detail and in the list.
    expect(s.differential.counted).toBe(2);
    expect(s.counted).toBe(2);
    expect(((await app.inject({ url: '/api/samples' })).json() as { items: { id: string; counted: number }[] }).items.find((x) => x.id === id)?.counted).toBe(2);
    expect((await app.inject({ url: `/api/fields/${greyId}` })).json().awaitingDecision).toBe(true);

    await seeAllCells((o) => app.inject(o as InjectOptions), id);
    let res = await sign(id);
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({ error: 'quality_pending', message: expect.stringContaining('keep or retake it on the capture screen') });

    res = await app.inject({ method: 'POST', url: `/api/fields/${greyId}/keep`, headers: asUser(app, users.nurse) });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: greyId, awaitingDecision: false });
    // Kept twice is kept once.
    expect((await app.inject({ method: 'POST', url: `/api/fields/${greyId}/keep` })).statusCode).toBe(200);
    s = await sample(id);
    expect(s.fields[1].awaitingDecision).toBe(false);
    expect(s.differential.counted).toBe(4);
    expect(s.counted).toBe(4);
    const audit = (await app.inject({ url: `/api/samples/${id}/audit` })).json() as { action: string; userId: string | null }[];
    expect(audit.filter((e) => e.action === 'field.kept')).toEqual([expect.objectContaining({ userId: users.nurse })]);
    await seeAllCells((o) => app.inject(o as InjectOptions), id);
    expect((await sign(id)).statusCode).toBe(200);
  });

  it('answers the question by removing the field too', async () => {
    const id = await createSample(app, undefined, users.nurse);
    const greyId = (await upload(app, id, await greyField(), ASK, users.nurse)).json().id as string;
    expect((await analysed(app, id)).fields[0].awaitingDecision).toBe(true);
    await analysed(app, id);
    expect((await app.inject({ method: 'DELETE', url: `/api/fields/${greyId}` })).statusCode).toBe(204);
    const s = await sample(id);
    expect(s.fields).toEqual([]);
    expect((await app.inject({ method: 'POST', url: `/api/fields/${greyId}/keep` })).statusCode).toBe(404);
  });

  it("keeps a scale warning's reason on the field, so that the kiosk can name the fix in the nurse's language", async () => {
    // A box calibrated at 0.75 um per pixel (a phone on a low-power objective): a plain field has no red cells, so it takes that scale.
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'leukodiff-test-'));
    const store = Store.open(dataDir);
    const at = new Date().toISOString();
    store.settings.set(CALIBRATION_KEY, { umPerPixel: 0.75, fields: 3, spread: 0, sampleId: null, sampleReference: 'LOW-1', at, by: null }, null, at);
    store.close();
    const low = await testApp({ dataDir });
    try {
      const staff = await createUsers(low);
      const id = await createSample(low, undefined, staff.nurse);
      await upload(low, id, await fieldJpeg(5), ASK, staff.nurse);
      const [field] = (await analysed(low, id)).fields;
      const scaleWarning = { code: 'scale_out_of_range', reason: 'too_low', message: expect.stringMatching(/^magnification too low for typing/) };
      expect(field.analysis.scale).toMatchObject({ umPerPixel: 0.75, source: 'calibrated' });
      expect(field.quality.warnings).toContainEqual(scaleWarning);
      expect((await low.inject({ url: `/api/fields/${field.id}` })).json().quality.warnings).toContainEqual(scaleWarning);
    } finally {
      await low.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
