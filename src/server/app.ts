/** The daemon as a fastify plugin: infrastructure decorators, then routes grouped by resource. */
import type { FastifyPluginAsync } from 'fastify';
import type { Config } from '../config.ts';
import type { Engine } from '../inference/engine.ts';
import configPlugin from './plugins/config.ts';
import enginePlugin from './plugins/engine.ts';
import errorsPlugin from './plugins/errors.ts';
import analyzeRoutes from './routes/analyze.ts';
import healthRoutes from './routes/health.ts';

export interface AppOptions {
  config: Config;
  engine: Engine;
}

const app: FastifyPluginAsync<AppOptions> = async (fastify, opts) => {
  await fastify.register(configPlugin, { config: opts.config });
  await fastify.register(enginePlugin, { engine: opts.engine });
  await fastify.register(errorsPlugin);
  await fastify.register(healthRoutes);
  await fastify.register(analyzeRoutes);
};

export default app;
