import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type Config } from '../../src/box/config.ts';
import { loadEngine } from '../../src/core/inference/engine.ts';
import { buildServer } from '../../src/box/server/server.ts';
import { FIXTURE_MODELS } from './paths.ts';
import { withCookieJar } from './session.ts';

/**
 * A real app on the given models (default: the constant-output fixture models), for app.inject().
 * Without a dataDir override it gets a fresh temporary data folder, removed when the app closes.
 * `now` replaces the workflow's clock. Its inject() sends the session signed in last (helpers/session.ts), like the kiosk's browser.
 */
export async function testApp(overrides: Partial<Config> = {}, opts: { now?: () => Date } = {}): Promise<FastifyInstance> {
  const tmp = overrides.dataDir ? null : mkdtempSync(path.join(os.tmpdir(), 'leukodiff-test-'));
  const config = loadConfig({}, { modelsDir: FIXTURE_MODELS, backend: 'onnxruntime', threads: 1, logLevel: 'silent', ...(tmp ? { dataDir: tmp } : {}), ...overrides });
  const engine = await loadEngine({ modelsDir: config.modelsDir, backend: config.backend, threads: config.threads });
  const app = await buildServer(config, engine, { logger: false, now: opts.now });
  if (tmp) app.addHook('onClose', async () => rmSync(tmp, { recursive: true, force: true }));
  await app.ready();
  withCookieJar(app);
  return app;
}
