import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { median } from '../../../src/core/util/median.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADULT_RANGES } from '../../../src/box/workflow/settings.ts';
import { testApp } from '../../helpers/app.ts';
import { signIn } from '../../helpers/session.ts';
import { analysed, createSample, fieldJpeg, SUPERVISOR_PIN, upload } from '../../helpers/workflow.ts';

/** A 400x300 field of separate red cells of diameter d on a bright background, as PNG. */
function redCells(d: number, w = 400, h = 300): Promise<Buffer> {
  const rgb = Buffer.alloc(w * h * 3, 225);
  const r = d / 2;
  for (let cy = 2 * r; cy + 2 * r < h; cy += 3 * r) {
    for (let cx = 2 * r; cx + 2 * r < w; cx += 3 * r) {
      for (let y = Math.floor(cy - r); y <= cy + r; y++) {
        for (let x = Math.floor(cx - r); x <= cx + r; x++) if (Math.hypot(x + 0.5 - cx, y + 0.5 - cy) <= r) rgb.set([200, 120, 140], (y * w + x) * 3);
      }
    }
  }
  return sharp(rgb, { raw: { width: w, height: h, channels: 3 } })
    .png()
    .toBuffer();
}

describe('users and settings', () => {
  let app: FastifyInstance;
  let sup: string;
  beforeAll(async () => {
    app = await testApp({ targetCount: 150 });
  });
  afterAll(() => app.close());
  const auth = () => ({ userId: sup, pin: SUPERVISOR_PIN });

  it("starts a new box with the setup's supervisor, then needs a session and a supervisor PIN to add users", async () => {
    let res = await app.inject({ method: 'POST', url: '/api/users', payload: { name: 'Nurse First', role: 'nurse', pin: '1234' } });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toBe('setup_required');
    res = await app.inject({ method: 'POST', url: '/api/setup', payload: { language: 'en', supervisor: { name: 'Dr Okafor', pin: SUPERVISOR_PIN } } });
    expect(res.statusCode).toBe(201);
    sup = res.json().supervisor.id;
    expect(res.json().supervisor).toEqual({ id: sup, name: 'Dr Okafor', role: 'supervisor', active: true, createdAt: expect.any(String), updatedAt: expect.any(String) });
    res = await app.inject({ method: 'POST', url: '/api/users', payload: { name: 'Nurse Amina', role: 'nurse', pin: '1357', auth: auth() } });
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toBe('sign_in_required');
    await signIn(app, sup, SUPERVISOR_PIN);
    res = await app.inject({ method: 'POST', url: '/api/users', payload: { name: 'Nurse Amina', role: 'nurse', pin: '1357' } });
    expect(res.statusCode).toBe(403);
    expect(res.json().error).toBe('supervisor_required');
    res = await app.inject({ method: 'POST', url: '/api/users', payload: { name: 'Nurse Amina', role: 'nurse', pin: '1357', auth: auth() } });
    expect(res.statusCode).toBe(201);
    res = await app.inject({ method: 'POST', url: '/api/users', payload: { name: 'nurse amina', role: 'nurse', pin: '1357', auth: auth() } });
    expect(res.json().error).toBe('name_taken');
    const list = (await app.inject({ url: '/api/users' })).json();
    expect(list.map((u: { name: string }) => u.name)).toEqual(['Dr Okafor', 'Nurse Amina']);
    // No PIN hash leaves the box.
    expect(JSON.stringify(list)).not.toMatch(/scrypt|pin/i);
  });

  it('changes users with a supervisor PIN, never leaving the box without a supervisor', async () => {
    const nurse = (await app.inject({ url: '/api/users' })).json().find((u: { role: string }) => u.role === 'nurse').id;
    let res = await app.inject({ method: 'PATCH', url: `/api/users/${nurse}`, payload: { pin: '2468', auth: auth() } });
    expect(res.statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: `/api/users/${nurse}/verify-pin`, payload: { pin: '2468' } })).statusCode).toBe(200);
    res = await app.inject({ method: 'PATCH', url: `/api/users/${sup}`, payload: { role: 'nurse', auth: auth() } });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toBe('last_supervisor');
    res = await app.inject({ method: 'PATCH', url: `/api/users/${nurse}`, payload: { active: false, auth: { userId: nurse, pin: '2468' } } });
    expect(res.json().error).toBe('supervisor_required');
    const nurseCookie = await signIn(app, nurse, '2468', { asDefault: false });
    res = await app.inject({ method: 'PATCH', url: `/api/users/${nurse}`, payload: { active: false, auth: auth() } });
    expect(res.json()).toMatchObject({ active: false });
    // An inactive user can neither act nor sign in.
    expect((await app.inject({ method: 'POST', url: '/api/samples', payload: { reference: 'X' }, headers: { cookie: nurseCookie } })).json().error).toBe('sign_in_required');
    expect((await app.inject({ method: 'POST', url: '/api/session', payload: { userId: nurse, pin: '2468' }, headers: { cookie: '' } })).json().error).toBe('wrong_pin');
  });

  it('reads settings with defaults from the config and adult reference ranges', async () => {
    const s = (await app.inject({ url: '/api/settings' })).json();
    expect(s).toEqual({ targetCount: 150, referenceRanges: ADULT_RANGES, maxFieldOverlap: 0.3, idleLockMinutes: 10, language: 'en', microscopeCalibration: null });
  });

  it('changes settings only with a supervisor PIN, checks the ranges, audits, and applies them to the differential', async () => {
    const ranges = structuredClone(ADULT_RANGES);
    ranges.monocyte.percent = { low: 0, high: 1 };
    let res = await app.inject({ method: 'PATCH', url: '/api/settings', payload: { targetCount: 50 } });
    expect(res.statusCode).toBe(400);
    res = await app.inject({ method: 'PATCH', url: '/api/settings', payload: { targetCount: 50, auth: { userId: sup, pin: '0000' } } });
    expect(res.statusCode).toBe(403);
    const inverted = structuredClone(ADULT_RANGES);
    inverted.neutrophil.percent = { low: 80, high: 40 };
    res = await app.inject({ method: 'PATCH', url: '/api/settings', payload: { referenceRanges: inverted, auth: auth() } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'bad_range', message: 'neutrophil percent range: low (80) is above high (40)' });
    res = await app.inject({ method: 'PATCH', url: '/api/settings', payload: { targetCount: 50, referenceRanges: ranges, auth: auth() } });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ targetCount: 50, referenceRanges: ranges, maxFieldOverlap: 0.3, idleLockMinutes: 10, language: 'en', microscopeCalibration: null });
    const [entry] = (await app.inject({ url: '/api/audit?limit=1' })).json();
    expect(entry).toMatchObject({ action: 'settings.changed', userId: sup, sampleId: null, detail: { targetCount: 50, referenceRanges: ranges } });

    const id = await createSample(app, { reference: 'SET-1' });
    await upload(app, id, await fieldJpeg(60));
    const s = await analysed(app, id);
    expect(s.differential.target).toBe(50);
    expect(s.differential.rows.find((r: { type: string }) => r.type === 'monocyte')).toMatchObject({ percent: 50, flag: 'high', range: { percent: { low: 0, high: 1 } } });
  });

  it("calibrates the microscope from a sample's measured fields, and analyses an unmeasurable field at that scale", async () => {
    const normal = await createSample(app, { reference: 'CAL-1' });
    for (const d of [40, 42, 44]) await upload(app, normal, await redCells(d));
    const fields = (await analysed(app, normal)).fields as { analysis: { scale: { umPerPixel: number; source: string } } }[];
    const scales = fields.map((f) => f.analysis.scale);
    expect(scales.every((s) => s.source === 'measured')).toBe(true);
    const sorted = scales.map((s) => s.umPerPixel).sort((a, b) => a - b);

    let res = await app.inject({ method: 'POST', url: '/api/settings/calibration', payload: { sampleId: normal, auth: { userId: sup, pin: '0000' } } });
    expect(res.statusCode).toBe(403);
    res = await app.inject({ method: 'POST', url: '/api/settings/calibration', payload: { sampleId: normal, auth: auth() } });
    expect(res.statusCode).toBe(200);
    expect(res.json().microscopeCalibration).toMatchObject({ umPerPixel: sorted[1], fields: 3, sampleReference: 'CAL-1', by: sup });
    const [entry] = (await app.inject({ url: '/api/audit?limit=1' })).json();
    expect(entry).toMatchObject({ action: 'settings.calibrated', userId: sup, target: `sample:${normal}` });

    // A plain field has no red cells to measure: it is analysed at the calibrated scale.
    const plain = await createSample(app, { reference: 'CAL-2' });
    await upload(app, plain, await fieldJpeg(61));
    const [field] = (await analysed(app, plain)).fields;
    expect(field.analysis.scale).toMatchObject({ umPerPixel: sorted[1], source: 'calibrated' });
    res = await app.inject({ method: 'POST', url: '/api/settings/calibration', payload: { sampleId: plain, auth: auth() } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'too_few_fields', message: expect.stringMatching(/photograph more fields/) });

    // Another objective: red cells twice as wide. The calibration is believed over those fields, yet
    // their own measurements recalibrate the box.
    const other = await createSample(app, { reference: 'CAL-3' });
    for (const d of [80, 84, 88, 92]) await upload(app, other, await redCells(d, 800, 600));
    type Scale = { umPerPixel: number; source: string; measuredUmPerPixel?: number };
    const otherScales = ((await analysed(app, other)).fields as { analysis: { scale: Scale } }[]).map((f) => f.analysis.scale);
    const own = otherScales.flatMap((s) => (s.measuredUmPerPixel === undefined ? [] : [s.measuredUmPerPixel]));
    expect(own.length).toBeGreaterThanOrEqual(3);
    for (const s of otherScales) expect(s).toMatchObject({ umPerPixel: sorted[1], source: 'calibrated' });
    for (const um of own) expect(um).toBeLessThan(sorted[0] / 1.5);
    res = await app.inject({ method: 'POST', url: '/api/settings/calibration', payload: { sampleId: other, auth: auth() } });
    expect(res.statusCode).toBe(200);
    expect(res.json().microscopeCalibration).toMatchObject({ umPerPixel: median(own), fields: own.length });

    // A field measured twice off (a thick area) among four that agree is left out, not a refusal.
    const thick = await createSample(app, { reference: 'CAL-4' });
    for (const d of [40, 42, 44, 46]) await upload(app, thick, await redCells(d));
    await upload(app, thick, await redCells(88, 800, 600));
    await analysed(app, thick);
    res = await app.inject({ method: 'POST', url: '/api/settings/calibration', payload: { sampleId: thick, auth: auth() } });
    expect(res.statusCode).toBe(200);
    expect(res.json().microscopeCalibration).toMatchObject({ fields: 4, sampleReference: 'CAL-4' });
    // Two objectives in equal share: too few fields agree on one scale to calibrate.
    const mixed = await createSample(app, { reference: 'CAL-5' });
    for (const d of [40, 42]) await upload(app, mixed, await redCells(d));
    for (const d of [84, 88]) await upload(app, mixed, await redCells(d, 800, 600));
    await analysed(app, mixed);
    res = await app.inject({ method: 'POST', url: '/api/settings/calibration', payload: { sampleId: mixed, auth: auth() } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: 'too_few_fields', message: expect.stringMatching(/^2 of this sample's fields have a measured scale that agrees with the others \(3 measured\)/) });

    res = await app.inject({ method: 'DELETE', url: '/api/settings/calibration', payload: { auth: auth() } });
    expect(res.statusCode).toBe(200);
    expect(res.json().microscopeCalibration).toBeNull();
  });
});
