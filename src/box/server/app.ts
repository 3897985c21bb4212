/** The daemon as a fastify plugin: infrastructure decorators, then routes grouped by resource. */
import type { FastifyPluginAsync } from 'fastify';
import type { Config } from '../config.ts';
import type { Engine } from '../../core/inference/engine.ts';
import configPlugin from './plugins/config.ts';
import enginePlugin from './plugins/engine.ts';
import docsPlugin from './plugins/docs.ts';
import errorsPlugin from './plugins/errors.ts';
import originGuard from './plugins/origin-guard.ts';
import sessionPlugin from './plugins/session.ts';
import syncPlugin from './plugins/sync.ts';
import workflowPlugin from './plugins/workflow.ts';
import analyzeRoutes from './routes/analyze.ts';
import healthRoutes from './routes/health.ts';
import syncRoutes from './routes/sync.ts';
import workflowRoutes from './routes/workflow.ts';

export interface AppOptions {
  config: Config;
  engine: Engine;
  /** The workflow's clock (tests move it to expire sessions and PIN delays); default: the real time. */
  now?: () => Date;
}

const app: FastifyPluginAsync<AppOptions> = async (fastify, opts) => {
  await fastify.register(configPlugin, { config: opts.config });
  await fastify.register(enginePlugin, { engine: opts.engine });
  await fastify.register(errorsPlugin);
  // Before any route: a request from another site is refused before it is parsed.
  await fastify.register(originGuard);
  await fastify.register(docsPlugin);
  await fastify.register(workflowPlugin, { now: opts.now });
  // Before any route: who is signed in, and 401 for changes without a session.
  await fastify.register(sessionPlugin);
  await fastify.register(syncPlugin);
  await fastify.register(healthRoutes);
  await fastify.register(analyzeRoutes);
  await fastify.register(workflowRoutes);
  await fastify.register(syncRoutes);
  await fastify.register(import('./routes/ui.ts'));
};

export default app;
