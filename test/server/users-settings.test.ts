import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADULT_RANGES } from '../../src/workflow/settings.ts';
import { testApp } from '../helpers/app.ts';
import { analysed, createSample, fieldJpeg, SUPERVISOR_PIN, upload } from '../helpers/workflow.ts';

describe('users and settings', () => {
  let app: FastifyInstance;
  let sup: string;
  beforeAll(async () => {
    app = await testApp({ targetCount: 150 });
  });
  afterAll(() => app.close());
  const auth = () => ({ userId: sup, pin: SUPERVISOR_PIN });

  it('starts a new box with a supervisor, then needs a supervisor PIN to add users', async () => {
    let res = await app.inject({ method: 'POST', url: '/api/users', payload: { name: 'Nurse First', role: 'nurse', pin: '1234' } });
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toBe('first_user_supervisor');
    res = await app.inject({ method: 'POST', url: '/api/users', payload: { name: 'Dr Okafor', role: 'supervisor', pin: SUPERVISOR_PIN } });
    expect(res.statusCode).toBe(201);
    sup = res.json().id;
    expect(res.json()).toEqual({ id: sup, name: 'Dr Okafor', role: 'supervisor', active: true, createdAt: expect.any(String), updatedAt: expect.any(String) });
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
    res = await app.inject({ method: 'PATCH', url: `/api/users/${nurse}`, payload: { active: false, auth: auth() } });
    expect(res.json()).toMatchObject({ active: false });
    // An inactive user can neither act nor be named as the actor.
    expect((await app.inject({ method: 'POST', url: '/api/samples', payload: { reference: 'X' }, headers: { 'x-leukodiff-user': nurse } })).json().error).toBe('unknown_user');
  });

  it('reads settings with defaults from the config and adult reference ranges', async () => {
    const s = (await app.inject({ url: '/api/settings' })).json();
    expect(s).toEqual({ targetCount: 150, referenceRanges: ADULT_RANGES });
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
    expect(res.json()).toEqual({ targetCount: 50, referenceRanges: ranges });
    const [entry] = (await app.inject({ url: '/api/audit?limit=1' })).json();
    expect(entry).toMatchObject({ action: 'settings.changed', userId: sup, sampleId: null, detail: { targetCount: 50, referenceRanges: ranges } });

    const id = await createSample(app, { reference: 'SET-1' });
    await upload(app, id, await fieldJpeg(60));
    const s = await analysed(app, id);
    expect(s.differential.target).toBe(50);
    expect(s.differential.rows.find((r: { type: string }) => r.type === 'monocyte')).toMatchObject({ percent: 50, flag: 'high', range: { percent: { low: 0, high: 1 } } });
  });
});
