import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../../src/config.ts';
import { loadEngine } from '../../src/inference/engine.ts';
import { buildServer } from '../../src/server/server.ts';
import { FIXTURE_MODELS } from './paths.ts';

/** A real app on the given models (default: the constant-output fixture models), for app.inject(). */
export async function testApp(overrides: Partial<Config> = {}): Promise<FastifyInstance> {
  const config = loadConfig({}, { modelsDir: FIXTURE_MODELS, backend: 'onnxruntime', threads: 1, logLevel: 'silent', ...overrides });
  const engine = await loadEngine({ modelsDir: config.modelsDir, backend: config.backend, threads: config.threads });
  const app = await buildServer(config, engine, { logger: false });
  await app.ready();
  return app;
}
