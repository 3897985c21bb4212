import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../../helpers/app.ts';
import { bombPng } from '../../helpers/bad-images.ts';
import { analysed, createSample, createUsers, fieldJpeg, multipart, SUPERVISOR_PIN, upload } from '../../helpers/workflow.ts';

/** Every refusal is `{error, message}` with the right 4xx, and nothing is stored. */
describe('bad input to the workflow API', () => {
  let app: FastifyInstance;
  let users: { supervisor: string; nurse: string };
  let sampleId: string;
  let fieldId: string;
  let cellId: string;
  beforeAll(async () => {
    app = await testApp({ maxUploadBytes: 200_000, maxImagePixels: 1_000_000 });
    users = await createUsers(app);
    sampleId = await createSample(app, { reference: 'BAD-1' });
    fieldId = (await upload(app, sampleId, await fieldJpeg(1))).json().id;
    const s = await analysed(app, sampleId);
    cellId = s.fields[0].cells[0].id;
  });
  afterAll(() => app.close());

  const refused = (res: { statusCode: number; json(): unknown }, status: number, error: string | RegExp) => {
    expect(res.statusCode).toBe(status);
    const body = res.json() as { error: string; message: string };
    expect(Object.keys(body).sort()).toEqual(['error', 'message']);
    if (typeof error === 'string') expect(body.error).toBe(error);
    else expect(body.error).toMatch(error);
    expect(body.message.length).toBeGreaterThan(5);
    return body;
  };
  const revision = async () => (await app.inject({ url: `/api/samples/${sampleId}` })).json().revision;

  it('refuses malformed JSON', async () => {
    const before = await revision();
    const res = await app.inject({ method: 'PATCH', url: `/api/cells/${cellId}`, payload: '{"type": "neutrophil"', headers: { 'content-type': 'application/json' } });
    refused(res, 400, 'malformed_json');
    refused(await app.inject({ method: 'POST', url: '/api/samples', payload: '', headers: { 'content-type': 'application/json' } }), 400, 'malformed_json');
    expect(await revision()).toBe(before);
  });

  it('refuses wrong types and values out of range', async () => {
    const cases: [string, string, unknown][] = [
      ['POST', '/api/samples', { reference: { nested: true } }],
      ['POST', '/api/samples', { reference: '' }],
      ['POST', '/api/samples', { reference: '   ' }],
      ['POST', '/api/samples', { reference: 'x'.repeat(65) }],
      ['POST', '/api/samples', { reference: 'R', collectedAt: 'yesterday' }],
      ['POST', '/api/samples', { reference: 'R', wbcCount: -1 }],
      ['POST', '/api/samples', { reference: 'R', wbcCount: 'lots' }],
      ['POST', '/api/samples', { reference: 'R', id: 'not-a-uuid' }],
      ['POST', '/api/samples', []],
      ['PATCH', `/api/cells/${cellId}`, { type: 'platelet' }],
      ['PATCH', `/api/cells/${cellId}`, { type: 3 }],
      ['PATCH', `/api/samples/${sampleId}`, {}],
      ['POST', `/api/fields/${fieldId}/cells`, { box: [1, 2, 3], type: 'monocyte' }],
      ['POST', `/api/fields/${fieldId}/cells`, { box: [1, 2, 3, 'x'], type: 'monocyte' }],
      ['POST', `/api/fields/${fieldId}/cells`, { box: [-5, 2, 30, 40], type: 'monocyte' }],
      ['POST', `/api/samples/${sampleId}/sign`, { auth: { userId: users.supervisor, pin: 1234.5 } }],
      ['POST', `/api/samples/${sampleId}/sign`, { auth: { userId: users.supervisor, pin: '12' } }],
      ['POST', '/api/users', { name: 'X', role: 'admin', pin: '1234' }],
      ['PATCH', '/api/settings', { targetCount: 5, auth: { userId: users.supervisor, pin: SUPERVISOR_PIN } }],
    ];
    for (const [method, url, payload] of cases) {
      const res = await app.inject({ method: method as 'POST', url, payload: payload as object });
      expect(res.statusCode, `${method} ${url} ${JSON.stringify(payload)}: ${res.body}`).toBe(400);
      expect(res.json().error).toBe('invalid_request');
    }
    const list = await app.inject({ url: '/api/samples?limit=0' });
    refused(list, 400, 'invalid_request');
    refused(await app.inject({ url: '/api/samples?status=archived' }), 400, 'invalid_request');
  });

  it('refuses unknown fields instead of ignoring them', async () => {
    const before = await revision();
    const a = refused(await app.inject({ method: 'POST', url: '/api/samples', payload: { reference: 'R', colour: 'blue' } }), 400, 'invalid_request');
    expect(a.message).toMatch(/additional properties/);
    refused(await app.inject({ method: 'PATCH', url: `/api/cells/${cellId}`, payload: { type: 'monocyte', confidence: 1 } }), 400, 'invalid_request');
    refused(await app.inject({ method: 'PATCH', url: `/api/samples/${sampleId}`, payload: { status: 'signed' } }), 400, 'invalid_request');
    refused(await app.inject({ method: 'POST', url: `/api/samples/${sampleId}/sign`, payload: { auth: { userId: users.supervisor, pin: SUPERVISOR_PIN, role: 'x' } } }), 400, 'invalid_request');
    refused(await app.inject({ url: '/api/samples?sort=name' }), 400, 'invalid_request');
    refused(await app.inject({ url: `/api/samples/${sampleId}?include=everything` }), 400, 'invalid_request');
    const form = multipart({ note: 'hello' }, { data: await fieldJpeg(77) });
    refused(await app.inject({ method: 'POST', url: `/api/samples/${sampleId}/fields`, ...form }), 400, 'invalid_request');
    expect(await revision()).toBe(before);
  });

  it('refuses oversized bodies and uploads over the byte and pixel limits', async () => {
    const big = { reference: 'R', patientId: 'x'.repeat(70_000) };
    refused(await app.inject({ method: 'POST', url: '/api/samples', payload: big }), 413, 'body_too_large');
    const noise = await sharp(randomBytes(600 * 400 * 3), { raw: { width: 600, height: 400, channels: 3 } })
      .png()
      .toBuffer();
    expect(noise.length).toBeGreaterThan(200_000);
    const tooBig = refused(await upload(app, sampleId, noise), 413, 'file_too_large');
    expect(tooBig.message).toMatch(/0\.2 MB limit/);
    refused(await upload(app, sampleId, bombPng()), 413, 'image_too_large');
    const wide = await sharp({ create: { width: 1200, height: 1000, channels: 3, background: '#ccc' } })
      .jpeg()
      .toBuffer();
    refused(await upload(app, sampleId, wide), 413, 'image_too_large');
    const s = (await app.inject({ url: `/api/samples/${sampleId}` })).json();
    expect(s.fieldCount).toBe(1);
  });

  it('reads the type from the bytes, not the name or the declared type', async () => {
    const pdf = multipart({}, { data: Buffer.from('%PDF-1.4\n1 0 obj\n<<>>\nendobj\n'), filename: 'field.jpg', type: 'image/jpeg' });
    refused(await app.inject({ method: 'POST', url: `/api/samples/${sampleId}/fields`, ...pdf }), 400, 'not_an_image');
    const gif = multipart({}, { data: Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'), filename: 'x.png', type: 'image/png' });
    refused(await app.inject({ method: 'POST', url: `/api/samples/${sampleId}/fields`, ...gif }), 415, 'unsupported_format');
    // A real JPEG named .txt and sent as text/plain is accepted as the JPEG it is.
    const ok = multipart({}, { data: await fieldJpeg(78), filename: 'notes.txt', type: 'text/plain' });
    const res = await app.inject({ method: 'POST', url: `/api/samples/${sampleId}/fields`, ...ok });
    expect(res.statusCode).toBe(202);
    expect(res.json().image.format).toBe('jpeg');
    await analysed(app, sampleId);
  });

  it('refuses a malformed upload request', async () => {
    refused(await app.inject({ method: 'POST', url: `/api/samples/${sampleId}/fields`, payload: { image: 'abc' } }), 415, 'not_multipart');
    const wrongPart = multipart({}, { name: 'photo', data: await fieldJpeg(79) });
    refused(await app.inject({ method: 'POST', url: `/api/samples/${sampleId}/fields`, ...wrongPart }), 400, 'invalid_request');
    const noFile = multipart({ capturedAt: '2026-03-01T08:00:00Z' });
    refused(await app.inject({ method: 'POST', url: `/api/samples/${sampleId}/fields`, ...noFile }), 400, 'invalid_request');
    const badDate = multipart({ capturedAt: 'noon' }, { data: await fieldJpeg(80) });
    refused(await app.inject({ method: 'POST', url: `/api/samples/${sampleId}/fields`, ...badDate }), 400, 'invalid_request');
  });

  it('refuses path traversal and malformed ids everywhere, before any lookup', async () => {
    const bad = ['..%2F..%2Fetc%2Fpasswd', '..', '%2e%2e', 'abc', `${cellId}%00`, `${cellId.toUpperCase()}`, `${cellId}'--`, '00000000-0000-0000-0000-000000000000'];
    const urls = (id: string) => [
      ['GET', `/api/samples/${id}`],
      ['GET', `/api/samples/${id}/report.html`],
      ['GET', `/api/fields/${id}/image`],
      ['GET', `/api/fields/${id}/thumbnail`],
      ['GET', `/api/cells/${id}/crop`],
      ['DELETE', `/api/cells/${id}`],
      ['PATCH', `/api/users/${id}`],
    ];
    for (const id of bad) {
      for (const [method, url] of urls(id)) {
        const res = await app.inject({ method: method as 'GET', url });
        expect([400, 404], `${method} ${url}`).toContain(res.statusCode);
        expect(res.headers['content-type']).toMatch(/^application\/json/);
      }
    }
    refused(await app.inject({ url: '/api/fields/..%2F..%2Fleukodiff.db/image' }), 400, 'invalid_request');
    // A well-formed id of nothing is a 404.
    refused(await app.inject({ url: '/api/fields/3f2a7c1e-9b4d-4e8a-a1c2-5d6e7f8a9b0c/image' }), 404, 'not_found');
    // A forged or garbled session cookie is no session.
    refused(await app.inject({ method: 'PATCH', url: `/api/samples/${sampleId}`, payload: { wbcCount: 1 }, headers: { cookie: 'leukodiff_session=../admin' } }), 401, 'sign_in_required');
    refused(await app.inject({ method: 'PATCH', url: `/api/samples/${sampleId}`, payload: { wbcCount: 1 }, headers: { cookie: 'leukodiff_session=%%%; other=1' } }), 401, 'sign_in_required');
  });

  it('makes a supervisor wait after 5 wrong PINs (429 with Retry-After), even for the right PIN', async () => {
    const sign = (pin: string) => app.inject({ method: 'POST', url: `/api/samples/${sampleId}/sign`, payload: { auth: { userId: users.supervisor, pin } } });
    for (let i = 1; i <= 4; i++) {
      const body = refused(await sign('9999'), 403, 'wrong_pin');
      expect(body.message).toContain(`${5 - i} ${5 - i === 1 ? 'try' : 'tries'} left`);
    }
    const fifth = await sign('9999');
    refused(fifth, 429, 'pin_locked');
    expect(Number(fifth.headers['retry-after'])).toBe(30);
    const right = await sign(SUPERVISOR_PIN);
    refused(right, 429, 'pin_locked');
    expect((await app.inject({ url: `/api/samples/${sampleId}` })).json().status).not.toBe('signed');
    // The delay holds for every PIN route of that user.
    refused(await app.inject({ method: 'POST', url: `/api/users/${users.supervisor}/verify-pin`, payload: { pin: SUPERVISOR_PIN } }), 429, 'pin_locked');
  });

  it('limits PIN checks per client across users', async () => {
    let res;
    for (let i = 0; i < 40; i++) {
      res = await app.inject({ method: 'POST', url: `/api/users/${users.nurse}/verify-pin`, payload: { pin: '0000' }, remoteAddress: '10.9.9.9' });
      if (res.statusCode === 429 && res.json().error === 'too_many_requests') break;
    }
    const body = refused(res!, 429, 'too_many_requests');
    expect(body.message).toMatch(/too many PIN attempts/);
    expect(res!.headers['retry-after']).toBeDefined();
  });
});
