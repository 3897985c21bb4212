/** `leukodiff serve`: the daemon. Loads config and models, says which backend and why, listens. */
import { ConfigError, loadConfig } from '../../box/config.ts';
import { loadEngine } from '../../core/inference/engine.ts';
import { ModelError } from '../../core/inference/manifest.ts';
import { buildServer } from '../../box/server/server.ts';
import { httpHealthCheck, startWatchdog } from '../../box/deploy/watchdog.ts';

export async function run(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    process.stdout.write(
      'usage: leukodiff serve\nconfiguration: LEUKODIFF_CONFIG (JSON file), LEUKODIFF_HOST, LEUKODIFF_PORT or PORT, LEUKODIFF_DATA, LEUKODIFF_BACKEND (auto|tensorrt|onnxruntime)\n',
    );
    return 0;
  }
  let config;
  let engine;
  try {
    config = loadConfig();
    engine = await loadEngine({ modelsDir: config.modelsDir, backend: config.backend, threads: config.threads });
  } catch (err) {
    if (err instanceof ConfigError || err instanceof ModelError) {
      process.stderr.write(`leukodiff: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  let server;
  try {
    server = await buildServer(config, engine);
  } catch (err) {
    // E.g. a hub token file others can read (SyncSetupError): one line naming the fix, exit 2.
    if (err instanceof ConfigError) {
      process.stderr.write(`leukodiff: ${err.message}\n`);
      return 2;
    }
    throw err;
  }
  server.log.info({ backend: engine.backend.name, reason: engine.backend.reason }, `inference backend: ${engine.backend.name} (${engine.backend.reason})`);
  server.log.info({ models: engine.manifest.models.map((m) => m.id), ensemble: engine.manifest.ensemble }, 'models loaded');
  try {
    await server.listen({ host: config.host, port: config.port });
  } catch (err) {
    process.stderr.write(`leukodiff: cannot listen on ${config.host}:${config.port}: ${(err as Error).message}\n`);
    await server.close();
    return 2;
  }
  const watchdog = startWatchdog({ check: httpHealthCheck(server), log: server.log });
  const stop = async (signal: string) => {
    server.log.info(`${signal}: shutting down`);
    watchdog.stop();
    await server.close();
    process.exit(0);
  };
  process.once('SIGINT', (signal) => void stop(signal));
  process.once('SIGTERM', (signal) => void stop(signal));
  return new Promise<number>(() => {});
}
