/** Builds the hub's fastify instance (TLS when a certificate is configured); listening is the caller's job. */
import { readFileSync } from 'node:fs';
import Fastify, { type FastifyInstance } from 'fastify';
import { loggerOptions } from '../server-common/logging.ts';
import { validationOptions } from '../core/util/validation.ts';
import hubApp from './app.ts';
import type { HubConfig } from './config.ts';
import { openHubDb, type HubDb } from './db/connect.ts';

export interface BuildHubOptions {
  /** An open database to use instead of opening the configured one (it is then not closed with the hub). */
  db?: HubDb;
  logger?: boolean;
  logStream?: { write(line: string): void };
}

export async function buildHub(config: HubConfig, opts: BuildHubOptions = {}): Promise<FastifyInstance> {
  const db = opts.db ?? (await openHubDb(config));
  const https = config.tlsCertFile && config.tlsKeyFile ? { cert: readFileSync(config.tlsCertFile), key: readFileSync(config.tlsKeyFile) } : null;
  const app = Fastify({
    // Tokens travel in the Authorization header, which the request serializer never logs.
    logger: opts.logger === false ? false : { ...loggerOptions(config.logLevel), ...(opts.logStream ? { stream: opts.logStream } : {}) },
    ...(https ? { https } : {}),
    bodyLimit: 1024 * 1024,
    trustProxy: false,
    // JSON bodies strict, querystring and params coerced; unknown properties refused.
    ...validationOptions(),
    // A box on a slow link sends a part of up to maxRequestBytes; give it time, but not forever.
    requestTimeout: 120_000,
    keepAliveTimeout: 30_000,
  });
  try {
    await app.register(hubApp, { config, db, ownsDb: !opts.db });
    await app.ready();
  } catch (err) {
    await app.close().catch(() => {});
    if (!opts.db) await db.close();
    throw err;
  }
  return app;
}
