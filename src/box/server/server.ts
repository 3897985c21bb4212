/** Builds the fastify instance around the app plugin; listening is the caller's job. */
import Fastify, { type FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { decodeSlots } from '../../core/analysis/decode-limiter.ts';
import { loggerOptions } from '../../server-common/logging.ts';
import { validationOptions } from '../../core/util/validation.ts';
import type { Config } from '../config.ts';
import type { Engine } from '../../core/inference/engine.ts';
import app from './app.ts';

export async function buildServer(config: Config, engine: Engine, opts: { logger?: boolean; logStream?: { write(line: string): void }; now?: () => Date } = {}): Promise<FastifyInstance> {
  const fastify = Fastify({
    // No patient identifiers in the logs: see loggerOptions.
    logger: opts.logger === false ? false : { ...loggerOptions(config.logLevel), ...(opts.logStream ? { stream: opts.logStream } : {}) },
    bodyLimit: 1024 * 1024,
    // A client that trickles its request (slowloris) is cut off: the headers within 15 s, the
    // whole request (a 40 MB upload included) within requestTimeoutMs; a connection on which
    // nothing at all moves for 10 minutes is closed (event streams send a heartbeat every 15 s).
    requestTimeout: config.requestTimeoutMs,
    connectionTimeout: 10 * 60_000,
    http: { headersTimeout: Math.min(15_000, config.requestTimeoutMs), connectionsCheckingInterval: 1000 },
    // Only the nurse's own screen talks to us; never trust proxy headers.
    trustProxy: false,
    // JSON bodies strict, querystring and params coerced; unknown properties refused.
    ...validationOptions(),
  });
  // The kiosk needs a handful of connections; thousands would exhaust the file descriptors.
  fastify.server.maxConnections = config.maxConnections;
  // Decoded images are the daemon's largest allocations: bound them (src/core/analysis/decode-limiter.ts),
  // and keep no decoded results in libvips's cache (every image is decoded once per use).
  decodeSlots.configure(config.decodeConcurrency, config.decodePixelBudget);
  sharp.cache(false);
  await fastify.register(app, { config, engine, now: opts.now });
  return fastify;
}
