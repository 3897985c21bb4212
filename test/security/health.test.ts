/**
 * Issue 21, low finding: unauthenticated local endpoints exposed file paths and diagnostics.
 * GET /api/health (no session) now says only what the watchdog, the update's check and the kiosk's
 * first screen need; no file name or path leaves the daemon in it or in GET /api/device.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../helpers/app.ts';
import { classifierModelsDir } from '../helpers/classifier-models.ts';

describe('minimal health', () => {
  let app: FastifyInstance;
  let modelsDir: string;
  let dataDir: string;
  beforeAll(async () => {
    modelsDir = classifierModelsDir();
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'leukodiff-health-'));
    app = await testApp({ modelsDir, dataDir });
  });
  afterAll(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(modelsDir, { recursive: true, force: true });
  });

  it('GET /api/health answers without a session: status, version, backend name, models, ensemble, classifier hash, uptime', async () => {
    const res = await app.inject({ url: '/api/health', headers: { cookie: '' } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(Object.keys(body).sort()).toEqual(['backend', 'cellClassifier', 'ensemble', 'modelSet', 'models', 'status', 'uptimeSeconds', 'version']);
    expect(body.backend).toEqual({ name: 'onnxruntime' });
    expect(body.cellClassifier).toEqual({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/), inputPx: 32 });
    for (const m of body.models) expect(Object.keys(m).sort()).toEqual(['id', 'input', 'sha256']);
  });

  it('names no file, folder or backend diagnostics', async () => {
    const text = (await app.inject({ url: '/api/health', headers: { cookie: '' } })).body;
    expect(text).not.toContain(modelsDir);
    expect(text).not.toContain(dataDir);
    expect(text).not.toMatch(/\.onnx|\/tmp\/|reason/);
  });

  it('GET /api/device no longer sends the data folder path', async () => {
    const res = await app.inject({ url: '/api/device' });
    expect(res.body).not.toContain(dataDir);
    if (res.statusCode === 200) {
      expect(res.json().disk).not.toHaveProperty('path');
      expect(res.json().disk).toHaveProperty('freeMB');
    }
  });
});
