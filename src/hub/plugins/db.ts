/** Decorates the hub with its configuration (`app.hubConfig`) and database (`app.hub`); closes the pool on close. */
import fp from 'fastify-plugin';
import type { HubConfig } from '../config.ts';
import type { HubDb } from '../db/connect.ts';

declare module 'fastify' {
  interface FastifyInstance {
    hubConfig: HubConfig;
    hub: HubDb;
  }
}

export default fp<{ config: HubConfig; db: HubDb; ownsDb: boolean }>(
  async (app, opts) => {
    app.decorate('hubConfig', opts.config);
    app.decorate('hub', opts.db);
    if (opts.ownsDb) app.addHook('onClose', async () => opts.db.close());
  },
  { name: 'hub-db' },
);
