import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/box/config.ts';
import { loadEngine } from '../../../src/core/inference/engine.ts';
import appPlugin from '../../../src/box/server/app.ts';
import { testApp } from '../../helpers/app.ts';
import { FIXTURE_MODELS } from '../../helpers/paths.ts';
import { withCookieJar } from '../../helpers/session.ts';
import { analysed, createSample, createUsers, fieldJpeg, SHORT_REASON, SUPERVISOR_PIN, upload } from '../../helpers/workflow.ts';

describe('patient identifiers never reach the log', () => {
  const lines: string[] = [];
  let app: FastifyInstance;
  let dir: string;
  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('through a whole sample at trace level, including refusals', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'leukodiff-log-'));
    const config = loadConfig({}, { modelsDir: FIXTURE_MODELS, backend: 'onnxruntime', threads: 1, dataDir: dir });
    const engine = await loadEngine({ modelsDir: config.modelsDir, backend: config.backend, threads: 1 });
    const stream = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    app = Fastify({ logger: { level: 'trace', stream }, ajv: { customOptions: { removeAdditional: false } } });
    await app.register(appPlugin, { config, engine });
    await app.ready();
    withCookieJar(app);
    const PATIENT = 'NHS-943-476-5919';
    const users = await createUsers(app);
    const id = await createSample(app, { reference: 'LOG-1', patientId: PATIENT }, users.nurse);
    await app.inject({ method: 'PATCH', url: `/api/samples/${id}`, payload: { patientId: `${PATIENT}-B` } });
    await app.inject({ method: 'PATCH', url: `/api/samples/${id}`, payload: { patientId: { id: PATIENT } } });
    await app.inject({ method: 'POST', url: '/api/samples', payload: { reference: 'LOG-2', patientId: PATIENT, extra: PATIENT } });
    await app.inject({ method: 'POST', url: '/api/samples', payload: `{"reference": "x", "patientId": "${PATIENT}"`, headers: { 'content-type': 'application/json' } });
    await app.inject({ method: 'POST', url: '/api/samples', payload: { reference: 'LOG-3', patientId: PATIENT.repeat(10) } });
    await upload(app, id, await fieldJpeg(91));
    const s = await analysed(app, id);
    for (const c of s.fields[0].cells) await app.inject({ method: 'POST', url: `/api/cells/${c.id}/review` });
    await app.inject({ method: 'POST', url: `/api/samples/${id}/sign`, payload: { auth: { userId: users.supervisor, pin: SUPERVISOR_PIN }, shortReason: SHORT_REASON } });
    const pages = [`/api/samples/${id}`, '/api/samples', `/api/samples/${id}/report`, `/api/samples/${id}/report.html`];
    for (const url of pages) expect((await app.inject({ url })).body).toContain(PATIENT);
    // The audit trail records that it changed, not what to.
    expect((await app.inject({ url: `/api/samples/${id}/audit` })).body).not.toContain('NHS-943');
    expect(lines.length).toBeGreaterThan(20);
    expect(lines.join('')).not.toContain('NHS-943');
    // PINs neither.
    expect(lines.join('')).not.toContain(SUPERVISOR_PIN);
  });
});

describe('a full analysis queue', () => {
  it('refuses an upload with 503 and Retry-After, storing nothing, and takes it once there is room', async () => {
    const app = await testApp({ queueCapacity: 1 });
    try {
      const id = await createSample(app, { reference: 'Q-1' });
      // A large noisy photo keeps the one worker busy for a while.
      const big = await sharp(randomBytes(2400 * 1800 * 3), { raw: { width: 2400, height: 1800, channels: 3 } })
        .jpeg({ quality: 95 })
        .toBuffer();
      expect((await upload(app, id, big)).statusCode).toBe(202);
      const res = await upload(app, id, await fieldJpeg(92));
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ error: 'queue_full', message: expect.stringMatching(/^1 fields are already waiting for analysis: send this one again in \d+ s$/) });
      expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      expect((await app.inject({ url: `/api/samples/${id}` })).json().fieldCount).toBe(1);
      await analysed(app, id);
      expect((await upload(app, id, await fieldJpeg(92))).statusCode).toBe(202);
    } finally {
      await app.close();
    }
  });
});
