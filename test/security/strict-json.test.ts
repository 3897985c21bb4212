/**
 * Issue 21 (low): `"7"` was accepted where a number is expected. JSON bodies are validated without
 * type coercion (a string for an integer is a 400 naming the field), on the daemon and the hub,
 * while querystrings and params, strings by nature, are still coerced.
 */
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../helpers/app.ts';
import { signIn } from '../helpers/session.ts';
import { SUPERVISOR_PIN } from '../helpers/workflow.ts';
import { bearer, testHub, type TestHub } from '../hub/helpers.ts';
import { image, report } from '../hub/fixtures.ts';

describe('daemon: strict JSON bodies, coerced querystrings', () => {
  let app: FastifyInstance;
  let sup: string;
  beforeAll(async () => {
    app = await testApp({ targetCount: 150 });
    const res = await app.inject({ method: 'POST', url: '/api/setup', payload: { language: 'en', supervisor: { name: 'Dr Okafor', pin: SUPERVISOR_PIN } } });
    sup = res.json().supervisor.id;
    await signIn(app, sup, SUPERVISOR_PIN);
  });
  afterAll(() => app?.close());

  it.each(['7', '50'])('refuses targetCount "%s" (a string) with a 400 naming the field, and changes nothing', async (value) => {
    const res = await app.inject({ method: 'PATCH', url: '/api/settings', payload: { targetCount: value, auth: { userId: sup, pin: SUPERVISOR_PIN } } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'invalid_request', message: expect.stringMatching(/targetCount must be integer/) });
    expect((await app.inject({ url: '/api/settings' })).json().targetCount).toBe(150);
  });

  it('still takes the number itself', async () => {
    const res = await app.inject({ method: 'PATCH', url: '/api/settings', payload: { targetCount: 50, auth: { userId: sup, pin: SUPERVISOR_PIN } } });
    expect(res.statusCode).toBe(200);
    expect((await app.inject({ url: '/api/settings' })).json().targetCount).toBe(50);
  });

  it('still coerces the querystring: ?limit=5 is the number 5', async () => {
    const res = await app.inject({ url: '/api/samples?limit=5&offset=0' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ limit: 5, offset: 0 });
    const audit = await app.inject({ url: '/api/audit?limit=5' });
    expect(audit.statusCode).toBe(200);
    expect((await app.inject({ url: '/api/samples?limit=five' })).statusCode).toBe(400);
  });
});

describe('hub: strict JSON bodies, coerced querystrings', () => {
  let hub: TestHub;
  let img: ReturnType<typeof image>;
  beforeAll(async () => {
    hub = await testHub('sqlite');
    img = image();
  });
  afterAll(async () => hub?.close());

  it('takes ?start=0&total=N (strings) as integers for an image upload', async () => {
    const res = await hub.app.inject({
      method: 'PUT',
      url: `/api/v1/images/${img.sha256}?start=0&total=${img.bytes.length}&encoding=identity`,
      headers: { ...bearer(hub.tokens.c1), 'content-type': 'application/octet-stream' },
      payload: img.bytes,
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ complete: true });
  });

  it('refuses a report with a count sent as a string, naming the field', async () => {
    const put = (payload: unknown, sampleId: string) =>
      hub.app.inject({ method: 'PUT', url: `/api/v1/samples/${sampleId}/revisions/3`, headers: bearer(hub.tokens.c1), payload: { images: [img.sha256], payload } });
    const bad = report({ images: [img.sha256] });
    (bad.differential as { counted: unknown }).counted = String(bad.differential.counted);
    const res = await put(bad, bad.sample.id);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({ error: 'invalid_request', message: expect.stringMatching(/counted must be integer/) });
    const good = report({ images: [img.sha256] });
    expect((await put(good, good.sample.id)).statusCode).toBeLessThan(300);
  });
});
