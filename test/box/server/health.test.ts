import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { testApp } from '../../helpers/app.ts';
import { classifierModelsDir } from '../../helpers/classifier-models.ts';

describe('GET /api/health', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testApp();
  });
  afterAll(() => app.close());

  it('reports version, backend, models with sha256, uptime', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/health' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.status).toBe('ok');
    expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
    expect(body.backend.name).toBe('onnxruntime');
    expect(body.models.map((m: { id: string }) => m.id)).toEqual(['fixed-a', 'fixed-b']);
    expect(body.models[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(body.ensemble.mode).toBe('paper');
    expect(body.cellClassifier).toBeNull(); // the fixture models have none
    expect(typeof body.uptimeSeconds).toBe('number');
    expect(body.modelSet.version).toMatch(/^unversioned-[0-9a-f]{12}$/); // the fixture manifest has no modelSet
  });

  it('names the cell classifier and its sha256 when the models have one', async () => {
    const withClassifier = await testApp({ modelsDir: classifierModelsDir() });
    try {
      const body = (await withClassifier.inject({ method: 'GET', url: '/api/health' })).json();
      expect(body.cellClassifier).toEqual({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/), inputPx: 32 });
    } finally {
      await withClassifier.close();
    }
  });

  it('answers unknown routes with a JSON 404', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toEqual({ error: 'not_found', message: 'no route GET /api/nope' });
  });
});
