/** The hub as a fastify plugin: configuration and database, input checks, upload expiry, health, the device API, the reviewer pages. */
import type { FastifyPluginAsync } from 'fastify';
import type { HubConfig } from './config.ts';
import type { HubDb } from './db/connect.ts';
import dbPlugin from './plugins/db.ts';
import errorsPlugin from './plugins/errors.ts';
import inputGuard from './plugins/input-guard.ts';
import uploadExpiry from './plugins/upload-expiry.ts';
import api from './routes/api.ts';
import health from './routes/health.ts';
import web from './web/routes.ts';

export interface HubAppOptions {
  config: HubConfig;
  db: HubDb;
  /** Close the database with the app (the hub process); false when the caller shares it (tests, bench). */
  ownsDb?: boolean;
}

const hubApp: FastifyPluginAsync<HubAppOptions> = async (app, opts) => {
  await app.register(dbPlugin, { config: opts.config, db: opts.db, ownsDb: opts.ownsDb ?? true });
  await app.register(errorsPlugin);
  await app.register(inputGuard);
  await app.register(uploadExpiry);
  await app.register(health);
  await app.register(api, { prefix: '/api/v1' });
  await app.register(web);
};

export default hubApp;
