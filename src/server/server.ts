/** Builds the fastify instance around the app plugin; listening is the caller's job. */
import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import type { Engine } from '../inference/engine.ts';
import app from './app.ts';

export async function buildServer(config: Config, engine: Engine, opts: { logger?: boolean } = {}): Promise<FastifyInstance> {
  const fastify = Fastify({
    logger: opts.logger === false ? false : { level: config.logLevel },
    bodyLimit: 1024 * 1024,
    // Only the nurse's own screen talks to us; never trust proxy headers.
    trustProxy: false,
  });
  await fastify.register(app, { config, engine });
  return fastify;
}
