import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/box/config.ts';
import { loadEngine } from '../../src/core/inference/engine.ts';
import { buildServer } from '../../src/box/server/server.ts';
import { FIXTURE_MODELS } from '../helpers/paths.ts';

describe('daemon log', () => {
  it('censors patient identifiers and PINs at any depth and drops query strings', async () => {
    const lines: string[] = [];
    const config = loadConfig({}, { modelsDir: FIXTURE_MODELS, backend: 'onnxruntime', threads: 1, logLevel: 'info' });
    const engine = await loadEngine({ modelsDir: config.modelsDir, backend: config.backend, threads: config.threads });
    const app = await buildServer(config, engine, { logStream: { write: (l) => void lines.push(l) } });
    app.get('/probe', async (req) => {
      req.log.info({ patientId: 'PID-1111', sample: { reference: 'REF-2222', patient: { name: 'Jane Roe' } } }, 'sample created');
      req.log.info({ body: { form: { patient_id: 'PID-3333', pin: '9876' } } }, 'deep');
      req.log.info({ sampleId: 's-1', cells: 42 }, 'kept');
      return { ok: true };
    });
    const res = await app.inject({ method: 'GET', url: '/probe?reference=REF-4444&patientId=PID-5555' });
    expect(res.statusCode).toBe(200);
    await app.close();
    const log = lines.join('');
    for (const secret of ['PID-1111', 'REF-2222', 'Jane Roe', 'PID-3333', '9876', 'REF-4444', 'PID-5555']) {
      expect(log).not.toContain(secret);
    }
    expect(log).toContain('[redacted]');
    // Non-identifying fields and the route itself are still logged.
    expect(log).toContain('"sampleId":"s-1"');
    expect(log).toContain('"url":"/probe"');
  });
});
