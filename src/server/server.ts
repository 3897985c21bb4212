/** Builds the fastify instance around the app plugin; listening is the caller's job. */
import Fastify, { type FastifyInstance } from 'fastify';
import { loggerOptions } from '../deploy/logging.ts';
import type { Config } from '../config.ts';
import type { Engine } from '../inference/engine.ts';
import app from './app.ts';

export async function buildServer(config: Config, engine: Engine, opts: { logger?: boolean; logStream?: { write(line: string): void } } = {}): Promise<FastifyInstance> {
  const fastify = Fastify({
    // No patient identifiers in the logs: see loggerOptions.
    logger: opts.logger === false ? false : { ...loggerOptions(config.logLevel), ...(opts.logStream ? { stream: opts.logStream } : {}) },
    bodyLimit: 1024 * 1024,
    // Only the nurse's own screen talks to us; never trust proxy headers.
    trustProxy: false,
    // additionalProperties: false must refuse unknown fields, not silently drop them.
    ajv: { customOptions: { removeAdditional: false } },
  });
  await fastify.register(app, { config, engine });
  return fastify;
}
