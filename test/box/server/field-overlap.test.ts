import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../../helpers/app.ts';
import { defaultSession, setDefaultSession } from '../../helpers/session.ts';
import { DEMO_IMAGES } from '../../helpers/paths.ts';
import { analysed, createSample, createUsers, SUPERVISOR_PIN, upload } from '../../helpers/workflow.ts';

/** Fields of 320x240 cut from a 640x480 demo photo: `left` px to the right of the first one. */
const PHOTO = path.join(DEMO_IMAGES, 'bccd-BloodImage_00001.jpg');
const W = 320;
const H = 240;
/** Left edges for 90 %, 50 % and 10 % overlap with the field at 0. */
const OVERLAP_90 = 32;
const OVERLAP_50 = 160;
const OVERLAP_10 = 288;

/** The field at `left`; `retaken`: 4 % brighter, another gamma, JPEG quality 60 (the same area shot again). */
async function field(left: number, retaken = false, top = 0): Promise<Buffer> {
  const { data, info } = await sharp(PHOTO).extract({ left, top, width: W, height: H }).raw().toBuffer({ resolveWithObject: true });
  if (retaken) for (let i = 0; i < data.length; i++) data[i] = Math.min(255, Math.round(255 * 1.04 * (data[i] / 255) ** 0.85));
  return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
    .jpeg({ quality: retaken ? 60 : 90 })
    .toBuffer();
}

const fieldCount = async (app: FastifyInstance, id: string) => (await app.inject({ url: `/api/samples/${id}` })).json().fieldCount as number;
const storedImages = (dataDir: string) => readdirSync(path.join(dataDir, 'images'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).length;

describe('a field overlapping an earlier one of the sample', () => {
  let app: FastifyInstance;
  let dataDir: string;
  let supervisor: string;
  const auth = () => ({ userId: supervisor, pin: SUPERVISOR_PIN });
  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'leukodiff-overlap-'));
    app = await testApp({ dataDir });
    ({ supervisor } = await createUsers(app));
  });
  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is refused (409 overlapping_field, nothing stored or queued); a field beside it is taken; the same bytes stay duplicate_field', async () => {
    const id = await createSample(app, { reference: 'OVL-1' });
    const first = await field(0);
    let res = await upload(app, id, first);
    expect(res.statusCode).toBe(202);
    const { revision } = await analysed(app, id);
    const images = storedImages(dataDir);

    res = await upload(app, id, await field(OVERLAP_90, true));
    expect(res.statusCode).toBe(409);
    expect(res.json()).toEqual({
      error: 'overlapping_field',
      message: expect.stringMatching(/^this photo overlaps field 1 by (\d+) % \(at most 30 % may overlap\): its cells would be counted twice; move the slide to an area not photographed yet/),
    });
    const percent = Number(/by (\d+) %/.exec(res.json().message)![1]);
    expect(Math.abs(percent - 90)).toBeLessThanOrEqual(8);
    expect(await fieldCount(app, id)).toBe(1);
    expect(storedImages(dataDir)).toBe(images);
    expect((await app.inject({ url: `/api/samples/${id}` })).json().revision).toBe(revision);

    // Only the sample's own fields count: another sample takes the same photo.
    const other = await createSample(app, { reference: 'OVL-OTHER' });
    expect((await upload(app, other, await field(OVERLAP_90, true))).statusCode).toBe(202);

    expect((await upload(app, id, await field(OVERLAP_10, true))).statusCode).toBe(202);
    res = await upload(app, id, first);
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toBe('duplicate_field');
    expect(await fieldCount(app, id)).toBe(2);
    await analysed(app, id);
  });

  it('no longer counts a field the nurse removed', async () => {
    const id = await createSample(app, { reference: 'OVL-2' });
    const firstId = (await upload(app, id, await field(0))).json().id;
    expect((await upload(app, id, await field(OVERLAP_90, true))).statusCode).toBe(409);
    expect((await app.inject({ method: 'DELETE', url: `/api/fields/${firstId}` })).statusCode).toBe(204);
    expect((await upload(app, id, await field(OVERLAP_90, true))).statusCode).toBe(202);
    await analysed(app, id);
  });

  it('takes only one of two overlapping photos sent at once', async () => {
    const id = await createSample(app, { reference: 'OVL-3' });
    const [a, b] = await Promise.all([upload(app, id, await field(0, false, 120)), upload(app, id, await field(OVERLAP_90, true, 120))]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([202, 409]);
    expect([a, b].find((r) => r.statusCode === 409)!.json().error).toBe('overlapping_field');
    expect(await fieldCount(app, id)).toBe(1);
    await analysed(app, id);
  });

  it('follows the maxFieldOverlap setting, changed with a supervisor PIN', async () => {
    expect((await app.inject({ url: '/api/settings' })).json().maxFieldOverlap).toBe(0.3);
    const id = await createSample(app, { reference: 'OVL-4' });
    expect((await upload(app, id, await field(0))).statusCode).toBe(202);
    expect((await upload(app, id, await field(OVERLAP_50, true))).json().error).toBe('overlapping_field');

    let res = await app.inject({ method: 'PATCH', url: '/api/settings', payload: { maxFieldOverlap: 0.99, auth: auth() } });
    expect(res.statusCode).toBe(400);
    res = await app.inject({ method: 'PATCH', url: '/api/settings', payload: { maxFieldOverlap: 0.6, auth: { userId: supervisor, pin: '0000' } } });
    expect(res.statusCode).toBe(403);
    res = await app.inject({ method: 'PATCH', url: '/api/settings', payload: { maxFieldOverlap: 0.6, auth: auth() } });
    expect(res.statusCode).toBe(200);
    expect(res.json().maxFieldOverlap).toBe(0.6);
    const [entry] = (await app.inject({ url: '/api/audit?limit=1' })).json();
    expect(entry).toMatchObject({ action: 'settings.changed', detail: { maxFieldOverlap: 0.6 } });

    expect((await upload(app, id, await field(OVERLAP_50, true))).statusCode).toBe(202);
    // Still refused beyond the new limit.
    const refused = await upload(app, id, await field(OVERLAP_90, true));
    expect(refused.json()).toMatchObject({ error: 'overlapping_field', message: expect.stringContaining('(at most 60 % may overlap)') });
    await analysed(app, id);
    res = await app.inject({ method: 'PATCH', url: '/api/settings', payload: { maxFieldOverlap: 0.3, auth: auth() } });
    expect(res.statusCode).toBe(200);
  });

  it('still compares with the fields stored before a restart', async () => {
    const id = await createSample(app, { reference: 'OVL-5' });
    expect((await upload(app, id, await field(0, false, 200))).statusCode).toBe(202);
    await analysed(app, id);
    const session = defaultSession(app);
    await app.close();
    app = await testApp({ dataDir });
    // The session is in the database: it outlives the restart, like the kiosk's cookie.
    setDefaultSession(app, session);
    const res = await upload(app, id, await field(OVERLAP_90, true, 200));
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toBe('overlapping_field');
  });
});
