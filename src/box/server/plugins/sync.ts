/**
 * Decorates the app with the hub sync (`app.sync`): started when the app is ready, stopped before
 * the store closes (an upload in flight is aborted; what the hub committed is acknowledged again
 * on the next start, since every step is idempotent).
 */
import fp from 'fastify-plugin';
import { SyncService } from '../../sync/service.ts';

declare module 'fastify' {
  interface FastifyInstance {
    sync: SyncService;
  }
}

export default fp(
  async (app) => {
    const sync = new SyncService(app.workflow, app.config, app.log);
    app.decorate('sync', sync);
    app.addHook('onReady', async () => {
      sync.start();
      const s = sync.status();
      app.log.info({ enabled: s.enabled, hub: s.hub, pending: s.backlog.pending }, s.enabled ? `sync to ${s.hub}` : `sync off: ${s.reason}`);
    });
    app.addHook('preClose', async () => sync.stop());
  },
  { name: 'sync', dependencies: ['config', 'workflow'] },
);
