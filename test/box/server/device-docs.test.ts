import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testApp } from '../../helpers/app.ts';

describe('device health and API docs', () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await testApp({ queueCapacity: 7 });
  });
  afterAll(() => app.close());

  it('reports CPU, memory, disk of the data folder, GPU where readable, uptime, queue and backend', async () => {
    const res = await app.inject({ url: '/api/device' });
    expect(res.statusCode).toBe(200);
    const d = res.json();
    expect(d.backend.name).toBe('onnxruntime');
    expect(d.cpu.cores).toBeGreaterThan(0);
    expect(d.cpu.loadAverage).toHaveLength(3);
    expect(d.memory.totalMB).toBeGreaterThan(d.memory.availableMB * 0.99 - 1);
    expect(d.disk.freeMB).toBeGreaterThan(0);
    expect(d.disk.totalMB).toBeGreaterThanOrEqual(d.disk.freeMB);
    expect(Array.isArray(d.gpu)).toBe(true);
    expect(d.uptimeSeconds.system).toBeGreaterThan(0);
    expect(d.queue).toEqual({ length: 0, capacity: 7 });
    expect(d.outbox).toEqual({ pending: 0 });
    expect(d.cpu.temperatureC === null || typeof d.cpu.temperatureC === 'number').toBe(true);
  });

  it('serves an OpenAPI document of every workflow route, with its schemas', async () => {
    const doc = (await app.inject({ url: '/api/docs' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    const paths = Object.keys(doc.paths);
    for (const p of [
      '/api/samples',
      '/api/samples/{sampleId}',
      '/api/samples/{sampleId}/fields',
      '/api/samples/{sampleId}/sign',
      '/api/samples/{sampleId}/report.html',
      '/api/fields/{fieldId}/image',
      '/api/fields/{fieldId}/cells',
      '/api/cells/{cellId}',
      '/api/cells/{cellId}/crop',
      '/api/users',
      '/api/session',
      '/api/session/people',
      '/api/setup',
      '/api/setup/recover',
      '/api/settings',
      '/api/device',
      '/api/events',
    ]) {
      expect(paths).toContain(p);
    }
    const patch = doc.paths['/api/cells/{cellId}'].patch;
    expect(patch.requestBody.content['application/json'].schema.properties.type.enum).toContain('not_leukocyte');
    expect(patch.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
    expect(doc.paths['/api/samples/{sampleId}/fields'].post.responses['202']).toBeDefined();
  });
});
